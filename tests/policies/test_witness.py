"""Classification has a second witness: the product model. A platform change that stops
a port component reporting its classified columns, and drops their policy tags, leaves
the pack nothing to see; the plan's own check still finds the untagged column."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from typer.testing import CliRunner

from tests.helpers import REPO, edit_yaml, project_copy
from tests.policies.conftest import check, plan_stack
from tools.cli import app
from tools.plan.pack_loader import LoadedPack
from tools.plan.runner import run_program
from tools.plan.witness import TAG_CHECK, UNMAPPED_CHECK, untagged_columns
from tools.stack import load_stack


def _forgets_classification(args: pulumi.ResourceTransformationArgs) -> Any:
    props = dict(args.props)
    if args.type_ == "datamesh:index:TableOutputPort":
        props["classifiedColumns"] = {}  # the component no longer reports it
        props["requiredClassifications"] = {}
    elif args.type_ == "gcp:bigquery/table:Table" and args.name == "customers-out-customers-table":
        props["schema"] = pulumi.Output.from_input(props["schema"]).apply(
            lambda s: json.dumps(
                [{k: v for k, v in c.items() if k != "policyTags"} for c in json.loads(s)]
            )
        )
    else:
        return None
    return pulumi.ResourceTransformationResult(props, args.opts)


def test_a_dropped_policy_tag_is_found_without_the_components_word(
    pack: LoadedPack, crm_outputs: Mapping[str, Any]
) -> None:
    stack = load_stack(REPO, "crm-prod")
    clean = plan_stack("crm-prod", crm_outputs)
    assert untagged_columns(stack, clean) == []
    run = plan_stack("crm-prod", crm_outputs, transform=_forgets_classification)
    assert not [v for v in check(pack, run) if v.policy == "pii-policy-tags"]  # pack blind
    found = untagged_columns(stack, run)
    assert [v.policy for v in found] == [TAG_CHECK]
    assert "customers.customers: column contact_email is pii" in found[0].message
    assert found[0].enforcement_level == "mandatory"


def test_a_classification_the_stack_does_not_tag_needs_governance(
    tmp_path: Path, crm_outputs: Mapping[str, Any]
) -> None:
    """A column classified above internal into a classification the stack maps to no
    policy tag is refused unless governance allows it untagged."""
    project = project_copy(tmp_path / "repo", copied=("policies",))

    def confidential(d: dict[str, Any]) -> None:
        field = next(p for p in d["schema"][0]["properties"] if p["name"] == "device_id")
        field["classification"] = "confidential"

    edit_yaml(project / "products/iot-telemetry/contracts/metrics.odcs.yaml", confidential)
    stack = load_stack(project, "iot-prod")
    run = run_program(project, "iot-prod", stack_outputs=lambda _: crm_outputs)
    found = untagged_columns(stack, run)
    assert [v.policy for v in found] == [UNMAPPED_CHECK]
    assert "iot-telemetry.metrics: column device_id is confidential" in found[0].message
    assert untagged_columns(stack, run, frozenset({"confidential"})) == []
    internal = untagged_columns(
        load_stack(REPO, "iot-prod"),
        run_program(REPO, "iot-prod", stack_outputs=lambda _: crm_outputs),
    )
    assert internal == []  # tenant_id is internal: no tag needed

    declaration = project / "policies/production.json"
    data = json.loads(declaration.read_text())
    args = ["plan", "--stack", "iot-prod", "--project-dir", str(project), "--quiet"]
    args += ["--policy-pack", str(project / "policies")]
    data["governance"]["untaggedClassifications"] = ["confidential"]
    declaration.write_text(json.dumps(data))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.stdout + result.stderr
    del data["governance"]["untaggedClassifications"]
    declaration.write_text(json.dumps(data))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1
    assert UNMAPPED_CHECK in result.stdout


def test_untagged_classifications_of_the_wrong_shape_are_invalid_input(tmp_path: Path) -> None:
    project = project_copy(tmp_path / "repo", copied=("policies",))
    declaration = project / "policies/production.json"
    data = json.loads(declaration.read_text())
    args = ["plan", "--stack", "iot-prod", "--project-dir", str(project), "--quiet"]
    args += ["--policy-pack", str(project / "policies")]
    for value, field in (("confidential", "governance.untaggedClassifications"), (3, "governance")):
        if field == "governance":
            data["governance"] = value
        else:
            data["governance"]["untaggedClassifications"] = value
        declaration.write_text(json.dumps(data))
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, result.stdout + result.stderr
        assert f"production.json: {field}: " in result.stderr
        assert "Traceback" not in result.stderr
