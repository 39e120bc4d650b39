"""What `__main__.py` does before and after building: read the stack's config
and the mesh it names, and read the files components must not read."""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import config as runtime_config

from components.build import PipelineSource
from model import Mesh, SpecError, load_mesh
from model.errors import SpecIssue
from model.files import FileProblem, read_json_object
from model.pipeline_image import content_tag
from model.stack_settings import PROJECT, StackSettings, products_dir_of, settings_from_config


def stack_file() -> Path:
    """The stack's config file: Pulumi runs the program in the project folder."""
    return Path.cwd() / f"Pulumi.{pulumi.get_stack()}.yaml"


def raw_config() -> dict[str, Any]:
    """Every config value the engine handed the program, structured values parsed."""
    values: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, str) and value[:1] in "[{":
            with contextlib.suppress(json.JSONDecodeError):
                value = json.loads(value)
        out[key] = value
    return out


def read_stack() -> tuple[StackSettings, Mesh]:
    """Validated settings and mesh, or a RunError listing every problem (no traceback)."""
    values = raw_config()
    source = str(stack_file())
    products_dir = Path(products_dir_of(values))
    try:
        mesh = load_mesh(products_dir)
    except SpecError as exc:
        raise pulumi.RunError("\n".join(i.render_absolute() for i in exc.issues)) from None
    settings, issues = settings_from_config(values, source, mesh)
    if settings is None:
        raise pulumi.RunError("\n".join(i.render_absolute() for i in issues))
    return settings, mesh


CREDENTIALS = f"{PROJECT}:federatedCredentials"


def federated_credentials() -> Mapping[str, pulumi.Output[Any]]:
    """`data-mesh:federatedCredentials`, a secret map `product/port -> {username, password}`."""
    secret = pulumi.Config(PROJECT).get_secret_object("federatedCredentials")
    if secret is None:
        return {}
    # The keys are not secret, the values are: check the shape on the plain config text.
    plain = str(runtime_config.get_config(CREDENTIALS) or "{}")
    issues = credential_issues(plain, stack_file())
    if issues:
        raise pulumi.RunError("\n".join(i.render_absolute() for i in issues))
    keys = json.loads(plain)
    return {key: secret.apply(functools.partial(_pick, key=key)) for key in keys}


def credential_issues(plain: str, source: Path) -> list[SpecIssue]:
    """Every problem with the shape of the credentials map, as `file: key: message`."""
    try:
        values = json.loads(plain)
    except json.JSONDecodeError:
        values = None
    if not isinstance(values, dict):
        return [SpecIssue(source, CREDENTIALS, "must map `<product>/<port>` to credentials")]
    issues = []
    for key, value in values.items():
        where = f"{CREDENTIALS}.{key}"
        if not re.fullmatch(r"[a-z][a-z0-9-]*/[a-z][a-z0-9-]*", str(key)):
            issues.append(SpecIssue(source, where, "keys are `<product>/<port>`"))
        if not isinstance(value, dict):
            issues.append(SpecIssue(source, where, "must hold `username` and `password`"))
            continue
        for field in ("username", "password"):
            if not isinstance(value.get(field), str) or not value.get(field):
                issues.append(SpecIssue(source, f"{where}.{field}", "is required (text)"))
        for extra in sorted(set(value) - {"username", "password"}):
            issues.append(SpecIssue(source, f"{where}.{extra}", "unknown key"))
    return issues


def _pick(values: Mapping[str, Any], key: str) -> Any:
    return values[key]


def pipeline_sources(mesh: Mesh, settings: StackSettings) -> dict[str, PipelineSource]:
    """Every deployed Flex Template pipeline: its folder (the image's build context),
    the digest of its files (the image's tag) and its `metadata.json`."""
    out: dict[str, PipelineSource] = {}
    for pid in settings.products:
        bundle = mesh[pid]
        step = bundle.spec.transformation.pipeline_step()
        if step is not None:
            folder = bundle.folder / step.folder
            path = folder / "metadata.json"
            if not path.exists():
                raise pulumi.RunError(f"{path}: (file): the Flex Template needs metadata.json")
            if not (folder / "Dockerfile").exists():
                raise pulumi.RunError(f"{folder / 'Dockerfile'}: (file): the image needs one")
            try:
                metadata = read_json_object(path, root=bundle.folder)
            except FileProblem as problem:
                raise pulumi.RunError(problem.issue.render()) from None
            out[pid] = PipelineSource(str(folder), content_tag(folder), metadata)
    return out
