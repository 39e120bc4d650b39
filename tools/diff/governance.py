"""Governance changes of a diff: the policy pack and its config, CODEOWNERS, stack
configs (production ones need governance review), each with the owners who approve it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeowners import CodeOwners

from model.evolution import Change
from model.yamlfile import YamlProblem, parse_yaml_mapping
from tools.diff.side import CODEOWNERS_PLACES, Side, locate


@dataclass(frozen=True)
class Approval:
    change: Change
    owners: tuple[str, ...]  # from CODEOWNERS as the base has it (what GitHub enforces)


def _config(name: str, text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        config = parse_yaml_mapping(Path(name), text).get("config")
    except YamlProblem:
        return {}
    return config if isinstance(config, dict) else {}


def governance_changes(base: Side, head: Side) -> list[Change]:
    out: list[Change] = []
    for name in sorted(set(base.files) | set(head.files)):
        old, new = base.files.get(name), head.files.get(name)
        if old == new:
            continue
        how = "added" if old is None else "removed" if new is None else "changed"
        file = head.root / name if new is not None else base.root / name
        if name in CODEOWNERS_PLACES:
            out.append(Change("codeowners-changed", "", "", "", f"{name} {how}", file))
        elif Path(name).name.startswith("Pulumi.") and name.endswith(".yaml"):
            stack = Path(name).name[len("Pulumi.") : -len(".yaml")]
            a, b = _config(name, old), _config(name, new)
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            detail = f"stack {stack} {how}" + (f": {', '.join(keys)}" if keys else "")
            prod = stack in base.production or stack in head.production
            rule = "production-config-changed" if prod else "stack-config-changed"
            out.append(Change(rule, "", "", "", detail, file))
        else:
            out.append(Change("policy-pack-changed", "", "", "", f"{name} {how}", file))
    return out


def approvals(base: Side, head: Side, changes: list[Change]) -> list[Approval]:
    """Owners of each governance change (and each change that needs their review)."""
    text = next((base.files[p] for p in CODEOWNERS_PLACES if p in base.files), None)
    text = text or next((head.files[p] for p in CODEOWNERS_PLACES if p in head.files), "")
    owners = CodeOwners(text)
    out: list[Approval] = []
    for change in changes:
        found = locate(change.file, head, base)
        if found is not None:
            out.append(Approval(change, tuple(owner for _, owner in owners.of(found[1]))))
    return out
