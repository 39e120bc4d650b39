"""Preview-like text: the resource tree by component, counts, and violations."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from tools.deploy_order import order_lines
from tools.plan.evaluator import Violation
from tools.plan.recorder import RecordedResource
from tools.plan.session import PlanResult, summary


def tree_lines(resources: list[RecordedResource], stack_name: str) -> list[str]:
    """`pulumi preview`-like rows: op, indented type, name (and `[protected]`)."""
    children: dict[str, list[RecordedResource]] = defaultdict(list)
    urns = {r.urn for r in resources}
    roots: list[RecordedResource] = []
    for r in resources:
        if r.parent in urns:
            children[r.parent].append(r)
        else:
            roots.append(r)
    rows: list[tuple[str, str, str]] = [("+", "pulumi:pulumi:Stack", stack_name)]

    def walk(nodes: list[RecordedResource], prefix: str) -> None:
        nodes = sorted(nodes, key=lambda r: (r.custom, r.name))
        for i, r in enumerate(nodes):
            last = i == len(nodes) - 1
            flag = "  [protected]" if r.protect else ""
            rows.append(
                (
                    "=" if r.read else "+",
                    f"{prefix}{'└─ ' if last else '├─ '}{r.type}",
                    f"{r.name}{flag}",
                )
            )
            walk(children.get(r.urn, []), prefix + ("   " if last else "│  "))

    walk(roots, "")
    width = max(len(label) for _, label, _ in rows) + 2
    return [f" {op}   {label:<{width}}{name}" for op, label, name in rows]


def violation_lines(result: PlanResult) -> list[str]:
    if result.pack is None:
        return ["Policies: not evaluated (--no-policies)"]
    mark = "❌" if result.mandatory else "✅"
    config = f", config {_shown(result.pack_config)}" if result.pack_config else ""
    lines = ["Policies:", f"    {mark} {result.pack} (local{config})"]
    by_urn = {r.urn: r for r in result.run.resources}
    for v in sorted(result.violations, key=_order):
        resource = by_urn.get(v.urn)
        where = f"  ({resource.type}: {resource.name})" if resource else ""
        lines.append(f"        - [{v.enforcement_level}]  {v.policy}{where}")
        lines += [f"          {line}" for line in v.message.splitlines()]
    return lines


def _order(v: Violation) -> tuple[int, str, str]:
    return (0 if v.enforcement_level == "mandatory" else 1, v.policy, v.urn)


def summary_lines(result: PlanResult) -> list[str]:
    s = summary(result)
    lines = ["Resources:", f"    + {s['resources']} to create"]
    lines.append("    by product: " + ", ".join(f"{k} {v}" for k, v in s["byProduct"].items()))
    lines.append("    by type:")
    lines += [
        f"      {count:>4}  {t}"
        for t, count in sorted(s["byType"].items(), key=lambda kv: (-kv[1], kv[0]))
    ]
    levels = s["violations"]
    lines.append(
        f"Violations: {levels.get('mandatory', 0)} mandatory, {levels.get('advisory', 0)} advisory"
    )
    return lines


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def render_plan(result: PlanResult, quiet: bool = False) -> list[str]:
    """What `datamesh plan` prints: the tree (unless quiet), violations, the summary."""
    mode = (
        "computed values unknown, as a first preview"
        if result.run.preview
        else "every computed value resolved"
    )
    stack = result.run.stack
    lines = [f"Previewing stack {stack} (offline: mocks, no cloud; {mode})"]
    if not quiet:
        lines += tree_lines(result.run.resources, f"data-mesh-{stack}")
    return [
        *lines,
        "",
        *violation_lines(result),
        "",
        *summary_lines(result),
        *before_first_up(result),
    ]


def before_first_up(result: PlanResult) -> list[str]:
    """What cannot be code, for this stack, and where it stands in the deploy order."""
    lines: list[str] = []
    if result.baseline is not None:
        lines += ["", "Before the first `pulumi up` (what cannot be code):"]
        lines += [f"  - {step}" for step in result.baseline.manual]
    if result.order is not None:
        lines += ["", *order_lines(result.order, result.run.stack)]
    return lines
