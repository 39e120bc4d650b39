"""Governance of governance: a production stack's pack config cannot go below the floor
the pack declares (policies/production.json), a production stack needs its config and
the production environment, and the plan checks stack outputs for secrets itself."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import REPO
from tools.cli import app

PROD = json.loads((REPO / "policies/config/prod.json").read_text())


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir(parents=True)
    for file in [REPO / "Pulumi.yaml", REPO / "__main__.py", *REPO.glob("Pulumi.*.yaml")]:
        shutil.copy(file, root / file.name)
    shutil.copytree(REPO / "products", root / "products")
    shutil.copytree(REPO / "policies", root / "policies", ignore=shutil.ignore_patterns("*.pyc"))
    return root


def _plan(root: Path, stack: str, *extra: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app,
        [
            "plan",
            "--project-dir",
            str(root),
            "--stack",
            stack,
            "--quiet",
            "--policy-pack",
            str(root / "policies"),
            *extra,
        ],
    )
    return result.exit_code, result.stderr


LOWERED = [
    (
        "advisory-mandatory-policy",
        {**PROD, "cmek": {"enforcementLevel": "advisory", "required": True}},
        "cmek: is advisory; production keeps it mandatory",
    ),
    (
        "all-advisory",
        {**PROD, "all": "advisory"},
        "tenant-isolation: is advisory; production keeps it mandatory",
    ),
    (
        "disabled",
        {**PROD, "owner-only-writes": "disabled"},
        "owner-only-writes: is disabled; production keeps it mandatory",
    ),
    (
        "protection-off",
        {**PROD, "output-port-protection": {"requireProtection": False}},
        "output-port-protection.requireProtection: is false; production requires true",
    ),
    (
        "wider-domains",
        {**PROD, "principal-kinds": {"allowedDomains": ["example.com", "gmail.com"]}},
        "principal-kinds.allowedDomains: widens the production allow-list with gmail.com",
    ),
    (
        "emptied-locations",
        {**PROD, "allowed-locations": {"locations": []}},
        "allowed-locations.locations: is empty, which lifts the restriction",
    ),
    (
        "short-dead-letters",
        {**PROD, "pubsub-reliability": {"minDeadLetterRetentionDays": 1}},
        "pubsub-reliability.minDeadLetterRetentionDays: is 1; production requires at least 7",
    ),
]


@pytest.mark.parametrize(("case", "config", "message"), LOWERED, ids=[c[0] for c in LOWERED])
def test_prod_config_cannot_lower_the_floor(
    case: str,
    config: dict,
    message: str,
    tmp_path: Path,  # type: ignore[type-arg]
) -> None:
    root = _project(tmp_path)
    (root / "policies/config/prod.json").write_text(json.dumps(config))
    code, stderr = _plan(root, "crm-prod")
    assert code == 2, stderr
    assert any(
        line.endswith(message) or message in line
        for line in stderr.splitlines()
        if "policies/config/prod.json: " in line
    ), stderr


def test_narrower_prod_config_is_fine(tmp_path: Path) -> None:
    root = _project(tmp_path)
    narrower = {
        **PROD,
        "time-series-partitioning": "mandatory",
        "pubsub-reliability": {"minDeadLetterRetentionDays": 14},
    }
    (root / "policies/config/prod.json").write_text(json.dumps(narrower))
    code, stderr = _plan(root, "crm-prod")
    assert code == 0, stderr


def test_prod_stack_without_config_or_as_dev(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "policies/config/prod.json").unlink()
    code, stderr = _plan(root, "crm-prod")
    assert code == 2
    assert "crm-prod is a production stack: it needs its pack config" in stderr
    root = _project(tmp_path / "again")
    stack = root / "Pulumi.iot-prod.yaml"
    stack.write_text(
        stack.read_text().replace("data-mesh:environment: prod", "data-mesh:environment: dev")
    )
    code, stderr = _plan(root, "iot-prod")
    assert code == 2
    assert "Pulumi.iot-prod.yaml: data-mesh:environment: 'dev', but iot-prod is a production" in (
        stderr
    )


def test_secrets_in_stack_outputs_fail_the_plan(tmp_path: Path) -> None:
    root = _project(tmp_path)
    main = root / "__main__.py"
    main.write_text(
        main.read_text()
        + '\npulumi.export("crmPassword", pulumi.Config("data-mesh").get_secret_object('
        '"federatedCredentials"))\n'
    )
    code, stderr = _plan(root, "crm-prod", "--json", str(tmp_path / "plan.json"))
    assert code == 1, stderr
    doc = json.loads((tmp_path / "plan.json").read_text())
    leaks = [v for v in doc["violations"] if v["policy"] == "stack-outputs-carry-no-secrets"]
    assert [v["message"] for v in leaks] == [
        "the stack output 'crmPassword' carries a secret; export references (names, ids), "
        "never credentials or secret config"
    ]
