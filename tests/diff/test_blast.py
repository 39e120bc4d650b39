"""The blast radius follows every column a reader's SQL uses, not only what it selects:
a reader that only filters or only joins on a changed column is reached, and so is what
reads that reader. A SQL edit under an unchanged contract names the columns it computes
another way, or the port whose rows it keeps differently, with their readers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.diff.conftest import Run, commit
from tests.diff.test_migration import _deploy_reporting, _reporting
from tests.helpers import edit_yaml

METRICS = "products/iot-telemetry/contracts/metrics.odcs.yaml"
TENANTS = "products/iot-metadata/contracts/device-tenants.odcs.yaml"
HOURLY = "products/iot-analytics/sql/co2_per_room_hourly.sql"


def _retype(repo: Path, contract: str, column: str, logical: str, physical: str) -> None:
    def edit(d: dict[str, Any]) -> None:
        field = next(p for p in d["schema"][0]["properties"] if p["name"] == column)
        field["logicalType"], field["physicalType"] = logical, physical

    edit_yaml(repo / contract, edit)


def _reach(report: dict[str, Any], rule: str, subject: str) -> dict[tuple[str, str], Any]:
    change = next(
        c
        for c in report["changes"]
        if c["rule"] == rule
        and ".".join(x for x in (c["product"], c["port"], c["column"]) if x) == subject
    )
    return {(a["product"], a["port"]): a for a in change["affected"]}


def _with_reporting(repo: Path) -> str:
    _reporting(repo, "co2-per-room-hourly")  # iot-reporting selects from the hourly view
    _deploy_reporting(repo)
    return commit(repo, "reporting")


def test_a_filter_only_reader_and_its_readers(repo: Path, run_diff: Run) -> None:
    """iot-analytics keeps `metric = 'co2'` rows of metrics and selects no `metric`."""
    base = _with_reporting(repo)
    _retype(repo, METRICS, "metric", "integer", "INT64")
    code, out, err, report = run_diff(base=base)
    assert code == 1, out + err  # a breaking change to a served 1.x contract
    reach = _reach(report, "column-type-changed", "iot-telemetry.metrics.metric")
    hourly = reach[("iot-analytics", "co2-per-room-hourly")]
    assert hourly["uses"] == ["filters"]
    assert "avg_co2_ppm" in hourly["columns"]
    assert "tenant_id" in hourly["columns"]
    peaks = reach[("iot-reporting", "co2-peaks")]  # two levels down
    assert peaks["through"] == ["iot-analytics.co2-per-room-hourly"]
    assert peaks["columns"] == ["hour", "peak_ppm", "room", "tenant_id"]
    assert "affects iot-analytics.co2-per-room-hourly (filters):" in out
    assert "none of its outputs use the change" not in out


def test_a_join_only_reader_and_its_readers(repo: Path, run_diff: Run) -> None:
    """iot-analytics joins readings to placements on valid_from and selects none of it."""
    base = _with_reporting(repo)
    _retype(repo, TENANTS, "valid_from", "date", "DATE")
    code, out, err, report = run_diff(base=base)
    assert code == 1, out + err
    reach = _reach(report, "column-type-changed", "iot-metadata.device-tenants.valid_from")
    assert reach[("iot-analytics", "co2-per-room-hourly")]["uses"] == ["joins"]
    assert reach[("iot-analytics", "climate-daily")]["uses"] == ["joins"]
    peaks = reach[("iot-reporting", "co2-peaks")]
    assert peaks["through"] == ["iot-analytics.co2-per-room-hourly"]
    assert not peaks["uses"]
    markdown = run_diff("--format", "markdown", base=base)[1]
    assert "affects iot-analytics.co2-per-room-hourly (joins)" in markdown


def test_a_sql_edit_names_the_column_it_computes_another_way(repo: Path, run_diff: Run) -> None:
    base = _with_reporting(repo)
    sql = repo / HOURLY
    text = sql.read_text()
    assert "MAX(m.value) AS max_co2_ppm" in text
    sql.write_text(text.replace("MAX(m.value) AS max_co2_ppm", "MAX(m.value) / 2 AS max_co2_ppm"))
    code, out, err, report = run_diff(base=base)
    assert code == 0, out + err  # the contract holds; reviewers see who reads the column
    changed = [c for c in report["changes"] if c["rule"] == "column-computation-changed"]
    assert [(c["port"], c["column"]) for c in changed] == [("co2-per-room-hourly", "max_co2_ppm")]
    reach = _reach(
        report, "column-computation-changed", "iot-analytics.co2-per-room-hourly.max_co2_ppm"
    )
    assert reach[("iot-reporting", "co2-peaks")]["uses"] == ["selects", "filters"]
    assert not any(c["rule"] == "rows-kept-changed" for c in report["changes"])
    assert "affects iot-reporting.co2-peaks" in out


def test_a_sql_edit_that_keeps_other_rows(repo: Path, run_diff: Run) -> None:
    base = _with_reporting(repo)
    sql = repo / HOURLY
    text = sql.read_text()
    assert "INTERVAL 90 DAY" in text
    sql.write_text(text.replace("INTERVAL 90 DAY", "INTERVAL 30 DAY", 1))
    code, out, err, report = run_diff(base=base)
    assert code == 0, out + err
    kept = [c for c in report["changes"] if c["rule"] == "rows-kept-changed"]
    assert [c["port"] for c in kept] == ["co2-per-room-hourly"]
    reach = _reach(report, "rows-kept-changed", "iot-analytics.co2-per-room-hourly")
    assert reach[("iot-reporting", "co2-peaks")]["columns"] == [
        "hour",
        "peak_ppm",
        "room",
        "tenant_id",
    ]
    assert not any(c["rule"] == "column-computation-changed" for c in report["changes"])


def test_a_comment_or_layout_edit_changes_nothing(repo: Path, run_diff: Run) -> None:
    base = _with_reporting(repo)
    sql = repo / HOURLY
    text = sql.read_text().replace("\n", "\n  ")
    text = text.replace("MAX(m.value) AS", "MAX(m.value) /* the peak */ AS")
    sql.write_text("-- reformatted\n" + text)
    code, out, err, report = run_diff(base=base)
    assert code == 0, out + err
    rules = {c["rule"] for c in report["changes"]}
    assert "transformation-changed" in rules
    assert not rules & {"column-computation-changed", "rows-kept-changed"}
