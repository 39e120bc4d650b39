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
from typing import Any

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
    issues = _environment(stack, source)
    if pack_config is None or resolved is None:
        missing = SpecIssue(
            pack_dir / "config" / "prod.json",
            "",
            f"{stack.stack} is a production stack: it needs its pack config, not the "
            "policies' defaults",
        )
        return [*issues, missing]
    floor = declared.get("floor") or {}
    for rule in FLOOR_RULES:
        issues += rule(floor, resolved, pack_config, source)
    return issues


def _environment(stack: StackConfig, source: str) -> list[SpecIssue]:
    env = stack.values.get("data-mesh:environment")
    if env == "prod":
        return []
    return [
        SpecIssue(
            stack.source,
            "data-mesh:environment",
            f"{env!r}, but {stack.stack} is a production stack ({source}): production "
            "runs with protection and the production pack config",
        )
    ]


def _settings(resolved: ResolvedConfig, policy: str) -> dict[str, Any]:
    return resolved.get(policy, (None, {}))[1]


def _mandatory(
    floor: dict[str, Any], resolved: ResolvedConfig, pack_config: Path, source: str
) -> list[SpecIssue]:
    """Policies production keeps mandatory (or remediating)."""
    issues = []
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
    return issues


def _fixed_properties(
    floor: dict[str, Any], resolved: ResolvedConfig, pack_config: Path, source: str
) -> list[SpecIssue]:
    """Settings production fixes to one value."""
    issues = []
    for policy, props in (floor.get("properties") or {}).items():
        for key, wanted in props.items():
            have = _settings(resolved, policy).get(key)
            if policy in resolved and have != wanted:
                issues.append(
                    SpecIssue(
                        pack_config,
                        f"{policy}.{key}",
                        f"is {json.dumps(have)}; production requires {json.dumps(wanted)}",
                    )
                )
    return issues


def _at_most(
    floor: dict[str, Any], resolved: ResolvedConfig, pack_config: Path, source: str
) -> list[SpecIssue]:
    """Allow-lists production keeps within its own (an empty list lifts the restriction)."""
    issues = []
    for policy, props in (floor.get("atMost") or {}).items():
        for key, widest in props.items():
            have = _settings(resolved, policy).get(key)
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
    return issues


def _at_least(
    floor: dict[str, Any], resolved: ResolvedConfig, pack_config: Path, source: str
) -> list[SpecIssue]:
    """Numbers production keeps at or above its minimum."""
    issues = []
    for policy, props in (floor.get("atLeast") or {}).items():
        for key, least in props.items():
            have = _settings(resolved, policy).get(key)
            if isinstance(have, int | float) and have < least:
                issues.append(
                    SpecIssue(
                        pack_config,
                        f"{policy}.{key}",
                        f"is {have}; production requires at least {least}",
                    )
                )
    return issues


FLOOR_RULES = (_mandatory, _fixed_properties, _at_most, _at_least)
