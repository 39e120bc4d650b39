"""The stack context every command works in: the stack's configuration, read from
`Pulumi.yaml` and `Pulumi.<stack>.yaml` and handed to the program the way the engine
hands it (`namespace:key` names, structured values as JSON text, secrets marked
secret), the mesh its products come from, its validated settings, and the
registries of the stacks it references.

Ciphertext cannot be decrypted offline (no stack key, no Pulumi service), so a
`secure:` value becomes the placeholder `[secret]`, still marked secret.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model.errors import COMMAND_LINE, InputProblem, SpecError, SpecIssue
from model.files import FileProblem, read_json_object
from model.mesh import Mesh, load_mesh
from model.stack_settings import StackSettings, products_dir_of, settings_from_config
from model.yamlfile import YamlProblem, read_yaml_mapping
from tools.registry import registry_problem

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


def project_stacks(project_dir: Path) -> list[str]:
    """The stacks of a project: one `Pulumi.<stack>.yaml` each, by name."""
    return sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in project_dir.glob("Pulumi.*.yaml"))


def stack_name(reference: str) -> str:
    """A stack as this project names its file: `org/project/stack` (or `stack`) -> `stack`."""
    return reference.rsplit("/", 1)[-1]


def external_products(config: StackConfig) -> dict[str, str]:
    """`data-mesh:externalProducts`: product -> the fully qualified name of the stack it
    is read from (entries of the wrong shape left to the settings' validation)."""
    raw = config.values.get("data-mesh:externalProducts", "{}")
    try:
        external = json.loads(raw)
    except json.JSONDecodeError:
        return {}
    if not isinstance(external, dict):
        return {}
    return {
        str(product): value["stack"]
        for product, value in sorted(external.items())
        if isinstance(value, dict) and isinstance(value.get("stack"), str)
    }


def referenced_stacks(config: StackConfig) -> dict[str, str]:
    """Fully qualified names of the stacks this stack's products read from, each with
    the `data-mesh:externalProducts` key that names it (for messages)."""
    out: dict[str, str] = {}
    for product, stack in external_products(config).items():
        out.setdefault(stack, f"data-mesh:externalProducts.{product}.stack")
    return out


def offline_registries(config: StackConfig, project_dir: Path) -> dict[str, Mapping[str, Any]]:
    """`data-mesh:offlineRegistries`: stack name -> a JSON file of that stack's outputs
    (what `pulumi stack output --json` prints), used instead of planning the stack."""
    raw = config.values.get("data-mesh:offlineRegistries")
    if not raw:
        return {}
    try:
        files = json.loads(raw)
    except json.JSONDecodeError:
        files = None
    if not isinstance(files, dict):
        raise ConfigProblem(
            SpecIssue(
                config.source, "data-mesh:offlineRegistries", "must map stack names to JSON files"
            )
        )
    out: dict[str, Mapping[str, Any]] = {}
    for stack, file in files.items():
        path = project_dir / str(file)
        try:
            outputs = read_json_object(path, root=project_dir)
        except FileProblem as problem:
            raise ConfigProblem(
                SpecIssue(
                    config.source,
                    f"data-mesh:offlineRegistries.{stack}",
                    f"{file}: {problem.issue.message}",
                )
            ) from None
        issue = registry_problem(path, outputs)
        if issue is not None:
            raise ConfigProblem(issue)
        out[str(stack)] = outputs
    return out


@dataclass(frozen=True)
class Stack:
    project_dir: Path
    config: StackConfig
    mesh: Mesh
    settings: StackSettings

    @property
    def name(self) -> str:
        return self.config.stack

    def offline_registries(self) -> dict[str, Mapping[str, Any]]:
        return offline_registries(self.config, self.project_dir)


def load_stack(project_dir: Path, stack: str, products_dir: Path | None = None) -> Stack:
    """A stack's config, the mesh its products come from (`--products-dir`, else the
    config's `data-mesh:productsDir`, else `products`) and its validated settings."""
    config = load_stack_config(project_dir, stack)
    folder = products_dir or project_dir / products_dir_of(config.values)
    mesh = load_mesh(folder)
    return Stack(project_dir, config, mesh, stack_settings(config, mesh))
