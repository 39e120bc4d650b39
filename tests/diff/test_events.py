"""Event contracts (the payloads a Pub/Sub input port accepts) are versioned like port
contracts, judged from the publishers' side: a change that refuses messages valid today
is breaking, an optional field or a relaxed one is not; the version must move with the
content and never go down."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.diff.conftest import Run
from tests.helpers import edit_yaml

EVENTS = "products/iot-telemetry/contracts/device-events.odcs.yaml"


def _edit(repo: Path, version: str | None, change: Any = None) -> None:
    def edit(d: dict[str, Any]) -> None:
        if version is not None:
            d["version"] = version
        if change is not None:
            change(d["schema"][0]["properties"])

    edit_yaml(repo / EVENTS, edit)


def _field(required: bool) -> Any:
    field = {"name": "firmware", "logicalType": "string", "description": "Firmware version."}
    return lambda props: props.append(field | {"required": required})


def _relax(props: list[dict[str, Any]]) -> None:
    next(p for p in props if p["name"] == "event_ts")["required"] = False


def _problems(report: dict[str, Any]) -> list[tuple[str, str]]:
    return [(p["rule"], p["level"]) for p in report["problems"]]


def _rules(report: dict[str, Any]) -> list[str]:
    return [c["rule"] for c in report["changes"]]


def test_version_decrease(repo: Path, run_diff: Run) -> None:
    _edit(repo, "0.9.0")
    code, out, err, report = run_diff()
    assert code == 1, out + err
    assert ("version-decreased", "error") in _problems(report)


def test_new_required_field_is_breaking_for_publishers(repo: Path, run_diff: Run) -> None:
    _edit(repo, "1.1.0", _field(required=True))
    code, out, err, report = run_diff()
    assert code == 1, out + err
    assert _rules(report) == ["event-schema-changed"]
    problem = next(p for p in report["problems"] if p["rule"] == "breaking-change-in-place")
    assert problem["port"] == "device-events"
    assert "a new input port (its own topic)" in problem["message"]


def test_a_new_major_version_in_place(repo: Path, run_diff: Run) -> None:
    _edit(repo, "2.0.0", _field(required=True))
    code, out, err, report = run_diff()
    assert code == 1, out + err
    assert ("major-bump-in-place", "error") in _problems(report)


@pytest.mark.parametrize(
    ("version", "change", "rule"),
    [
        ("1.1.0", _field(required=False), "event-field-added"),
        ("1.0.1", _relax, "event-field-relaxed"),
    ],
)
def test_changes_publishers_survive(
    repo: Path, run_diff: Run, version: str, change: Any, rule: str
) -> None:
    _edit(repo, version, change)
    code, out, err, report = run_diff()
    assert code == 0, out + err
    assert _rules(report) == [rule]
    assert report["problems"] == []


def test_silent_change(repo: Path, run_diff: Run) -> None:
    """The content moved, the version did not: a warning, like a port contract's."""
    _edit(repo, None, _field(required=False))
    code, out, err, report = run_diff()
    assert code == 0, out + err
    assert _problems(report) == [("version-not-bumped", "warning")]
    assert report["problems"][0]["port"] == "device-events"


def test_silent_description_change(repo: Path, run_diff: Run) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["description"]["limitations"] = "Gateways never buffer."

    edit_yaml(repo / EVENTS, edit)
    code, out, err, report = run_diff()
    assert code == 0, out + err
    assert _rules(report) == ["description-changed"]
    assert _problems(report) == [("version-not-bumped", "warning")]
