"""Strict YAML reading: duplicate keys are errors, problems name the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode

from model.errors import SpecIssue

# libyaml's parser when available (several times faster); construction stays in Python.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


class YamlProblem(Exception):
    def __init__(self, issue: SpecIssue) -> None:
        self.issue = issue
        super().__init__(issue.render())


def read_yaml_mapping(path: Path) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; raise YamlProblem otherwise."""
    return parse_yaml_mapping(path, read_text(path))


def read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlProblem(SpecIssue(path, "", "file not found")) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlProblem(SpecIssue(path, "", f"cannot read file: {exc}")) from None


def parse_yaml_mapping(path: Path, text: str) -> dict[str, Any]:
    """Parse the text of `path`, which must hold a mapping; raise YamlProblem otherwise."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise YamlProblem(
            SpecIssue(path, "", f"invalid YAML{where}: {exc.problem or exc}")
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(SpecIssue(path, "", f"invalid YAML: {exc}")) from None
    if data is None:
        raise YamlProblem(SpecIssue(path, "", "file is empty"))
    if not isinstance(data, dict):
        raise YamlProblem(
            SpecIssue(path, "", f"expected a mapping at the top level, got {type(data).__name__}")
        )
    return data
