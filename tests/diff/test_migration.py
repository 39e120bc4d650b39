"""A v1 -> v2 migration done properly passes at every step; shortcuts do not. And the
blast radius of a column removal reaches through two levels of views."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.diff.conftest import Run, commit, deployed_reader
from tests.helpers import SCHEMA_LINE, edit_yaml

A = "products/iot-analytics"
R = "products/iot-reporting"

REPORTING = """id: iot-reporting
name: IoT reporting
description: Rooms whose CO2 peaked above 1000 ppm, per tenant and hour.
domain: analytics
owner: {team: analytics, group: analytics-team@example.com, contact: analytics-oncall@example.com}
alignment: consumer
classification: confidential
slos: {freshness_minutes: 60, availability_percent: 99.0}
input_ports:
  - {name: co2, kind: data-product, product: iot-analytics, port: PORT}
transformation:
  kind: views
  views:
    - {port: co2-peaks, sql: sql/co2_peaks.sql}
output_ports:
  - name: co2-peaks
    kind: view
    physical_name: co2_peaks_v1
    contract: contracts/co2-peaks.odcs.yaml
    tenant_column: tenant_id
    consumers: []
"""

PEAKS_SQL = """SELECT tenant_id, room, hour, max_co2_ppm AS peak_ppm
FROM {{ iot-analytics.PORT }}
WHERE max_co2_ppm > 1000
"""

PEAKS_CONTRACT = """apiVersion: v3.1.0
kind: DataContract
id: urn:datacontract:analytics:iot-reporting:co2-peaks
name: CO2 peaks
version: 1.0.0
status: active
schema:
  - name: co2_peaks
    physicalName: co2_peaks_v1
    physicalType: view
    logicalType: object
    description: Hours with a CO2 peak above 1000 ppm.
    properties:
      - {name: tenant_id, logicalType: string, required: true, description: "Tenant."}
      - {name: room, logicalType: string, description: "Room."}
      - {name: hour, logicalType: timestamp, required: true, description: "Hour (UTC)."}
      - {name: peak_ppm, logicalType: number, description: "Highest CO2 in the hour, ppm."}
"""


def _reporting(repo: Path, port: str) -> None:
    folder = repo / R
    (folder / "sql").mkdir(parents=True, exist_ok=True)
    (folder / "contracts").mkdir(exist_ok=True)
    (folder / "product.yaml").write_text(SCHEMA_LINE + REPORTING.replace("PORT", port))
    (folder / "sql" / "co2_peaks.sql").write_text(PEAKS_SQL.replace("PORT", port))
    (folder / "contracts" / "co2-peaks.odcs.yaml").write_text(PEAKS_CONTRACT)


def _deploy_reporting(repo: Path) -> None:
    path = repo / "Pulumi.iot-dev.yaml"
    path.write_text(
        path.read_text().replace(
            "    - iot-analytics\n", "    - iot-analytics\n    - iot-reporting\n"
        )
    )


def _add_v2(repo: Path) -> None:
    """co2-per-room-hourly 2.0.0 drops tenant_name: served beside v1 as its own port."""
    shutil.copy(
        repo / A / "sql/co2_per_room_hourly.sql", repo / A / "sql/co2_per_room_hourly_v2.sql"
    )
    sql = repo / A / "sql/co2_per_room_hourly_v2.sql"
    sql.write_text(sql.read_text().replace("  cu.name AS tenant_name,\n", ""))
    old = repo / A / "contracts/co2-per-room-hourly.odcs.yaml"
    new = repo / A / "contracts/co2-per-room-hourly-v2.odcs.yaml"

    def v2(d: dict[str, Any]) -> None:
        d["version"] = "2.0.0"
        d["id"] += ":v2"
        d["schema"][0]["physicalName"] = "co2_per_room_hourly_v2"
        props = d["schema"][0]["properties"]
        d["schema"][0]["properties"] = [p for p in props if p["name"] != "tenant_name"]

    shutil.copy(old, new)
    edit_yaml(new, v2)

    def port(d: dict[str, Any]) -> None:
        d["transformation"]["views"].append(
            {"port": "co2-per-room-hourly-v2", "sql": "sql/co2_per_room_hourly_v2.sql"}
        )
        first = d["output_ports"][0]
        d["output_ports"].append(
            first
            | {
                "name": "co2-per-room-hourly-v2",
                "physical_name": "co2_per_room_hourly_v2",
                "contract": "contracts/co2-per-room-hourly-v2.odcs.yaml",
            }
        )

    edit_yaml(repo / A / "product.yaml", port)


def _remove_v1(repo: Path) -> None:
    def drop(d: dict[str, Any]) -> None:
        d["transformation"]["views"] = [
            v for v in d["transformation"]["views"] if v["port"] != "co2-per-room-hourly"
        ]
        d["output_ports"] = [p for p in d["output_ports"] if p["name"] != "co2-per-room-hourly"]
        for board in d.get("dashboards", []):  # the owner's dashboard moves to v2 too
            for chart in board["charts"]:
                if chart["port"] == "co2-per-room-hourly":
                    chart["port"] = "co2-per-room-hourly-v2"

    edit_yaml(repo / A / "product.yaml", drop)


def test_v1_to_v2_migration_passes_at_every_step(repo: Path, run_diff: Run) -> None:
    _reporting(repo, "co2-per-room-hourly")
    _deploy_reporting(repo)
    code, out, err, report = run_diff()
    assert code == 0, out + err
    assert {c["rule"] for c in report["changes"]} >= {"product-added"}
    start = commit(repo, "iot-reporting reads co2 v1")

    _add_v2(repo)  # 1. v2 beside v1
    code, out, err, report = run_diff(base=start)
    assert code == 0, out + err
    added = [c for c in report["changes"] if c["rule"] == "port-added"]
    assert [(c["port"], c["detail"]) for c in added] == [
        ("co2-per-room-hourly-v2", "co2_per_room_hourly_v2, contract 2.0.0")
    ]
    step1 = commit(repo, "serve co2 v2 beside v1")

    # removing v1 now is refused: iot-reporting still reads it
    _remove_v1(repo)
    code, out, err, report = run_diff(base=step1)
    assert code == 1, out + err
    assert [p["rule"] for p in report["problems"]] == ["removed-while-read"]
    commit(repo, "too early")
    from tests.diff.conftest import git

    git(repo, "reset", "-q", "--hard", step1)

    _reporting(repo, "co2-per-room-hourly-v2")  # 2. the consumer moves over
    code, out, err, report = run_diff(base=step1)
    assert code == 0, out + err
    assert "inputs-changed" in {c["rule"] for c in report["changes"]}
    step2 = commit(repo, "iot-reporting reads v2")

    _remove_v1(repo)  # 3. no one reads v1: it retires
    code, out, err, report = run_diff(base=step2)
    assert code == 0, out + err
    retired = [c for c in report["changes"] if c["rule"] == "port-retired"]
    assert [c["port"] for c in retired] == ["co2-per-room-hourly"]
    assert not report["problems"]


def test_blast_radius_through_two_levels_of_views(repo: Path, run_diff: Run) -> None:
    _reporting(repo, "co2-per-room-hourly")
    _deploy_reporting(repo)
    base = commit(repo, "reporting")

    def drop_value(d: dict[str, Any]) -> None:
        props = d["schema"][0]["properties"]
        d["schema"][0]["properties"] = [p for p in props if p["name"] != "value"]

    edit_yaml(repo / "products/iot-telemetry/contracts/metrics.odcs.yaml", drop_value)
    edit_yaml(
        repo / "products/iot-telemetry/product.yaml",
        lambda d: d["transformation"]["lineage"].pop("value"),
    )
    code, out, err, report = run_diff(base=base)
    assert code == 1, out + err
    removed = next(c for c in report["changes"] if c["rule"] == "column-removed")
    reach = {(a["product"], a["port"]): a for a in removed["affected"]}
    assert reach[("iot-analytics", "co2-per-room-hourly")]["columns"] == [
        "avg_co2_ppm",
        "co2_above_outdoor_ppm",
        "max_co2_ppm",
    ]
    assert reach[("iot-analytics", "co2-per-room-hourly")]["uses"] == ["selects"]
    level_two = reach[("iot-reporting", "co2-peaks")]
    # it keeps the rows WHERE max_co2_ppm > 1000: every column of it changes with value
    assert level_two["columns"] == ["hour", "peak_ppm", "room", "tenant_id"]
    assert level_two["through"] == ["iot-analytics.co2-per-room-hourly"]
    assert level_two["stacks"] == ["iot-dev"]
    assert (
        "affects iot-reporting.co2-peaks (through iot-analytics.co2-per-room-hourly): "
        "hour, peak_ppm, room, tenant_id (stacks: iot-dev)"
    ) in out


def test_removing_a_port_a_registry_reader_reads(repo: Path, run_diff: Run) -> None:
    """A product deployed from another repository reads co2-per-room-hourly: its stack's
    registry file (data-mesh:offlineRegistries) says so, and the port cannot go."""
    _add_v2(repo)
    deployed_reader(
        repo,
        "example-org/data-mesh/bi-prod",
        "dashboards",
        ("iot-analytics", "co2-per-room-hourly"),
    )
    base = commit(repo, "v2 beside v1; bi-prod reads v1")
    _remove_v1(repo)
    code, out, err, report = run_diff(base=base)
    assert code == 1, out + err
    problem = next(p for p in report["problems"] if p["rule"] == "removed-while-read")
    assert "example-org/data-mesh/bi-prod: dashboards" in problem["message"]
