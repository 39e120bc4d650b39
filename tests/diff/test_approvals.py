"""Changes that lower protection need the governance owners (declared once, in
policies/production.json), whatever CODEOWNERS says for the product's folder: the diff
fails until they approve. Every governance file needs an owner."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.diff.conftest import Run, commit
from tests.helpers import edit_yaml

GOVERNANCE = "@example-org/governance"
A = "products/iot-analytics"


def _declassify(repo: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["output_ports"][0]["declassify"] = {"readings": "a count of readings"}

    edit_yaml(repo / A / "product.yaml", edit)


def test_lowering_protection_fails_until_governance_approves(repo: Path, run_diff: Run) -> None:
    _declassify(repo)
    code, out, err, report = run_diff()
    assert code == 1, out + err
    assert [p["rule"] for p in report["problems"]] == ["governance-approval-required"]
    approval = next(a for a in report["approvals"] if a["rule"] == "declassify-widened")
    assert approval["owners"] == ["@example-org/analytics-team"]  # CODEOWNERS' product owner
    assert approval["governance"] == [GOVERNANCE]
    assert approval["required"] == ["@example-org/analytics-team", GOVERNANCE]
    assert approval["approved"] is False
    assert f"governance required: {GOVERNANCE} (not yet approved)" in out
    markdown = run_diff("--format", "markdown")[1]
    assert f"governance required: {GOVERNANCE} (not yet approved)" in markdown
    github = run_diff("--format", "github")[1]
    assert (
        "::error file=products/iot-analytics/product.yaml,title=governance%3A declassify" in github
    )

    code, out, err, report = run_diff("--approved-by", "@example-org/analytics-team")
    assert code == 1, out + err  # the product's own team cannot approve it
    code, out, err, report = run_diff("--approved-by", GOVERNANCE)
    assert code == 0, out + err
    assert f"governance required: {GOVERNANCE} (approved)" in out


def test_a_change_cannot_name_its_own_governance_owners(repo: Path, run_diff: Run) -> None:
    """The owners are the base's: a pull request that rewrites them still needs the old."""
    _declassify(repo)
    declaration = repo / "policies/production.json"
    data = json.loads(declaration.read_text())
    data["governance"]["owners"] = ["@mallory"]
    declaration.write_text(json.dumps(data))
    code, out, err, report = run_diff("--approved-by", "@mallory")
    assert code == 1, out + err
    assert "governance-approval-required" in {p["rule"] for p in report["problems"]}


def test_no_governance_owners_declared(repo: Path, run_diff: Run) -> None:
    declaration = repo / "policies/production.json"
    data = json.loads(declaration.read_text())
    del data["governance"]
    declaration.write_text(json.dumps(data))
    base = commit(repo, "no governance owners")
    _declassify(repo)
    code, out, err, report = run_diff(base=base)
    assert code == 1, out + err
    problem = next(p for p in report["problems"] if p["rule"] == "governance-approval-required")
    assert "none are declared" in problem["message"]


def test_invalid_governance_owners(repo: Path, run_diff: Run) -> None:
    declaration = repo / "policies/production.json"
    data = json.loads(declaration.read_text())
    data["governance"]["owners"] = ["governance team"]
    declaration.write_text(json.dumps(data))
    code, _, err, _ = run_diff()
    assert code == 2
    assert "policies/production.json: governance.owners: must list owners" in err
    assert "Traceback" not in err


def test_a_governance_file_without_an_owner_is_an_error(repo: Path, run_diff: Run) -> None:
    codeowners = repo / ".github/CODEOWNERS"
    kept = [line for line in codeowners.read_text().splitlines() if "/policies/" not in line]
    codeowners.write_text("\n".join(kept) + "\n")
    base = commit(repo, "the pack loses its owners")
    config = repo / "policies/config/dev.json"
    config.write_text(config.read_text().replace("{", '{"_note": "x",', 1))
    code, out, err, report = run_diff(base=base)
    assert code == 1, out + err
    unowned = [p for p in report["problems"] if p["rule"] == "governance-file-unowned"]
    assert unowned, out
    assert "policies/config/dev.json" in unowned[0]["message"]


def test_raising_protection_needs_no_governance_owner(repo: Path, run_diff: Run) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["classification"] = "restricted"

    edit_yaml(repo / "products/iot-telemetry/product.yaml", edit)
    code, out, err, report = run_diff()
    assert code == 0, out + err
    approval = next(a for a in report["approvals"] if a["rule"] == "classification-changed")
    assert approval["governance"] == []
