"""The evaluator gives a pack what pulumi-policy's analyzer gets from the engine, each
point checked against the SDK's own servicer: the stack's project, name and config,
remediations applied before validation, the Stack resource and default providers,
providers on resource args, required config and every schema error, and a policy
that raises being a broken pack (exit 3), not a violation."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.helpers import REPO
from tests.policies.servicer_oracle import evaluate_with_servicer
from tools.cli import DEBUG, app
from tools.plan.evaluator import (
    PolicyCrash,
    Remediation,
    analyzer_environment,
    evaluate,
    remediation_diagnostics,
)
from tools.plan.pack_config import resolve_config
from tools.plan.pack_loader import LoadedPack, PackProblem, load_pack
from tools.plan.runner import ProgramRun, plan_with_references

PROBE = Path(__file__).parent / "packs" / "probe"
SCENARIOS = Path(__file__).parent / "packs" / "scenarios"


@pytest.fixture(scope="module")
def probe() -> LoadedPack:
    return load_pack(PROBE)


@pytest.fixture(scope="module")
def crm() -> ProgramRun:
    return plan_with_references(REPO, "crm-prod")


def _both(pack: LoadedPack, run: ProgramRun, config: Mapping[str, Any]) -> list[tuple[str, str]]:
    resolved = resolve_config(pack, config, PROBE)
    ours = sorted(
        (v.policy, v.message)
        for v in evaluate(pack, resolved, run.resources, run.context()).violations
    )
    sdk = sorted(
        (v.policy, v.message)
        for v in evaluate_with_servicer(pack, resolved, run.resources, run.context())
    )
    assert ours == sdk
    return ours


def test_pack_sees_the_stack_its_config_the_stack_resource_and_providers(
    probe: LoadedPack, crm: ProgramRun
) -> None:
    found = dict(_both(probe, crm, {}))
    context = found["stack-context"]
    assert "project=data-mesh stack=crm-prod region=europe-west1" in context
    assert "types=pulumi:providers:gcp,pulumi:pulumi:Stack" in context
    assert "top-parents=pulumi:pulumi:Stack" in context
    assert "provider=pulumi:providers:gcp project=example-crm-prod" in found["provider-seen"]


def test_remediations_apply_before_validation(probe: LoadedPack, crm: ProgramRun) -> None:
    without = [p for p, _ in _both(probe, crm, {})]
    assert "label-check" in without
    remediated = [p for p, _ in _both(probe, crm, {"add-label": "remediate"})]
    assert "label-check" not in remediated
    resolved = resolve_config(probe, {"add-label": "remediate"}, PROBE)
    evaluation = evaluate(probe, resolved, crm.resources, crm.context())
    assert {r.policy for r in evaluation.remediations} == {"add-label"}
    dataset = next(r for r in evaluation.resources if r.type.endswith("dataset:Dataset"))
    assert dataset.inputs["labels"]["remediated"] == "yes"


def test_required_property_and_every_schema_error(probe: LoadedPack) -> None:
    with pytest.raises(PackProblem) as missing:
        resolve_config(probe, {"needs-threshold": "mandatory"}, PROBE)
    assert [i.field for i in missing.value.issues] == ["needs-threshold"]
    assert "threshold" in missing.value.issues[0].message
    with pytest.raises(PackProblem) as several:
        resolve_config(
            probe,
            {
                "needs-threshold": {"enforcementLevel": "advisory", "threshold": "x", "mode": "b"},
                "nope": "advisory",
            },
            PROBE,
        )
    fields = sorted(i.field for i in several.value.issues)
    assert fields == ["needs-threshold.mode", "needs-threshold.threshold", "nope"]


def test_a_policy_that_raises_is_a_broken_pack(probe: LoadedPack, crm: ProgramRun) -> None:
    resolved = resolve_config(probe, {"crasher": "mandatory"}, PROBE)
    with pytest.raises(PolicyCrash) as crash:
        evaluate(probe, resolved, crm.resources, crm.context())
    assert str(crash.value) == "policy 'crasher' failed: ZeroDivisionError: division by zero"


def test_plan_with_a_raising_policy_exits_3(tmp_path: Path) -> None:
    config = tmp_path / "probe.json"
    config.write_text('{"crasher": "mandatory"}')
    args = [
        "plan",
        "--stack",
        "crm-prod",
        "--project-dir",
        str(REPO),
        "--quiet",
        "--policy-pack",
        str(PROBE),
        "--policy-config",
        str(config),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 3
    lines = result.stderr.strip().splitlines()
    assert lines[-1].endswith(
        "policy 'crasher' failed: ZeroDivisionError: division by zero (a bug in the policy pack)"
    )
    assert "Traceback" not in result.stderr
    DEBUG.enabled = True
    try:
        result = CliRunner().invoke(app, args)
    finally:
        DEBUG.enabled = False
    assert result.exit_code == 3
    assert "Traceback" in result.stderr


def test_a_pack_loads_with_the_engines_environment(crm: ProgramRun) -> None:
    """The engine starts an analyzer with PULUMI_CONFIG, PULUMI_PROJECT, PULUMI_STACK and
    PULUMI_DRY_RUN (pkg/resource/plugin/analyzer_plugin.go, constructEnv): a pack reads
    stack config while it loads. The SDK's settings are configured per request
    (pulumi_policy/policy.py, `_configure_runtime_settings` in Analyze/AnalyzeStack), so
    `get_stack()` at load is still its placeholder and the stack's name once a request
    runs, as with the real analyzer."""
    pack = load_pack(PROBE, analyzer_environment(crm.context()))
    found = dict(_both(pack, crm, {}))
    assert found["at-load"].endswith(
        "at load: region=europe-west1 stack=stack; now: stack=crm-prod"
    )
    without = dict(_both(load_pack(PROBE), crm, {}))
    assert "at load: region=None" in without["at-load"]


def _plan(
    tmp_path: Path, config: str, pack: Path = PROBE, stack: str = "crm-prod"
) -> tuple[int, dict[str, Any], str]:
    """`datamesh plan` of `stack` with `pack` and its `config` (JSON text): the exit code,
    the plan JSON and everything printed."""
    (tmp_path / "pack.json").write_text(config)
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        app,
        [
            "plan",
            "--stack",
            stack,
            "--project-dir",
            str(REPO),
            "--quiet",
            "--policy-pack",
            str(pack),
            "--policy-config",
            str(tmp_path / "pack.json"),
            "--json",
            str(out),
        ],
    )
    doc = json.loads(out.read_text()) if out.exists() else {}
    return result.exit_code, doc, result.stdout + result.stderr


def test_plan_loads_the_pack_with_the_stacks_environment(tmp_path: Path) -> None:
    _, _, output = _plan(tmp_path, "{}")
    assert "at load: region=europe-west1 stack=stack; now: stack=crm-prod" in output, output


def test_components_and_the_stack_are_analyzed(probe: LoadedPack, crm: ProgramRun) -> None:
    """The engine sends every registration to the analyzers, not only custom resources
    (pkg/resource/deploy/step_generator.go, continueStepsFromImport: the analyzer loop
    runs for each resource it generates steps for, components and the root Stack)."""
    resolved = resolve_config(probe, {"registrations": "advisory"}, PROBE)
    ours = {
        v.message.splitlines()[-1]
        for v in evaluate(probe, resolved, crm.resources, crm.context()).violations
        if v.policy == "registrations"
    }
    sdk = {
        v.message.splitlines()[-1]
        for v in evaluate_with_servicer(probe, resolved, crm.resources, crm.context())
        if v.policy == "registrations"
    }
    assert ours == sdk
    assert "analyzed pulumi:pulumi:Stack" in ours
    assert "analyzed datamesh:index:DataProduct" in ours
    assert "analyzed datamesh:index:ProjectBaseline" in ours


def test_a_remediation_that_raises_fails_the_plan(probe: LoadedPack, crm: ProgramRun) -> None:
    """The engine ends the update: `failed to run remediation: <error>` (step_generator.go);
    the plan exits 3 as for any policy that raises."""
    resolved = resolve_config(probe, {"remediation-crasher": "remediate"}, PROBE)
    with pytest.raises(PolicyCrash) as crash:
        evaluate(probe, resolved, crm.resources, crm.context())
    assert str(crash.value) == "policy 'remediation' failed: ZeroDivisionError: division by zero"


def test_a_remediation_diagnostic_is_an_advisory_violation() -> None:
    found = remediation_diagnostics(
        [Remediation("add-label", "urn:a", ""), Remediation("add-label", "urn:b", "can't run")]
    )
    assert [(v.policy, v.enforcement_level, v.urn, v.message) for v in found] == [
        ("add-label", "advisory", "urn:b", "can't run")
    ]


def test_the_plan_json_shows_remediated_inputs(tmp_path: Path) -> None:
    """The engine replaces a resource's inputs with the remediated ones before its step
    runs (step_generator.go: `new.Inputs = tresult.Properties`): what the plan shows is
    what would be applied."""
    _, doc, output = _plan(tmp_path, '{"add-label": "remediate"}')
    assert "Traceback" not in output
    datasets = [r for r in doc["resources"] if r["type"] == "gcp:bigquery/dataset:Dataset"]
    assert datasets
    assert all(r["inputs"]["labels"]["remediated"] == "yes" for r in datasets)
    assert {r["policy"] for r in doc["remediations"]} == {"add-label"}


@pytest.mark.parametrize("stack", ["crm-prod", "iot-dev"])
def test_pulumi_policy_integration_scenarios_through_plan(tmp_path: Path, stack: str) -> None:
    """pulumi-policy's `runtime_data` and `parent_dependencies` integration tests, their
    assertions inside a pack, run by `datamesh plan` (validation and remediation both):
    a failed expectation would raise, and the plan would exit 3."""
    code, _, output = _plan(tmp_path, '{"runtime-data-resource": "remediate"}', SCENARIOS, stack)
    assert code == 0, output
    assert "Violations: 0 mandatory, 0 advisory" in output


def _dataset_labels(doc: dict[str, Any]) -> dict[str, str]:
    (dataset,) = [r for r in doc["resources"] if r["type"] == "gcp:bigquery/dataset:Dataset"]
    return dict(dataset["inputs"]["labels"])


def test_remediations_chain_in_pack_order_and_advisory_turns_them_off(tmp_path: Path) -> None:
    """pulumi-policy's servicer runs the remediations of a resource in pack order, each on
    the previous one's result, and only at level `remediate` (policy.py, Remediate)."""
    _, both, _ = _plan(tmp_path, '{"add-label": "remediate", "add-chained": "remediate"}')
    labels = _dataset_labels(both)
    assert (labels["remediated"], labels["chained"]) == ("yes", "yes")
    _, one, output = _plan(tmp_path, '{"add-label": "advisory", "add-chained": "remediate"}')
    labels = _dataset_labels(one)
    assert "remediated" not in labels
    assert labels["chained"] == "no"
    assert "dataset not remediated" in output  # label-check sees the unremediated dataset


def test_every_registration_is_analyzed_through_plan(tmp_path: Path) -> None:
    code, _, output = _plan(tmp_path, '{"registrations": "advisory"}')
    assert code == 0, output
    for analyzed in (
        "pulumi:pulumi:Stack",
        "datamesh:index:DataProduct",
        "datamesh:index:ProjectBaseline",
    ):
        assert f"analyzed {analyzed}" in output


def test_a_raising_remediation_exits_3_through_plan(tmp_path: Path) -> None:
    code, _, output = _plan(tmp_path, '{"remediation-crasher": "remediate"}')
    assert code == 3, output
    assert "policy 'remediation' failed: ZeroDivisionError: division by zero" in output
    assert "Traceback" not in output
