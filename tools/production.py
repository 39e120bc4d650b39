"""Which stacks governance declares production: `<pack>/production.json`, read by
`datamesh plan` (the floor) and `datamesh diff` (who must approve)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from model.errors import InvalidInput
from model.files import FileProblem, read_json_object
from tools.stack import StackConfig

DECLARATION = "production.json"


def production_declaration(pack_dir: Path) -> tuple[Path, dict[str, Any]] | None:
    path = pack_dir / DECLARATION
    if not path.exists():
        return None
    try:
        return path, read_json_object(path, root=pack_dir)
    except FileProblem as problem:
        raise FloorProblem([problem.issue]) from None


class FloorProblem(InvalidInput):
    """A production stack below the floor governance declares."""


def is_production(stack: StackConfig, declared: dict[str, Any]) -> bool:
    production = declared.get("production") or {}
    return stack.stack in (production.get("stacks") or []) or stack.values.get("gcp:project") in (
        production.get("projects") or []
    )
