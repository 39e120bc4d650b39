"""`datamesh new product` for every input kind x transformation kind: each product it
writes validates, plans with no mandatory violation, runs locally with every check
passing and every tenant isolated, and passes its generated unit test; the combinations
that make no product are refused with the option and the reason, writing nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.helpers import project_copy
from tools.cli import app

# (product id, --input, --transformation, extra options)
MADE = [
    ("door-events", "pubsub:doors", "dataflow-flex-template", ["--tenant-column", "tenant_id"]),
    ("sheet-tables", "google-sheet:rooms", "scheduled-query", []),
    ("sheet-views", "google-sheet:desks", "views", []),
    ("tenant-sheet", "google-sheet:visits", "scheduled-query", ["--tenant-column", "tenant_id"]),
    ("crm-tables", "federated:suppliers", "scheduled-query", []),
    ("crm-views", "federated:contracts", "views", []),
    ("device-tables", "product:iot-metadata.devices", "scheduled-query", []),
    ("device-views", "product:iot-metadata.device-tenants", "views", []),
    ("customer-view", "product:customers.customers", "views", []),  # pii, another stack
]
REFUSED = [
    ("pubsub:doors", "scheduled-query", "--input", "read by a pipeline, not SQL"),
    ("pubsub:doors", "views", "--input", "read by a pipeline, not SQL"),
    ("google-sheet:rooms", "dataflow-flex-template", "--input", "exactly one pubsub input"),
    ("federated:suppliers", "dataflow-flex-template", "--input", "exactly one pubsub input"),
    ("product:iot-metadata.devices", "dataflow-flex-template", "--input", "exactly one pubsub"),
]


def _cli(project: Path | None, *args: str) -> tuple[int, str]:
    where = ["--project-dir", str(project)] if project is not None else []
    result = CliRunner().invoke(app, [*args, *where])
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project_copy(tmp_path_factory.mktemp("project"), ("crm-prod", "iot-prod"))
    for pid, source, transformation, extra in MADE:
        code, text = _cli(
            root,
            "new",
            "product",
            pid,
            "--domain",
            "facilities",
            "--input",
            source,
            "--transformation",
            transformation,
            "--stack",
            "iot-prod",
            *extra,
        )
        assert code == 0, text
    # what a user does next for a federated source (datamesh new prints it)
    path = root / "Pulumi.iot-prod.yaml"
    doc = yaml.safe_load(path.read_text())
    doc["config"]["data-mesh:federatedCredentials"] = {
        f"{pid}/{source.split(':')[1]}": {"username": "reader", "password": {"secure": "v1:AA"}}
        for pid, source, _, _ in MADE
        if source.startswith("federated")
    }
    path.write_text(yaml.safe_dump(doc))
    return root


def test_every_product_is_added_to_the_stack_and_validates(project: Path) -> None:
    config = yaml.safe_load((project / "Pulumi.iot-prod.yaml").read_text())["config"]
    assert {pid for pid, *_ in MADE} <= set(config["data-mesh:products"])
    code, text = _cli(None, "validate", "--products-dir", str(project / "products"))
    assert code == 0, text


def test_the_stack_plans_with_no_mandatory_violation(project: Path) -> None:
    code, text = _cli(project, "plan", "--stack", "iot-prod", "--quiet")
    assert code == 0, text
    assert "Violations: 0 mandatory" in text


@pytest.mark.parametrize("pid", [m[0] for m in MADE])
def test_generated_unit_test_passes(project: Path, pid: str) -> None:
    code, text = _cli(
        project, "test", "--products-dir", str(project / "products"), "--product", pid
    )
    assert code == 0, text
    assert "1 passed, 0 failed" in text


def test_local_run_proves_every_new_port(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, text = _cli(project, "local", "--stack", "iot-prod", "--scale", "12", "--out", str(out))
    assert code == 0, text
    report = json.loads((out / "report.json").read_text())
    for pid, *_ in MADE:
        checks = [c for c in report["checks"] if c["product"] == pid]
        assert checks, pid
        assert all(c["passed"] for c in checks), checks
        assert any(c["check"] == "has rows" for c in checks), pid
        tenants = [
            i
            for i in report["isolation"]
            if i["product"] == pid and i["principal"] != "(no policy)"
        ]
        assert all(i["passed"] for i in tenants), tenants


@pytest.mark.parametrize(("source", "transformation", "option", "reason"), REFUSED)
def test_combinations_that_make_no_product_are_refused(
    project: Path, source: str, transformation: str, option: str, reason: str
) -> None:
    code, text = _cli(
        project,
        "new",
        "product",
        "refused-one",
        "--domain",
        "facilities",
        "--input",
        source,
        "--transformation",
        transformation,
    )
    assert code == 2, text
    assert text.startswith(f"command line: {option}: ")
    assert reason in text
    assert not (project / "products" / "refused-one").exists()


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["iot-telemetry", "--domain", "x"],
            "command line: ID: product 'iot-telemetry' exists already",
        ),
        (["Bad_Id", "--domain", "x"], "command line: ID: 'Bad_Id' is not a product id"),
        (
            ["fine-id", "--domain", "x", "--input", "kafka:t"],
            "command line: --input: 'kafka' is not an input kind",
        ),
        (
            ["fine-id", "--domain", "x", "--input", "product:iot-metadata.nope"],
            "iot-metadata has no table or view port 'nope'",
        ),
        (
            ["fine-id", "--domain", "x", "--transformation", "dbt"],
            "command line: --transformation: 'dbt' is not",
        ),
        (
            ["fine-id", "--domain", "x", "--output", "view"],
            "command line: --output: id: a scheduled-query",
        ),
        (
            [
                "fine-id",
                "--domain",
                "x",
                "--transformation",
                "views",
                "--tenant-column",
                "tenant_id",
            ],
            "command line: --tenant-column: a view filters no rows itself",
        ),
        (
            [
                "fine-id",
                "--domain",
                "x",
                "--input",
                "product:iot-metadata.devices",
                "--stack",
                "crm-prod",
            ],
            "command line: --stack: crm-prod neither deploys",
        ),
    ],
)
def test_bad_choices_are_exit_2_naming_the_option(
    project: Path, args: list[str], expected: str
) -> None:
    code, text = _cli(project, "new", "product", *args)
    assert code == 2, text
    assert expected in text, text
    assert "Traceback" not in text
    assert not (project / "products" / "fine-id").exists()
