"""`datamesh check` builds, for a deployed stack, exactly the queries the local run
executes (before transpiling), and says plainly when there are no credentials."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import sqlglot
from typer.testing import CliRunner

from model import load_mesh
from model.quality import scan_filter
from tests.helpers import PRODUCTS, REPO
from tools.check.command import port_queries, run_checks
from tools.cli import app
from tools.plan.runner import plan_with_references


@pytest.fixture(scope="module")
def registry_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    outputs = plan_with_references(REPO, "iot-prod", preview=False).outputs
    path = tmp_path_factory.mktemp("registry") / "iot-prod.json"
    path.write_text(json.dumps(outputs))
    return path


def test_queries_are_the_local_runs_checks_on_the_deployed_tables(registry_file: Path) -> None:
    mesh = load_mesh(PRODUCTS)
    registry = json.loads(registry_file.read_text())["meshRegistry"]
    queries = port_queries(mesh, registry)
    assert {q.product for q in queries} == {
        "iot-metadata",
        "iot-actions-taken",
        "iot-telemetry",
        "iot-analytics",
    }
    for q in queries:
        sqlglot.parse_one(q.sql, read="bigquery")  # BigQuery SQL
        port = registry[q.product]["outputPorts"][q.port]
        deployed = f"`{port['project']}.{port['datasetId']}.{port['resourceId']}`"
        local = f"`{port['datasetId']}.{port['resourceId']}`"
        contract = mesh[q.product].contracts[q.port]
        check = next(c for c in contract.checks if c.name == q.check)
        spec = mesh[q.product].spec.output_port(q.port)
        assert spec is not None
        where = scan_filter(spec.required_filter_column(), contract)
        # The local run executes check.holds_sql(local, where), transpiled; only the table
        # differs. A table that requires a partition filter is read through one.
        assert q.sql.replace(deployed, local) == check.holds_sql(local, where)
        if spec.required_filter_column():
            assert f"WHERE {spec.required_filter_column()} >= " in q.sql
    total = sum(
        len(mesh[p].contracts[n].checks)
        for p, e in registry.items()
        for n in e["outputPorts"]
        if mesh[p].spec.output_port(n).kind != "topic"  # type: ignore[union-attr]
    )
    assert len(queries) == total


class _FakeClient:
    def __init__(self, answers: dict[str, Any]) -> None:
        self.answers = answers
        self.seen: list[str] = []

    def get_table(self, name: str) -> Any:
        held = self.answers.get("num_rows", 10)
        return type("Table", (), {"schema": self.answers["schema"], "num_rows": held})()

    def query(self, sql: str) -> Any:
        self.seen.append(sql)
        client = self

        class _Job:
            def result(self) -> list[tuple[Any, ...]]:
                if sql.startswith("SELECT COUNT(*)"):
                    return [(client.answers.get("visible", 10),)]
                return [client.answers.get("row", (True, 0, 10))]

        return _Job()


def test_results_from_the_client(registry_file: Path) -> None:
    mesh = load_mesh(PRODUCTS)
    queries = port_queries(mesh, json.loads(registry_file.read_text())["meshRegistry"])[:3]
    fake = _FakeClient({"row": (False, 7, 10)})
    asked: list[tuple[str, str | None]] = []

    def factory(project: str, identity: str | None) -> Any:
        asked.append((project, identity))
        return fake

    identities = {
        "iot-actions-taken": "dp-iot-actions-taken@example-iot-prod.iam.gserviceaccount.com"
    }
    results = run_checks(queries, "example-iot-prod", factory, identities=identities)
    assert {q.product for q in queries} == {"iot-actions-taken"}
    assert asked == [("example-iot-prod", identities["iot-actions-taken"])]  # its own identity
    assert fake.seen == [q.sql for q in queries]
    assert [r.passed for r in results] == [False, False, False]
    assert all(r.detail.endswith("value 7") and r.examined == 10 for r in results)
    # a check that examined no row proves nothing: it fails, whatever its value says
    blind = _FakeClient({"row": (True, 0, 0)})
    results = run_checks(
        queries, "example-iot-prod", client_factory=lambda project, identity: blind
    )
    assert [r.passed for r in results] == [False, False, False]
    assert all("examined no rows" in r.detail for r in results)


def test_no_credentials_is_a_plain_error(
    registry_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from google.auth.compute_engine import _metadata

    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))
    monkeypatch.setattr(_metadata, "_NO_GCE_CHECK", True)  # never probe a metadata server
    result = CliRunner().invoke(
        app, ["check", "--stack", "iot-prod", "--registry", str(registry_file)]
    )
    assert result.exit_code == 2, result.stdout + result.stderr
    assert "no Google Cloud application default credentials" in result.stderr
    assert "Traceback" not in result.stderr


def test_schema_against_the_deployed_table(registry_file: Path) -> None:
    from google.cloud.bigquery import SchemaField

    from tools.check.command import port_tables

    mesh = load_mesh(PRODUCTS)
    tables = [
        t
        for t in port_tables(mesh, json.loads(registry_file.read_text())["meshRegistry"])
        if t.port == "metrics"
    ]
    assert [t.table for t in tables] == ["example-iot-prod.iot_iot_telemetry.metrics_v1"]
    deployed = [
        SchemaField(f.name, f.type.replace("INT64", "INTEGER"), mode=f.mode)
        for f in tables[0].fields
    ]
    ok = run_checks([], "p", lambda project, identity: _FakeClient({"schema": deployed}), tables)
    assert [(r.check, r.passed) for r in ok] == [
        ("schema", True),
        ("rows visible to the checks", True),
    ]
    deployed[1] = SchemaField(deployed[1].name, "STRING", mode="NULLABLE")
    changed = run_checks(
        [], "p", lambda project, identity: _FakeClient({"schema": deployed}), tables
    )
    assert not changed[0].passed
    assert f"{deployed[1].name}: contract" in changed[0].detail


@pytest.mark.parametrize(
    ("edit", "key", "message"),
    [
        (
            lambda r: r["iot-telemetry"]["outputPorts"]["metrics"].update(
                datasetId="iot` WHERE TRUE; DROP TABLE x; --"
            ),
            "meshRegistry.iot-telemetry.outputPorts.metrics.datasetId",
            "is not a dataset id",
        ),
        (
            lambda r: r["iot-telemetry"]["outputPorts"]["metrics"].update(project="Not A Project"),
            "meshRegistry.iot-telemetry.outputPorts.metrics.project",
            "is not a project id",
        ),
        (
            lambda r: r["iot-telemetry"]["outputPorts"].update(
                nope=r["iot-telemetry"]["outputPorts"]["metrics"]
            ),
            "meshRegistry.iot-telemetry.outputPorts.nope",
            "iot-telemetry has no output port 'nope'",
        ),
        (
            lambda r: r.update(stranger=r["iot-telemetry"]),
            "meshRegistry.stranger",
            "unknown product 'stranger'",
        ),
    ],
)
def test_registry_values_are_identifiers_before_any_query(
    registry_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    edit: Any,
    key: str,
    message: str,
) -> None:
    """Exit 2 naming the key, with no credentials configured (none is asked for)."""
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("CLOUDSDK_CONFIG", str(tmp_path / "no-gcloud"))
    outputs = json.loads(registry_file.read_text())
    edit(outputs["meshRegistry"])
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(outputs))
    result = CliRunner().invoke(app, ["check", "--stack", "iot-prod", "--registry", str(bad)])
    assert result.exit_code == 2, result.stdout + result.stderr
    assert f"bad.json: {key}: " in result.stderr
    assert message in result.stderr
    assert "credentials" not in result.stderr


def test_rows_hidden_from_the_checker_fail(registry_file: Path) -> None:
    """A row access policy that names no policy for the checking identity shows it no row
    of a table that holds some: every check would pass on nothing, so that fails."""
    from tools.check.command import port_tables

    mesh = load_mesh(PRODUCTS)
    registry = json.loads(registry_file.read_text())["meshRegistry"]
    devices = [t for t in port_tables(mesh, registry) if t.port == "devices"]
    schema = _schema(devices[0])
    hidden = run_checks(
        [],
        "p",
        lambda _, __: _FakeClient({"schema": schema, "num_rows": 100, "visible": 0}),
        devices,
    )
    assert (hidden[1].check, hidden[1].passed) == ("rows visible to the checks", False)
    assert "sees 0 of the table's 100 rows" in hidden[1].detail
    some = run_checks(
        [],
        "p",
        lambda _, __: _FakeClient({"schema": schema, "num_rows": 100, "visible": 40}),
        devices,
    )
    assert not some[1].passed
    assert "sees 40 of the table's 100 rows" in some[1].detail


def test_view_columns_are_nullable_to_bigquery(registry_file: Path) -> None:
    """BigQuery reports a view's columns NULLABLE: its REQUIRED columns are proven by the
    not-null checks, and the schema check compares types (and REPEATED) only."""
    from google.cloud.bigquery import SchemaField

    from tools.check.command import port_tables

    mesh = load_mesh(PRODUCTS)
    registry = json.loads(registry_file.read_text())["meshRegistry"]
    view = next(t for t in port_tables(mesh, registry) if t.port == "climate-daily")
    assert view.view
    as_bigquery = [
        SchemaField(f.name, f.type, mode="REPEATED" if f.mode == "REPEATED" else "NULLABLE")
        for f in view.fields
    ]
    ok = run_checks(
        [], "p", lambda _, __: _FakeClient({"schema": as_bigquery, "num_rows": None}), [view]
    )
    assert ok[0].passed, ok[0].detail
    table = next(t for t in port_tables(mesh, registry) if t.port == "devices")
    loose = [SchemaField(f.name, f.type, mode="NULLABLE") for f in table.fields]
    strict = run_checks([], "p", lambda _, __: _FakeClient({"schema": loose}), [table])
    assert not strict[0].passed  # a table's REQUIRED mode is still compared


def _schema(port: Any) -> list[Any]:
    from google.cloud.bigquery import SchemaField

    return [SchemaField(f.name, f.type, mode=f.mode) for f in port.fields]
