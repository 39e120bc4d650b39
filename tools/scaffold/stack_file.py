"""Adding a product to `data-mesh:products` of a stack file as a person would: one line,
comments and layout kept; the stack checked again afterwards, the file put back if the
stack would not validate."""

from __future__ import annotations

import re

from model.errors import InvalidInput
from tools.scaffold.choices import refuse
from tools.stack import Stack, load_stack

KEY = re.compile(r"^(?P<indent>\s*)data-mesh:products:\s*(?P<flow>\[.*\])?\s*(#.*)?$")


def add_product(stack: Stack, pid: str) -> None:
    path = stack.config.source
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if KEY.match(line.rstrip("\n"))), None)
    if at is None:
        raise refuse("--stack", f"{path.name} has no data-mesh:products list to add {pid} to")
    match = KEY.match(lines[at].rstrip("\n"))
    assert match is not None
    if match["flow"]:
        items = [s.strip() for s in match["flow"][1:-1].split(",") if s.strip()]
        lines[at] = f"{match['indent']}data-mesh:products: [{', '.join([*items, pid])}]\n"
    else:
        end = at + 1
        item = None
        while end < len(lines) and re.match(r"^\s*- ", lines[end]):
            item = lines[end]
            end += 1
        indent = re.match(r"^(\s*)- ", item)[1] if item else match["indent"] + "  "  # type: ignore[index]
        lines.insert(end, f"{indent}- {pid}\n")
    path.write_text("".join(lines), encoding="utf-8")
    try:
        load_stack(stack.project_dir, stack.name, stack.mesh.root)
    except InvalidInput:
        path.write_text(text, encoding="utf-8")
        raise
