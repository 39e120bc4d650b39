"""`datamesh plan` as users and CI run it: output, JSON, exit codes."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from tests.helpers import REPO, edit_yaml
from tools.cli import app
from tools.plan.pack_loader import load_pack

RESOURCE_KEYS = {
    "urn",
    "type",
    "name",
    "parent",
    "custom",
    "protect",
    "deleteBeforeReplace",
    "retainOnDelete",
    "dependencies",
    "inputs",
}


def _plan(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, ["plan", "--project-dir", str(REPO), *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


def test_plan_iot_prod_writes_the_documented_json(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    code, stdout, stderr = _plan("--stack", "iot-prod", "--json", str(out))
    assert code == 0
    # Progress goes to stderr: the referenced stack is planned first.
    assert stderr.index("planning crm-prod") < stderr.index("planning iot-prod")
    evaluated = re.search(r"evaluating (\d+) policies over (\d+) resources", stderr)
    assert evaluated is not None, stderr
    assert int(evaluated[1]) == len(load_pack(REPO / "policies").policies)
    assert "├─ datamesh:index:DataProduct" in stdout
    assert "│  │  ├─ gcp:bigquery/dataset:Dataset" in stdout
    assert "iot-telemetry-storage-dataset  [protected]" in stdout
    assert "✅ data-mesh-governance@v0.1.0" in stdout
    assert "Violations: 0 mandatory, " in stdout
    doc = json.loads(out.read_text())
    assert _only_agent_lookups_undecided(doc["violations"])
    assert set(doc) == {
        "stack",
        "resources",
        "violations",
        "remediations",
        "summary",
        "manualSteps",
        "deployerRoles",
        "deployOrder",
    }
    assert doc["remediations"] == []
    assert doc["stack"] == "iot-prod"
    assert all("can't run policy" in v["message"] for v in doc["violations"])
    assert all(set(r) == RESOURCE_KEYS for r in doc["resources"])
    dataset = next(r for r in doc["resources"] if r["name"] == "iot-telemetry-storage-dataset")
    assert dataset["protect"] is True
    assert dataset["inputs"]["datasetId"] == "iot_iot_telemetry"
    assert dataset["parent"].endswith("::iot-telemetry-storage")
    summary = doc["summary"]
    assert summary["resources"] == len(doc["resources"])
    assert int(evaluated[2]) >= len(doc["resources"])  # the pack also sees Stack and providers
    assert summary["byType"]["gcp:bigquery/dataset:Dataset"] == 4
    assert set(summary["byProduct"]) == {
        "iot-metadata",
        "iot-actions-taken",
        "iot-telemetry",
        "iot-analytics",
    }
    assert summary["policyPack"] == "data-mesh-governance@v0.1.0"
    assert summary["policyPackConfig"].endswith("policies/config/prod.json")


def _only_agent_lookups_undecided(violations: list[dict[str, Any]]) -> bool:
    """A first preview cannot know the two service agents a lookup makes (Cloud
    Storage's, BigQuery's encryption account) nor the digest of an image not yet
    pushed: only their key grants and the template spec are undecided."""
    undecided = [v for v in violations if "can't run policy" in v["message"]]
    known_later = (
        "::baseline-storage-agent-key",
        "::baseline-bigquery-agent-key",
        "-transform-template-spec",
    )
    return all(
        v["enforcementLevel"] == "advisory"
        and (v["urn"].endswith(known_later) or "baseline-storage-agent-key" in v["message"])
        for v in undecided
    )


def test_a_spec_breaking_a_mandatory_policy_exits_1_naming_policy_and_resource(
    products: Path, tmp_path: Path
) -> None:
    edit_yaml(
        products / "iot-telemetry/product.yaml",
        lambda d: d["output_ports"][0]["consumers"].append("partner@other.org"),
    )
    out = tmp_path / "plan.json"
    code, stdout, _ = _plan(
        "--stack", "iot-prod", "--products-dir", str(products), "--json", str(out), "--quiet"
    )
    assert code == 1
    assert "❌ data-mesh-governance@v0.1.0" in stdout
    assert (
        "- [mandatory]  principal-kinds  (gcp:bigquery/iamMember:IamMember: "
        "iot-telemetry-out-metrics-reader-group-partner)" in stdout
    )
    assert "partner@other.org, outside the allowed domains" in stdout
    violations = json.loads(out.read_text())["violations"]
    assert [
        (v["policy"], v["enforcementLevel"]) for v in violations if "can't run" not in v["message"]
    ] == [("principal-kinds", "mandatory")]
    assert _only_agent_lookups_undecided(violations)
    decided = [v for v in violations if "can't run" not in v["message"]]
    assert decided[0]["urn"].endswith("::iot-telemetry-out-metrics-reader-group-partner")


def test_advisory_violations_do_not_fail_the_plan(products: Path) -> None:
    edit_yaml(
        products / "iot-telemetry/product.yaml",
        lambda d: d["output_ports"][0]["partitioning"].update(expiration_days=30),
    )
    code, stdout, _ = _plan("--stack", "iot-dev", "--products-dir", str(products), "--quiet")
    assert code == 0
    assert "- [advisory]  retention-vs-contract" in stdout


def test_no_policies_and_explicit_config() -> None:
    code, stdout, _ = _plan("--stack", "iot-dev", "--no-policies", "--quiet")
    assert code == 0
    assert "Policies: not evaluated (--no-policies)" in stdout
    code, stdout, _ = _plan(
        "--stack", "iot-dev", "--quiet", "--policy-config", str(REPO / "policies/config/prod.json")
    )
    assert code == 1  # dev is neither protected nor encrypted with CMEK
    assert "[mandatory]  cmek" in stdout
    assert "[mandatory]  output-port-protection" in stdout


def test_invalid_inputs_exit_2_without_traceback(products: Path, tmp_path: Path) -> None:
    code, _, stderr = _plan("--stack", "nope")
    assert code == 2
    assert stderr.strip().endswith("Pulumi.nope.yaml: (file): stack 'nope' has no config file")

    edit_yaml(products / "customers/product.yaml", lambda d: d.pop("owner"))
    code, _, stderr = _plan("--stack", "crm-prod", "--products-dir", str(products))
    assert code == 2
    assert "customers/product.yaml: owner: required field is missing" in stderr

    bad = tmp_path / "bad.json"
    bad.write_text('{"no-such-policy": "advisory"}')
    code, _, stderr = _plan("--stack", "crm-prod", "--policy-config", str(bad))
    assert code == 2
    assert "bad.json: no-such-policy: no such policy in the pack" in stderr

    code, _, stderr = _plan("--stack", "crm-prod", "--policy-pack", str(tmp_path))
    assert code == 2
    assert "not a policy pack" in stderr
    assert "Traceback" not in stderr


def test_stack_outside_the_packs_locations_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "narrow.json"
    config.write_text(json.dumps({"allowed-locations": {"locations": ["europe-west4"]}}))
    code, stdout, stderr = _plan("--stack", "iot-prod", "--policy-config", str(config))
    assert code == 2
    assert stdout == ""  # nothing is planned
    assert (
        "Pulumi.iot-prod.yaml: data-mesh:location: 'europe-west1' is not a location the "
        f"governance pack allows ({config}: allowed-locations.locations: europe-west4)"
    ) in stderr
    assert "Pulumi.iot-prod.yaml: gcp:region: 'europe-west1'" in stderr


def _project_copy(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    project.mkdir()
    for file in [REPO / "Pulumi.yaml", REPO / "__main__.py", *REPO.glob("Pulumi.*.yaml")]:
        shutil.copy(file, project / file.name)
    shutil.copytree(REPO / "products", project / "products")
    return project


def test_tenants_are_the_stacks_alone(tmp_path: Path) -> None:
    """Adding or removing a tenant in the stack config plans clean: the pack reads the
    stack's tenants off the resources, there is no second list to keep in step."""
    project = _project_copy(tmp_path)
    stack_file = project / "Pulumi.iot-prod.yaml"
    for change in (
        lambda d: d["config"]["data-mesh:tenants"].append(
            {"id": "umbrella", "group": "tenant-umbrella-readers@example.com"}
        ),
        lambda d: d["config"]["data-mesh:tenants"].pop(0),
    ):
        original = stack_file.read_text()
        edit_yaml(stack_file, change)
        result = CliRunner().invoke(
            app,
            [
                "plan",
                "--project-dir",
                str(project),
                "--stack",
                "iot-prod",
                "--quiet",
                "--policy-pack",
                str(REPO / "policies"),
            ],
        )
        assert result.exit_code == 0, result.stdout + result.stderr
        assert "Violations: 0 mandatory, " in result.stdout
        stack_file.write_text(original)
