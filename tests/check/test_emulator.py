"""`datamesh check` for real, against a BigQuery API emulator (bqemulator, `make test`
installs it in .venv-bqemu) loaded with a local run's ports: its checks agree with the
local run's, and what breaks the data or a table makes the expected checks fail.

The emulator has no settable clock, so the run's times are moved to the wall clock as
they are loaded. It ignores REQUIRED, requirePartitionFilter and policy tags, has no row
access policies, and translates SQL with sqlglot as the local run does: what those
prove is tested elsewhere (tests/check/test_check.py, the pack, the local run)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from typer.testing import CliRunner

from model import load_mesh
from tests.helpers import PRODUCTS, REPO
from tools.cli import app
from tools.plan.runner import plan_with_references

EMULATOR = REPO / ".venv-bqemu" / "bin" / "bqemulator"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not EMULATOR.exists():
        pytest.fail("the BigQuery emulator is missing: `make bqemulator` installs it")
    rest, grpc = _free_port(), _free_port()
    log = tmp_path_factory.mktemp("bqemu") / "emulator.log"
    env = {**os.environ, "BQEMU_ENABLE_FORMAT_EXTENSIONS": "false"}
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(EMULATOR),
                "start",
                "--rest-port",
                str(rest),
                "--grpc-port",
                str(grpc),
                "--project",
                "local",
                "--log-level",
                "warning",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{rest}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", rest)) == 0:
                    break
            if process.poll() is not None:
                pytest.fail(f"the emulator stopped: {log.read_text()[-2000:]}")
            time.sleep(0.3)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


def _client(url: str, project: str) -> Any:
    from google.auth.credentials import AnonymousCredentials
    from google.cloud import bigquery

    return bigquery.Client(
        project=project, credentials=AnonymousCredentials(), client_options={"api_endpoint": url}
    )


def _moved(value: Any, by: timedelta) -> Any:
    if isinstance(value, datetime):
        return (value + by).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return (value + timedelta(days=by.days)).isoformat()
    if isinstance(value, list):
        return [_moved(v, by) for v in value]
    if isinstance(value, dict):
        return {k: _moved(v, by) for k, v in value.items()}
    return value


@pytest.fixture(scope="module")
def loaded(endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A local run of iot-prod, its ports loaded where iot-prod's registry says they are."""
    from google.cloud import bigquery

    run = tmp_path_factory.mktemp("run") / "iot-prod"
    result = CliRunner().invoke(
        app,
        [
            "local",
            "--project-dir",
            str(REPO),
            "--stack",
            "iot-prod",
            "--scale",
            "8",
            "--out",
            str(run),
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads((run / "report.json").read_text())
    # the run's clock becomes a moment a little after now: the checks run after loading
    by = datetime.now(UTC) + timedelta(minutes=5) - datetime.fromisoformat(report["clock"])
    outputs = plan_with_references(REPO, "iot-prod", preview=False).outputs
    registry = outputs["meshRegistry"]
    mesh = load_mesh(PRODUCTS)
    con = duckdb.connect(str(run / "mesh.duckdb"), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    for pid, entry in registry.items():
        for port, where in entry["outputPorts"].items():
            spec = mesh[pid].spec.output_port(port)
            if spec is None or not spec.serves_rows:
                continue
            client = _client(endpoint, where["project"])
            client.create_dataset(f"{where['project']}.{where['datasetId']}", exists_ok=True)
            fields = mesh[pid].contracts[port].fields
            schema = [_field(f) for f in fields]
            table = bigquery.Table(
                f"{where['project']}.{where['datasetId']}.{where['resourceId']}", schema
            )
            client.create_table(table, exists_ok=True)
            cursor = con.execute(
                f'SELECT * FROM "{mesh[pid].spec.dataset_id}"."{spec.physical_name}"'
            )
            names = [d[0] for d in cursor.description]
            rows = [_moved(dict(zip(names, r, strict=True)), by) for r in cursor.fetchall()]
            for start in range(0, len(rows), 500):
                assert not client.insert_rows_json(table, rows[start : start + 500])
    con.close()
    path = run / "registry.json"
    path.write_text(json.dumps(outputs))
    return path, report


def _field(f: Any) -> Any:
    from google.cloud import bigquery

    return bigquery.SchemaField(f.name, f.type, mode=f.mode, fields=[_field(c) for c in f.fields])


def _check(endpoint: str, registry: Path, tmp_path: Path) -> tuple[int, list[dict[str, Any]]]:
    results = tmp_path / "checks.json"
    result = CliRunner().invoke(
        app,
        [
            "check",
            "--stack",
            "iot-prod",
            "--registry",
            str(registry),
            "--endpoint",
            endpoint,
            "--products-dir",
            str(PRODUCTS),
            "--json",
            str(results),
        ],
    )
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(results.read_text())


def test_checks_agree_with_the_local_run(endpoint: str, loaded: Any, tmp_path: Path) -> None:
    registry, report = loaded
    deployed_here = set(json.loads(registry.read_text())["meshRegistry"])
    code, results = _check(endpoint, registry, tmp_path)
    failed = [r for r in results if not r["passed"]]
    assert code == 0, [(r["check"], r["detail"]) for r in failed]
    local = {(c["product"], c["port"], c["check"]): c["passed"] for c in report["checks"]}
    deployed = {(r["product"], r["port"], r["check"]): r["passed"] for r in results}
    own = {"schema", "has rows", "runs", "rows in the checks' window"}  # the run's own checks
    compiled = {k for k in local if k[0] in deployed_here and k[2] not in own}
    assert compiled
    assert compiled <= set(deployed)  # every compiled check of the run also ran here
    assert all(deployed[k] == local[k] for k in compiled)
    assert all(r.get("examined") for r in results if r["check"] not in {"schema"})


def test_broken_data_and_tables_fail_their_checks(
    endpoint: str, loaded: Any, tmp_path: Path
) -> None:
    registry, _ = loaded
    outputs = json.loads(registry.read_text())
    devices = outputs["meshRegistry"]["iot-metadata"]["outputPorts"]["devices"]
    actions = outputs["meshRegistry"]["iot-actions-taken"]["outputPorts"]["actions"]
    client = _client(endpoint, devices["project"])
    fq = f"{devices['project']}.{devices['datasetId']}.{devices['resourceId']}"
    assert not client.insert_rows_json(
        fq,
        [{"device_id": None, "tenant_id": "acme", "placed_since": datetime.now(UTC).isoformat()}],
    )
    client.delete_table(f"{actions['project']}.{actions['datasetId']}.{actions['resourceId']}")
    code, results = _check(endpoint, registry, tmp_path)
    assert code == 1
    failed = {(r["product"], r["port"], r["check"]) for r in results if not r["passed"]}
    assert ("iot-metadata", "devices", "device-id-not-null") in failed
    assert ("iot-actions-taken", "actions", "schema") in failed
