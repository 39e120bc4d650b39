"""`datamesh plan` names what cannot be code for the stack and the order the project's
stacks deploy in (a stack after the stacks it reads), and refuses a reference cycle."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import REPO, project_copy
from tools.cli import app
from tools.deploy_order import StackCycle, deploy_order


def test_stacks_deploy_after_the_stacks_they_read() -> None:
    order = deploy_order(REPO)
    assert order.stacks.index("crm-prod") < order.stacks.index("iot-prod")
    assert order.stacks.index("crm-prod") < order.stacks.index("iot-dev")
    assert order.reads["iot-prod"] == {"customers": "crm-prod"}


def test_a_reference_cycle_is_refused(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "repo")
    crm = project / "Pulumi.crm-prod.yaml"
    crm.write_text(
        crm.read_text()
        + "  data-mesh:externalProducts:\n"
        + "    iot-metadata:\n"
        + "      stack: example-org/data-mesh/iot-prod\n"
        + "      project: example-iot-prod\n"
    )
    result = CliRunner().invoke(
        app, ["plan", "--stack", "iot-dev", "--project-dir", str(project), "--quiet"]
    )
    assert result.exit_code == 2, result.output
    assert "data-mesh:externalProducts" in result.stderr
    assert "cycle" in result.stderr
    assert "Traceback" not in result.stderr
    # the whole project's order, whichever stack is planned
    with pytest.raises(StackCycle) as refused:
        deploy_order(project)
    assert refused.value.issue.file.name == "Pulumi.crm-prod.yaml"
    assert "crm-prod -> iot-prod -> crm-prod" in refused.value.issue.message


def test_plan_prints_the_manual_steps_and_the_order(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        app,
        ["plan", "--stack", "iot-prod", "--project-dir", str(REPO), "--quiet", "--json", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "Before the first `pulumi up` (what cannot be code):" in result.stdout
    assert (
        "share the Google Sheet of iot-metadata.placements-sheet (read-only) with "
        "dp-iot-metadata@example-iot-prod.iam.gserviceaccount.com"
    ) in result.stdout
    assert "iot-prod reads customers from crm-prod: deploy crm-prod first" in result.stdout
    plan = json.loads(out.read_text())
    assert plan["deployOrder"].index("crm-prod") < plan["deployOrder"].index("iot-prod")
    assert "roles/dataflow.admin" in plan["deployerRoles"]
    assert "roles/owner" not in plan["deployerRoles"]
    assert any("Google Sheet" in step for step in plan["manualSteps"])
