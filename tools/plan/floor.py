"""The governance floor for production stacks, as `datamesh plan` enforces it.

Governance declares which stacks are production and what their pack config may
never lower, once, in `<pack>/production.json` (see policies/mesh_policies/
production.py, which the policies read at preview time). Here a plan is stopped
before anything runs when a production stack's config goes below that floor: a
policy disabled or made advisory, a required safeguard off, an allow-list wider
than the floor's, the environment set to dev, or no pack config at all.
"""

from __future__ import annotations

import json
from pathlib import Path

from pulumi_policy.policy import EnforcementLevel

from model.errors import SpecIssue
from tools.plan.pack_config import ResolvedConfig
from tools.production import is_production, production_declaration
from tools.stack import StackConfig

_STRONG = {EnforcementLevel.MANDATORY, EnforcementLevel.REMEDIATE}


def floor_problems(
    stack: StackConfig,
    resolved: ResolvedConfig | None,
    pack_config: Path | None,
    pack_dir: Path,
) -> list[SpecIssue]:
    found = production_declaration(pack_dir)
    if found is None:
        return []
    path, declared = found
    source = f"{pack_dir.name}/{path.name}"
    if not is_production(stack, declared):
        return []
    issues: list[SpecIssue] = []
    env = stack.values.get("data-mesh:environment")
    if env != "prod":
        issues.append(
            SpecIssue(
                stack.source,
                "data-mesh:environment",
                f"{env!r}, but {stack.stack} is a production stack ({source}): production "
                "runs with protection and the production pack config",
            )
        )
    if pack_config is None or resolved is None:
        issues.append(
            SpecIssue(
                pack_dir / "config" / "prod.json",
                "",
                f"{stack.stack} is a production stack: it needs its pack config, not the "
                "policies' defaults",
            )
        )
        return issues
    floor = declared.get("floor") or {}
    for policy in floor.get("mandatory") or []:
        level = resolved.get(policy, (None, {}))[0]
        if level is not None and level not in _STRONG:
            issues.append(
                SpecIssue(
                    pack_config,
                    policy,
                    f"is {level.value}; production keeps it mandatory (the floor in {source})",
                )
            )
    for policy, props in (floor.get("properties") or {}).items():
        for key, wanted in props.items():
            have = resolved.get(policy, (None, {}))[1].get(key)
            if policy in resolved and have != wanted:
                issues.append(
                    SpecIssue(
                        pack_config,
                        f"{policy}.{key}",
                        f"is {json.dumps(have)}; production requires {json.dumps(wanted)}",
                    )
                )
    for policy, props in (floor.get("atMost") or {}).items():
        for key, widest in props.items():
            have = resolved.get(policy, (None, {}))[1].get(key)
            if isinstance(have, list) and not have and widest:
                issues.append(
                    SpecIssue(
                        pack_config,
                        f"{policy}.{key}",
                        "is empty, which lifts the restriction; production allows at most "
                        f"{', '.join(map(str, widest))}",
                    )
                )
                continue
            extra = sorted(set(have or []) - set(widest)) if isinstance(have, list) else []
            if extra:
                issues.append(
                    SpecIssue(
                        pack_config,
                        f"{policy}.{key}",
                        f"widens the production allow-list with {', '.join(map(str, extra))} "
                        f"(at most {', '.join(map(str, widest)) or 'nothing'})",
                    )
                )
    for policy, props in (floor.get("atLeast") or {}).items():
        for key, least in props.items():
            have = resolved.get(policy, (None, {}))[1].get(key)
            if isinstance(have, int | float) and have < least:
                issues.append(
                    SpecIssue(
                        pack_config,
                        f"{policy}.{key}",
                        f"is {have}; production requires at least {least}",
                    )
                )
    return issues
