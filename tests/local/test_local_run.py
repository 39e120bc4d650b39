"""`datamesh local`: the IoT mesh runs on DuckDB with contracts and tenant isolation
proven on data; broken SQL, contracts and rules fail with the right message."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from tests.helpers import REPO, edit_yaml, replace_in
from tests.local.cli import run_local
from tools.cli import app


@pytest.mark.parametrize("stack", ["iot-prod", "iot-dev", "crm-prod"])
def test_every_stack_runs_clean(stack: str, tmp_path: Path) -> None:
    code, stdout, stderr, out = run_local(tmp_path, stack)
    assert code == 0, stdout + stderr
    report = json.loads((out / "report.json").read_text())
    assert report["passed"] is True
    assert all(c["passed"] for c in report["checks"])
    assert report["isolation"]
    assert all(i["passed"] for i in report["isolation"])
    assert all(rows > 0 for rows in report["rows"].values()), report["rows"]


def test_database_mirrors_the_stack(tmp_path: Path) -> None:
    code, _, _, out = run_local(tmp_path, "iot-prod")
    assert code == 0
    con = duckdb.connect(str(out / "mesh.duckdb"), read_only=True)
    tables = set(
        con.execute(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables"
        ).fetchall()
    )
    assert ("iot_iot_telemetry.metrics_v1",) in tables
    assert ("analytics_iot_analytics.co2_per_room_hourly_v1",) in tables
    nullable = dict(
        con.execute(
            "SELECT column_name, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'iot_iot_telemetry' AND table_name = 'metrics_v1'"
        ).fetchall()
    )
    assert nullable["tenant_id"] == "NO"  # REQUIRED in the contract
    report = json.loads((out / "report.json").read_text())
    tenants = {i["principal"] for i in report["isolation"]}
    assert tenants == {"acme", "globex", "initech", "(no policy)"}
    assert all(i["rows_seen"] == 0 for i in report["isolation"] if i["principal"] == "(no policy)")


def _fingerprint(path: Path) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(path), read_only=True)
    return con.execute(
        "SELECT tenant_id, device_id, metric, COUNT(*), ROUND(SUM(value), 4) "
        "FROM iot_iot_telemetry.metrics_v1 GROUP BY ALL ORDER BY ALL"
    ).fetchall()


def test_same_seed_same_database(tmp_path: Path) -> None:
    first = run_local(tmp_path / "a", "iot-prod", "--seed", "3")[3]
    second = run_local(tmp_path / "b", "iot-prod", "--seed", "3")[3]
    other = run_local(tmp_path / "c", "iot-prod", "--seed", "4")[3]
    assert _fingerprint(first / "mesh.duckdb") == _fingerprint(second / "mesh.duckdb")
    assert _fingerprint(first / "mesh.duckdb") != _fingerprint(other / "mesh.duckdb")


def _copy(tmp_path: Path) -> Path:
    target = tmp_path / "products"
    shutil.copytree(REPO / "products", target)
    return target


BROKEN = [
    (
        "view-column-does-not-exist",
        replace_in(
            "iot-analytics/sql/climate_daily.sql",
            "  p.building,\n",
            "  p.building_name AS building,\n",
        ),
        "iot-analytics.climate-daily: runs: sql/climate_daily.sql:",
    ),
    (
        "contract-type-mismatch",
        replace_in(
            "iot-analytics/contracts/climate-daily.odcs.yaml",
            "{name: devices, logicalType: integer,",
            "{name: devices, logicalType: string,",
        ),
        "iot-analytics.climate-daily: schema: devices: contract STRING, data INT64",
    ),
    (
        "quality-rule-broken-by-data",
        lambda root: edit_yaml(
            root / "iot-telemetry/contracts/metrics.odcs.yaml",
            lambda d: (
                d["schema"][0]
                .setdefault("quality", [])
                .append({"type": "library", "metric": "rowCount", "mustBeGreaterThan": 1000000})
            ),
        ),
        "iot-telemetry.metrics: table-row-count",
    ),
]


@pytest.mark.parametrize(("case", "change", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_products_fail_with_the_right_message(
    case: str, change: Callable[[Path], None], message: str, tmp_path: Path
) -> None:
    products = _copy(tmp_path)
    change(products)
    code, stdout, stderr, _ = run_local(tmp_path, "iot-prod", "--products-dir", str(products))
    assert code == 1, stdout + stderr
    assert any(message in line for line in stdout.splitlines() if "FAILED" in line), stdout


def test_sql_duckdb_cannot_take_is_exit_2_naming_the_spec_field(tmp_path: Path) -> None:
    products = _copy(tmp_path)
    replace_in(
        "iot-analytics/sql/climate_daily.sql",
        "  COUNT(DISTINCT m.device_id) AS devices",
        "  COUNT(DISTINCT m.device_id) AS devices,\n  APPROX_TOP_COUNT(m.metric, 2) AS top",
    )(products)
    code, stdout, stderr, _ = run_local(tmp_path, "iot-prod", "--products-dir", str(products))
    assert code == 2, stdout + stderr
    assert (
        "iot-analytics/product.yaml: transformation.views[1].sql: sql/climate_daily.sql "
        "cannot be transpiled to DuckDB"
    ) in stderr
    assert "Traceback" not in stderr


def test_bad_input_is_exit_2(tmp_path: Path) -> None:
    code, _, stderr, _ = run_local(tmp_path, "nope")
    assert code == 2
    assert "Pulumi.nope.yaml: (file): stack 'nope' has no config file" in stderr
    a_file = tmp_path / "file"
    a_file.write_text("x")
    result = CliRunner().invoke(
        app, ["local", "--project-dir", str(REPO), "--stack", "iot-prod", "--out", str(a_file)]
    )
    assert result.exit_code == 2
    assert "is a file" in result.stderr


def test_a_lost_tenant_filter_is_caught_as_a_leak(tmp_path: Path) -> None:
    """If the row access policy on metrics_v1 were missing, the analytics views would
    show every tenant every tenant's readings: the isolation check reports the leak."""
    from model import load_mesh
    from tools.local.inputs import CLOCK
    from tools.warehouse.checks import tenant_isolation
    from tools.warehouse.engine import ProductRun, Warehouse

    code, _, _, out = run_local(tmp_path, "iot-prod")
    assert code == 0
    mesh = load_mesh(REPO / "products")
    telemetry = mesh["iot-telemetry"]
    metrics = telemetry.spec.output_ports[0].model_copy(update={"tenant_column": None})
    spec = telemetry.spec.model_copy(update={"output_ports": [metrics]})
    bundles = {**mesh.products, "iot-telemetry": replace(telemetry, spec=spec)}
    datasets = {pid: b.spec.dataset_id for pid, b in bundles.items()}
    w = Warehouse.__new__(Warehouse)
    w.con = duckdb.connect(str(out / "mesh.duckdb"))
    w.clock = CLOCK
    runs = {pid: ProductRun(w, b, datasets, bundles) for pid, b in bundles.items()}
    results = tenant_isolation(w, runs, ["acme", "globex", "initech"])
    leaks = [r for r in results if not r.passed and r.product == "iot-analytics"]
    assert {(r.principal, r.port) for r in leaks} >= {
        ("acme", "co2-per-room-hourly"),
        ("globex", "climate-daily"),
    }
    assert all(r.leaked > 0 for r in leaks if r.principal != "(no policy)")
