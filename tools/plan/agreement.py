"""Facts the stack owns and the governance pack constrains must agree before
anything is planned: a stack outside the pack's allowed locations is a config
error of the stack (`file: key: message`, exit 2), not a policy violation on
every resource it would make."""

from __future__ import annotations

from pathlib import Path

from pulumi_policy.policy import EnforcementLevel

from model.errors import SpecIssue
from model.locations import bigquery_location_problem, region_problem
from tools.plan.pack_config import ResolvedConfig
from tools.stack import StackConfig

LOCATION_POLICY = "allowed-locations"
LOCATION_RULES = {
    "data-mesh:location": bigquery_location_problem,
    "gcp:region": region_problem,
}
LOCATION_KEYS = tuple(LOCATION_RULES)


def disagreements(
    stack: StackConfig, resolved: ResolvedConfig, pack_config: Path | None
) -> list[SpecIssue]:
    level, props = resolved.get(LOCATION_POLICY, (EnforcementLevel.DISABLED, {}))
    allowed = sorted({str(x).lower() for x in props.get("locations") or []})
    if level == EnforcementLevel.DISABLED or not allowed:
        return []
    where = f"{pack_config}: " if pack_config else ""
    issues = []
    for key in LOCATION_KEYS:
        value = stack.values.get(key)
        known = LOCATION_RULES[key](value) if value is not None else None
        if known is not None:  # not a location at all: say that, not "not allowed"
            issues.append(SpecIssue(stack.source, key, known))
        elif value is not None and value.lower() not in allowed:
            issues.append(
                SpecIssue(
                    stack.source,
                    key,
                    f"{value!r} is not a location the governance pack allows "
                    f"({where}{LOCATION_POLICY}.locations: {', '.join(allowed)})",
                )
            )
    return issues
