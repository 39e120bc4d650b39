"""The registry of kinds: every kind has its model module and its Pulumi part, answers
what the platform asks of it, and nothing outside the registry branches on kinds."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from model import kinds
from model.kinds import INPUT_KINDS, OUTPUT_KINDS, TRANSFORMATION_KINDS, kind_name
from tests.helpers import REPO

ALL = [*INPUT_KINDS, *TRANSFORMATION_KINDS, *OUTPUT_KINDS]
KIND_CLASSES = {cls.__name__ for cls in ALL}
KIND_NAMES = {kind_name(cls) for cls in ALL}
# Where kinds may be named: the registry itself, and each kind's own Pulumi part.
REGISTRY = ("model/kinds/", "components/kinds/")
LAYERS = ("model", "components", "program", "tools")


def _module_name(cls: type) -> str:
    return kind_name(cls).replace("-", "_")


@pytest.mark.parametrize("cls", ALL, ids=kind_name)
def test_each_kind_has_its_module_and_pulumi_part(cls: type) -> None:
    name = _module_name(cls)
    assert cls.__module__ == f"model.kinds.{name}", f"{cls.__name__} lives in {cls.__module__}"
    part = importlib.import_module(f"components.kinds.{name}")
    assert callable(part.build), f"components/kinds/{name}.py has no build(b, spec)"
    if cls in OUTPUT_KINDS:
        assert callable(part.grant_reader), f"components/kinds/{name}.py grants no reader"


@pytest.mark.parametrize("cls", INPUT_KINDS, ids=kind_name)
def test_each_input_kind_says_how_it_is_fed_and_described(cls: type) -> None:
    assert cls.local_rows in {"table", "events", "upstream"}
    assert cls.source is not kinds.InputKind.source, f"{cls.__name__} has no source()"


@pytest.mark.parametrize("cls", TRANSFORMATION_KINDS, ids=kind_name)
def test_each_transformation_kind_describes_itself(cls: type) -> None:
    assert cls.summary is not kinds.TransformationKind.summary


def _sources() -> list[Path]:
    return [
        p
        for layer in LAYERS
        for p in sorted((REPO / layer).rglob("*.py"))
        if not p.relative_to(REPO).as_posix().startswith(REGISTRY)
    ]


def _dispatch(tree: ast.AST) -> list[tuple[int, str]]:
    """isinstance(x, <kind class>) and `<x>.kind == "<kind>"` comparisons."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "isinstance":
            names = {n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)}
            if names & KIND_CLASSES:
                found.append((node.lineno, ast.unparse(node)))
        if isinstance(node, ast.Compare) and any(
            isinstance(n, ast.Attribute) and n.attr == "kind"
            for n in [node.left, *node.comparators]
        ):
            literals = {
                n.value for n in [node.left, *node.comparators] if isinstance(n, ast.Constant)
            }
            if literals & KIND_NAMES:
                found.append((node.lineno, ast.unparse(node)))
    return found


def test_nothing_outside_the_registry_branches_on_a_kind() -> None:
    found = [
        f"{path.relative_to(REPO)}:{line}: {text}"
        for path in _sources()
        for line, text in _dispatch(ast.parse(path.read_text()))
    ]
    assert not found, "ask the kind instead:\n" + "\n".join(found)


def test_the_scan_sees_a_dispatch() -> None:
    """The scan above finds both shapes of dispatch (it would pass on nothing otherwise)."""
    code = 'if isinstance(p, TableOutput) or p.kind == "topic":\n    pass\n'
    assert len(_dispatch(ast.parse(code))) == 2
