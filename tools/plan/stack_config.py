"""Stack configuration, read from `Pulumi.yaml` and `Pulumi.<stack>.yaml` and
handed to the program the way the engine hands it: `namespace:key` names,
structured values as JSON text, secrets marked secret.

Ciphertext cannot be decrypted offline (no stack key, no Pulumi service), so a
`secure:` value becomes the placeholder `[secret]`, still marked secret.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.errors import COMMAND_LINE, InputProblem, SpecError, SpecIssue
from model.mesh import Mesh, load_mesh
from model.stack_settings import PROJECT, StackSettings, settings_from_config
from model.yamlfile import YamlProblem, read_yaml_mapping

SECRET_PLACEHOLDER = "[secret]"


class ConfigProblem(InputProblem):
    """A stack config that cannot be read."""


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    values: dict[str, str]  # what `pulumi.runtime.set_all_config` takes
    secret_keys: tuple[str, ...]
    source: Path


def _unsecure(value: Any) -> tuple[Any, bool]:
    """Replace `{secure: ...}` leaves; report whether any was found."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER, True
        found = False
        out = {}
        for k, v in value.items():
            out[k], secret = _unsecure(v)
            found = found or secret
        return out, found
    if isinstance(value, list):
        items = [_unsecure(v) for v in value]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _as_engine_string(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value)


STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")


def load_stack_config(project_dir: Path, stack: str) -> StackConfig:
    if not STACK_NAME.match(stack) or stack in {".", ".."}:
        raise ConfigProblem(
            SpecIssue(
                COMMAND_LINE,
                "--stack",
                f"{stack!r} is not a stack name (letters, digits, '-', '_' and '.')",
            )
        )
    try:
        project_doc = read_yaml_mapping(project_dir / "Pulumi.yaml", root=project_dir)
    except YamlProblem as problem:
        raise ConfigProblem(problem.issue) from None
    project = str(project_doc.get("name", ""))
    path = project_dir / f"Pulumi.{stack}.yaml"
    if not (path.exists() or path.is_symlink()):
        raise ConfigProblem(SpecIssue(path, "", f"stack {stack!r} has no config file"))
    try:
        stack_doc = read_yaml_mapping(path, root=project_dir)
    except YamlProblem as problem:
        raise ConfigProblem(problem.issue) from None

    project_config = project_doc.get("config") or {}
    if not isinstance(project_config, dict):
        raise ConfigProblem(SpecIssue(project_dir / "Pulumi.yaml", "config", "must be a mapping"))
    merged: dict[str, Any] = {}
    for key, spec in project_config.items():
        # Project-level config: a plain default, or `{value: ..., default: ...}`.
        if isinstance(spec, dict) and ("value" in spec or "default" in spec):
            spec = spec.get("value", spec.get("default"))
        merged[_namespaced(str(key), project)] = spec
    config = stack_doc.get("config") or {}
    if not isinstance(config, dict):
        raise ConfigProblem(SpecIssue(path, "config", "must be a mapping"))
    for key, value in config.items():
        merged[_namespaced(str(key), project)] = value

    values: dict[str, str] = {}
    secrets: list[str] = []
    for key, value in merged.items():
        plain, secret = _unsecure(value)
        values[key] = _as_engine_string(plain)
        if secret:
            secrets.append(key)
    return StackConfig(project, stack, values, tuple(sorted(secrets)), path)


def _namespaced(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def stack_settings(config: StackConfig, mesh: Mesh) -> StackSettings:
    """The validated settings of a stack config against `mesh`, or SpecError."""
    values: dict[str, Any] = {}
    for key, value in config.values.items():
        try:  # engine strings back to the YAML values they came from
            values[key] = json.loads(value) if value[:1] in "[{" else value
        except json.JSONDecodeError:
            values[key] = value
    settings, issues = settings_from_config(values, str(config.source), mesh)
    if settings is None:
        raise SpecError(issues)
    return settings


def load_stack(
    project_dir: Path, stack: str, products_dir: Path | None = None
) -> tuple[StackConfig, Mesh, StackSettings]:
    """A stack's config, the mesh its products come from (`--products-dir`, else the
    config's `data-mesh:productsDir`, else `products`) and its validated settings."""
    config = load_stack_config(project_dir, stack)
    folder = products_dir or project_dir / str(
        config.values.get(f"{PROJECT}:productsDir", "products")
    )
    mesh = load_mesh(folder)
    return config, mesh, stack_settings(config, mesh)
