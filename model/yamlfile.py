"""Strict, bounded YAML reading: problems name the file, the line and the column.

- duplicate keys are errors (PyYAML keeps the last);
- keys are plain scalars (a mapping or list as a key is an error);
- dates and timestamps stay text, as JSON and ODCS have them (PyYAML would make
  `2024-01-01` a `datetime.date` that nothing downstream expects);
- anchors and aliases may not expand past `MAX_VALUES` values or `MAX_DEPTH`
  levels: PyYAML shares an aliased value, and a later stage that walks the data
  (a schema check, JSON encoding) would expand it exponentially.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, ScalarNode

from model.errors import InputProblem, SpecIssue
from model.files import FileProblem, read_text

MAX_VALUES = 100_000  # values a file may hold once every alias is expanded
MAX_DEPTH = 64  # levels of nesting

# libyaml's parser when available (several times faster); construction stays in Python.
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _StrictLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses repeated and non-scalar keys and keeps timestamps as text."""

    yaml_implicit_resolvers: ClassVar[dict[Any, Any]] = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag != _TIMESTAMP]
        for first, resolvers in _BaseLoader.yaml_implicit_resolvers.items()
    }

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, ScalarNode):
                raise ConstructorError(
                    None,
                    None,
                    "a key must be plain text, not a list or mapping",
                    key_node.start_mark,
                )
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


class YamlProblem(InputProblem):
    """A YAML file that cannot be read as the mapping it must hold."""


def read_yaml_mapping(path: Path, root: Path | None = None) -> dict[str, Any]:
    """Read a YAML file that must hold a mapping; raise YamlProblem otherwise."""
    try:
        text = read_text(path, root)
    except FileProblem as problem:
        raise YamlProblem(problem.issue) from None
    return parse_yaml_mapping(path, text)


def parse_yaml_mapping(path: Path, text: str) -> dict[str, Any]:
    """Parse the text of `path`, which must hold a mapping; raise YamlProblem otherwise."""
    try:
        data = yaml.load(text, Loader=_StrictLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        what = " ".join(str(exc.problem or exc.context or "syntax error").split())
        raise YamlProblem(SpecIssue(path, "", f"invalid YAML{where}: {what}")) from None
    except yaml.YAMLError as exc:
        message = f"invalid YAML: {' '.join(str(exc).split())}"
        raise YamlProblem(SpecIssue(path, "", message)) from None
    except RecursionError:
        raise YamlProblem(SpecIssue(path, "", f"nested deeper than {MAX_DEPTH} levels")) from None
    if data is None:
        raise YamlProblem(SpecIssue(path, "", "file is empty"))
    if not isinstance(data, dict):
        raise YamlProblem(
            SpecIssue(path, "", f"expected a mapping at the top level, got {type(data).__name__}")
        )
    _check_expansion(path, data)
    return data


def _check_expansion(path: Path, data: Any) -> None:
    """Count values as a walk of the data would see them (aliases expanded), without
    expanding anything: each shared container is sized once and reused."""
    sizes: dict[int, int] = {}
    visiting: set[int] = set()
    # Iterative post-order walk: (value, depth, children done?)
    stack: list[tuple[Any, int, bool]] = [(data, 1, False)]
    while stack:
        value, depth, done = stack.pop()
        if not isinstance(value, dict | list) or (id(value) in sizes and not done):
            continue
        children = list(value.values()) if isinstance(value, dict) else value
        if not done:
            if id(value) in visiting:  # reached again before it was sized: an ancestor
                raise YamlProblem(SpecIssue(path, "", "an alias refers to a value that holds it"))
            if depth > MAX_DEPTH:
                raise YamlProblem(SpecIssue(path, "", f"nested deeper than {MAX_DEPTH} levels"))
            visiting.add(id(value))
            stack.append((value, depth, True))
            stack.extend((child, depth + 1, False) for child in children)
            continue
        total = 1 + sum(sizes.get(id(c), 1) if isinstance(c, dict | list) else 1 for c in children)
        sizes[id(value)] = total
        if total > MAX_VALUES:
            raise YamlProblem(
                SpecIssue(
                    path,
                    "",
                    f"holds more than {MAX_VALUES:,} values once its aliases are expanded "
                    "(an alias bomb?); write the values out or use fewer aliases",
                )
            )
