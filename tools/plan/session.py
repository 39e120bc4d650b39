"""`datamesh plan`: plan a stack (and the stacks it reads), then run the policy pack."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from model import conventions as conv
from model.baseline import Baseline, baseline
from model.errors import SpecError, SpecIssue
from tools.deploy_order import DeployOrder, deploy_order
from tools.plan.agreement import disagreements
from tools.plan.evaluator import (
    PolicyCrash,
    Remediation,
    StackContext,
    Violation,
    analyzer_environment,
    evaluate,
)
from tools.plan.floor import floor_problems
from tools.plan.pack_config import read_pack_config, resolve_config
from tools.plan.pack_loader import load_pack
from tools.plan.recorder import RecordedResource
from tools.plan.runner import ProgramRun, plan_with_references
from tools.plan.witness import UNTAGGED, untagged_columns
from tools.production import FloorProblem, production_declaration
from tools.stack import StackConfig, load_stack, load_stack_config


@dataclass(frozen=True)
class PlanResult:
    run: ProgramRun
    violations: list[Violation] = field(default_factory=list)
    remediations: list[Remediation] = field(default_factory=list)
    pack: str | None = None  # name@version
    pack_config: Path | None = None
    seconds_program: float = 0.0
    seconds_policies: float = 0.0
    baseline: Baseline | None = None  # what the stack needs under it, and what is manual
    order: DeployOrder | None = None  # the project's stacks in deploy order

    @property
    def mandatory(self) -> list[Violation]:
        return [v for v in self.violations if v.enforcement_level in ("mandatory", "remediate")]


def default_pack_config(config: StackConfig, pack_dir: Path) -> Path | None:
    """`<pack>/config/<environment>.json` when the stack's environment has one (anything
    at that path, so a broken or misplaced config is reported, not skipped)."""
    env = config.values.get("data-mesh:environment", "")
    candidate = pack_dir / "config" / f"{env}.json"
    return candidate if env and (candidate.exists() or candidate.is_symlink()) else None


def run_plan(
    project_dir: Path,
    stack: str,
    *,
    products_dir: Path | None = None,
    pack_dir: Path | None = None,
    pack_config: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
    preview: bool = True,
) -> PlanResult:
    extra = {"data-mesh:productsDir": str(products_dir.resolve())} if products_dir else None
    resolved = None
    untagged: frozenset[str] = frozenset()
    config_path = None
    if pack_dir is not None:
        stack_config = load_stack_config(project_dir, stack)
        context = StackContext(stack_config.project, stack, stack_config.values, dry_run=True)
        pack = load_pack(pack_dir, analyzer_environment(context))
        untagged = _allowed_untagged(pack_dir)
        config_path = pack_config or default_pack_config(stack_config, pack_dir)
        resolved = resolve_config(pack, read_pack_config(config_path), config_path or pack_dir)
        issues = disagreements(stack_config, resolved, config_path)
        issues += floor_problems(stack_config, resolved, config_path, pack_dir)
        if issues:
            raise SpecError(issues)
    start = time.perf_counter()
    run = plan_with_references(
        project_dir, stack, extra_config=extra, progress=progress, preview=preview
    )
    program_s = time.perf_counter() - start
    order = deploy_order(project_dir)  # a cycle among the project's other stacks too
    loaded = load_stack(project_dir, stack, products_dir)
    under = baseline(loaded.mesh, loaded.settings)
    if pack_dir is None or resolved is None:
        return PlanResult(run, seconds_program=program_s, baseline=under, order=order)
    progress(f"evaluating {len(pack.policies)} policies over {len(run.resources)} resources")
    start = time.perf_counter()
    try:
        evaluation = evaluate(pack, resolved, run.resources, run.context())
    except PolicyCrash as crash:
        crash.pack = str(pack_dir)
        raise
    witness = untagged_columns(loaded, run, untagged)
    violations = [*evaluation.violations, *_output_violations(run), *witness]
    return PlanResult(
        _remediated(run, evaluation.resources),
        violations,
        evaluation.remediations,
        f"{pack.name}@v{pack.version}",
        config_path,
        seconds_program=program_s,
        seconds_policies=time.perf_counter() - start,
        baseline=under,
        order=order,
    )


STACK_OUTPUTS_CHECK = "stack-outputs-carry-no-secrets"


def _remediated(run: ProgramRun, analyzed: list[RecordedResource]) -> ProgramRun:
    """The plan as the engine would apply it: remediated inputs replace the program's
    (the step generator sets `new.Inputs` to them before the step runs)."""
    inputs = {r.urn: r.inputs for r in analyzed}
    resources = [replace(r, inputs=inputs.get(r.urn, r.inputs)) for r in run.resources]
    return replace(run, resources=resources)


def _allowed_untagged(pack_dir: Path) -> frozenset[str]:
    """The classifications governance lets go untagged (production.json); a value of
    another shape is invalid input naming the file and the field."""
    declared = production_declaration(pack_dir)
    if declared is None:
        return frozenset()
    path, data = declared
    section = data.get("governance", {})
    allowed = section.get(UNTAGGED, []) if isinstance(section, dict) else None
    if not isinstance(allowed, list) or not all(isinstance(c, str) for c in allowed):
        issue = (
            SpecIssue(path, f"governance.{UNTAGGED}", "must list classifications (text)")
            if isinstance(section, dict)
            else SpecIssue(path, "governance", "must map owners and untaggedClassifications")
        )
        raise FloorProblem([issue])
    return frozenset(allowed)


def _output_violations(run: ProgramRun) -> list[Violation]:
    """CrossGuard never sees stack outputs; other stacks read them through StackReference
    and `pulumi stack output` prints them, so the plan checks them itself."""
    return [
        Violation(
            STACK_OUTPUTS_CHECK,
            "mandatory",
            run.context().stack_urn,
            f"the stack output {key!r} carries a secret; export references (names, ids), "
            "never credentials or secret config",
        )
        for key in run.secret_outputs
    ]


def summary(result: PlanResult) -> dict[str, Any]:
    by_type: dict[str, int] = {}
    by_product: dict[str, int] = {}
    urn_product = products_by_urn(result.run)
    for r in result.run.resources:
        by_type[r.type] = by_type.get(r.type, 0) + 1
        product = urn_product.get(r.urn)
        if product is not None:
            by_product[product] = by_product.get(product, 0) + 1
    levels: dict[str, int] = {}
    for v in result.violations:
        levels[v.enforcement_level] = levels.get(v.enforcement_level, 0) + 1
    return {
        "resources": len(result.run.resources),
        "byType": dict(sorted(by_type.items())),
        "byProduct": dict(sorted(by_product.items())),
        "violations": levels,
        "policyPack": result.pack,
        "policyPackConfig": str(result.pack_config) if result.pack_config else None,
    }


def products_by_urn(run: ProgramRun) -> dict[str, str]:
    """URN -> the data product (DataProduct ancestor) each resource belongs to."""
    by_urn = {r.urn: r for r in run.resources}
    out: dict[str, str] = {}
    for r in run.resources:
        current = r
        while current is not None:
            if current.type == conv.DATA_PRODUCT:
                out[r.urn] = current.name
                break
            current = by_urn.get(current.parent)  # type: ignore[assignment]
    return out


def to_json(result: PlanResult) -> dict[str, Any]:
    return {
        "stack": result.run.stack,
        "resources": [r.to_json() for r in result.run.resources],
        "violations": [v.to_json() for v in result.violations],
        "remediations": [r.to_json() for r in result.remediations],
        "summary": summary(result),
        "manualSteps": list(result.baseline.manual) if result.baseline else [],
        "deployerRoles": list(result.baseline.deployer_roles) if result.baseline else [],
        "deployOrder": list(result.order.stacks) if result.order else [],
    }


def write_json(result: PlanResult, path: Path) -> None:
    path.write_text(
        json.dumps(to_json(result), indent=2, sort_keys=False, default=str) + "\n", encoding="utf-8"
    )
