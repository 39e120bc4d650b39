"""Governance changes of a diff: the policy pack and its config, CODEOWNERS, stack
configs (production ones need governance review), each with the owners who approve it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codeowners import CodeOwners

from model.evolution import Change, Problem
from model.evolution.rules import RULES
from model.yamlfile import YamlProblem, parse_yaml_mapping
from tools.diff.side import CODEOWNERS_PLACES, Side, locate

# Changes to these files are governance's own: their files must have an owner.
_GOVERNANCE_FILES = {"codeowners-changed", "policy-pack-changed", "production-config-changed"}


@dataclass(frozen=True)
class Approval:
    change: Change
    owners: tuple[str, ...]  # from CODEOWNERS as the base has it (what GitHub enforces)
    governance: tuple[str, ...] = ()  # also required: the change lowers protection
    approved: bool = True  # the governance owners approved (or are not required)

    @property
    def required(self) -> tuple[str, ...]:
        """Every approver the change needs: the file's owners and, where it lowers
        protection, the governance owners."""
        return tuple(dict.fromkeys((*self.owners, *self.governance)))


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


def approvals(
    base: Side, head: Side, changes: list[Change], approved_by: tuple[str, ...] = ()
) -> list[Approval]:
    """Owners of each governance change (and each change that needs their review); the
    governance owners as the base declares them (the change cannot name its own)."""
    text = next((base.files[p] for p in CODEOWNERS_PLACES if p in base.files), None)
    text = text or next((head.files[p] for p in CODEOWNERS_PLACES if p in head.files), "")
    owners = CodeOwners(text)
    governance = base.governance_owners or head.governance_owners
    out: list[Approval] = []
    for change in changes:
        found = locate(change.file, head, base)
        if found is None:
            continue
        needed = governance if RULES[change.rule].approval else ()
        approved = not needed or bool(set(needed) & set(approved_by))
        of_file = tuple(owner for _, owner in owners.of(found[1]))
        out.append(Approval(change, of_file, needed, approved))
    return out


def approval_problems(found: list[Approval], declared: bool) -> list[Problem]:
    """Why the change may not land yet: a change lowering protection the governance
    owners have not approved, and a governance file no one owns."""
    out: list[Problem] = []
    for a in found:
        c = a.change
        subject = c.subject or c.detail
        if RULES[c.rule].approval and not declared:
            message = (
                f"{subject}: {c.rule} needs the governance owners, and none are declared "
                "(policies/production.json: governance.owners)"
            )
            out.append(Problem("governance-approval-required", c.product, c.port, message, c.file))
        elif not a.approved:
            message = (
                f"{subject}: {c.rule} lowers protection; it needs the approval of "
                f"{', '.join(a.governance)} (the workflow passes --approved-by once they approve)"
            )
            out.append(Problem("governance-approval-required", c.product, c.port, message, c.file))
        if c.rule in _GOVERNANCE_FILES and not a.owners:
            message = f"{c.detail}: no CODEOWNERS entry owns it; governance files need an owner"
            out.append(Problem("governance-file-unowned", "", "", message, c.file))
    return out
