"""Paths and file-editing helpers shared by the tests."""

from __future__ import annotations

from collections.abc import Callable
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


def replace_in(rel: str, old: str, new: str, count: int = -1) -> Callable[[Path], None]:
    """An edit of the file `rel` below a root: `old` (which must be there) becomes `new`."""

    def apply(root: Path) -> None:
        text = (root / rel).read_text()
        assert old in text, (rel, old)
        (root / rel).write_text(text.replace(old, new, count))

    return apply
