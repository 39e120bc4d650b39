"""Paths and file-editing helpers shared by the tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[1]
PRODUCTS = REPO / "products"
SCHEMA_LINE = "# yaml-language-server: $schema=../product.schema.json\n"


def edit_yaml(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Load a YAML file, let `change` edit it, write it back (keeping the schema line)."""
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    change(data)
    head = SCHEMA_LINE if text.startswith("# yaml-language-server") else ""
    path.write_text(head + yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def set_in(*path: str | int, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change of parsed YAML: the value at `path` (keys and list indexes) becomes `value`."""

    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return change


def yaml_edit(rel: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    """An edit of the YAML file `rel` below a root (see edit_yaml)."""
    return lambda root: edit_yaml(root / rel, change)


def replace_in(rel: str, old: str, new: str, count: int = -1) -> Callable[[Path], None]:
    """An edit of the file `rel` below a root: `old` (which must be there) becomes `new`."""

    def apply(root: Path) -> None:
        text = (root / rel).read_text(encoding="utf-8")
        assert old in text, (rel, old)
        (root / rel).write_text(text.replace(old, new, count), encoding="utf-8")

    return apply


def project_copy(
    root: Path, stacks: Sequence[str] | None = None, copied: Sequence[str] = ()
) -> Path:
    """A Pulumi project in `root` that tests may edit: the program, the stack configs
    (`stacks`, default all) and the products copied, the code folders linked to the
    repository's, or copied too where named in `copied` (a test that edits the pack)."""
    root.mkdir(parents=True, exist_ok=True)
    configs = (
        [f"Pulumi.{s}.yaml" for s in stacks]
        if stacks is not None
        else [p.name for p in REPO.glob("Pulumi.*.yaml")]
    )
    for name in ("__main__.py", "Pulumi.yaml", *configs):
        shutil.copy(REPO / name, root / name)
    for name in ("program", "components", "policies", "model"):
        if name in copied:
            shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            (root / name).symlink_to(REPO / name)
    shutil.copytree(
        REPO / "products", root / "products", ignore=shutil.ignore_patterns("__pycache__")
    )
    return root
