"""The code reads in small pieces: no function of the platform over 60 lines (tests and
generated files aside)."""

from __future__ import annotations

import ast

from tests.helpers import REPO

LONGEST = 60
FOLDERS = ("model", "components", "program", "tools", "policies", "bench")
GENERATED = {"policies/mesh_policies/conventions.py"}


def test_no_function_is_longer_than_a_screen() -> None:
    long = []
    for folder in FOLDERS:
        for path in sorted((REPO / folder).rglob("*.py")):
            rel = path.relative_to(REPO).as_posix()
            if rel in GENERATED:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    lines = (node.end_lineno or node.lineno) - node.lineno + 1
                    if lines > LONGEST:
                        long.append(f"{rel}:{node.lineno} {node.name} ({lines} lines)")
    assert not long, "split into named steps:\n" + "\n".join(long)
