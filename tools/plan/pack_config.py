"""The pack config (`--policy-pack-config` JSON): per policy, its enforcement level
and properties, with schema defaults filled in and validated as the CLI does."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import jsonschema_rs
from pulumi_policy.policy import EnforcementLevel

from model.errors import SpecIssue
from model.files import FileProblem, read_json_object
from tools.plan.pack_loader import LoadedPack, PackProblem

LEVELS = {level.value: level for level in EnforcementLevel}
ResolvedConfig = dict[str, tuple[EnforcementLevel, dict[str, Any]]]


def resolve_config(pack: LoadedPack, config: Mapping[str, Any], source: Path) -> ResolvedConfig:
    """Per policy: enforcement level and properties, with schema defaults and validation."""
    names = {p.name for p in pack.policies}
    merged: dict[str, Any] = {**(pack.initial_config or {}), **config}
    default_level = pack.enforcement_level
    if "all" in merged:
        default_level = _level(merged.pop("all"), source, "all")
    problems = [
        SpecIssue(source, key, "no such policy in the pack") for key in merged if key not in names
    ]
    out: ResolvedConfig = {}
    for policy in pack.policies:
        level = policy.enforcement_level or default_level
        if "all" in config and policy.name not in config:
            level = default_level
        props: dict[str, Any] = {}
        schema = policy.config_schema
        if schema is not None:
            for prop, spec in (schema.properties or {}).items():
                if isinstance(spec, Mapping) and "default" in spec:
                    props[prop] = spec["default"]
        value = merged.get(policy.name)
        if isinstance(value, str | EnforcementLevel):
            level = _level(value, source, policy.name)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                if k == "enforcementLevel":
                    level = _level(v, source, f"{policy.name}.enforcementLevel")
                else:
                    props[k] = v
        elif value is not None:
            problems.append(
                SpecIssue(source, policy.name, "must be an enforcement level or an object")
            )
        if schema is not None and level != EnforcementLevel.DISABLED:
            # As the CLI: every schema error of every policy, required properties included.
            problems += [
                SpecIssue(
                    source,
                    ".".join([policy.name, *(str(p) for p in error.instance_path)]),
                    error.message,
                )
                for error in _validator(schema).iter_errors(props)
            ]
        elif props and schema is None:
            problems.append(SpecIssue(source, policy.name, "this policy takes no properties"))
        out[policy.name] = (level, props)
    if problems:
        raise PackProblem(*problems)
    return out


def _validator(schema: Any) -> Any:
    document: dict[str, Any] = {
        "type": "object",
        "properties": dict(schema.properties or {}),
        "additionalProperties": False,
    }
    if schema.required:
        document["required"] = list(schema.required)
    return jsonschema_rs.Draft7Validator(document)


def _level(value: Any, source: Path, field: str) -> EnforcementLevel:
    if isinstance(value, EnforcementLevel):
        return value
    if value not in LEVELS:
        raise PackProblem(SpecIssue(source, field, f"{value!r} is not one of {sorted(LEVELS)}"))
    return LEVELS[value]


def read_pack_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        return read_json_object(path)
    except FileProblem as problem:
        raise PackProblem(problem.issue) from None
