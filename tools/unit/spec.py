"""The shape of a product unit test, `products/<id>/tests/*.yaml`:

    name: keeps only known categories
    given:                       # per input port: inline rows, or a fixture file
      logbook-sheet:
        - {taken_at: "2026-11-24T10:00:00Z", tenant_id: acme, category: " Window "}
      devices: {fixture: tests/devices.csv}
    expect:                      # per output port: every row it must hold, no more
      actions:
        - {tenant_id: acme, category: window}
    expect_dead_letters:         # a pipeline's rejected events (optional)
      - {reason: unknown_device}

Only the columns an expectation lists are compared (every row of one port lists
the same columns); rows match in any order; numbers within the tolerance of
compare.py. An input port not given is empty.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from model import ProductBundle
from model.errors import InputProblem, SpecIssue, field_path
from model.yamlfile import YamlProblem, read_yaml_mapping

FOLDER = "tests"
Row = dict[str, Any]


class TestFileProblem(InputProblem):
    """A test file that is not a valid test (exit 2)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FixtureRef(_Strict):
    fixture: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="A CSV or JSON-lines file, relative to the product's folder"
    )


class UnitTest(_Strict):
    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: str | None = None
    given: dict[str, list[Row] | FixtureRef] = Field(default_factory=dict)
    expect: dict[str, list[Row]] = Field(min_length=1)
    expect_dead_letters: list[Row] | None = None


@dataclass(frozen=True)
class TestCase:
    bundle: ProductBundle
    path: Path
    test: UnitTest

    @property
    def id(self) -> str:
        return f"{self.bundle.id}::{self.path.stem}"


def test_files(bundle: ProductBundle) -> list[Path]:
    folder = bundle.folder / FOLDER
    return sorted(folder.glob("*.yaml")) + sorted(folder.glob("*.yml")) if folder.is_dir() else []


def load_case(bundle: ProductBundle, path: Path) -> TestCase:
    try:
        data = read_yaml_mapping(path, root=bundle.folder.parent)
        test = UnitTest.model_validate(data)
    except YamlProblem as problem:
        raise TestFileProblem(problem.issue) from None
    except ValidationError as exc:
        err = exc.errors()[0]
        raise TestFileProblem(SpecIssue(path, field_path(list(err["loc"])), err["msg"])) from None
    spec = bundle.spec
    for port in test.given:
        if spec.input_port(port) is None:
            known = ", ".join(p.name for p in spec.input_ports) or "none"
            raise _bad(path, f"given.{port}", f"{bundle.id} has no input port {port!r} ({known})")
    for port, rows in test.expect.items():
        out = spec.output_port(port)
        if out is None or not out.serves_rows:
            known = ", ".join(p.name for p in spec.output_ports if p.serves_rows)
            raise _bad(
                path, f"expect.{port}", f"{bundle.id} has no table or view port {port!r} ({known})"
            )
        _same_columns(path, f"expect.{port}", rows)
    if test.expect_dead_letters is not None:
        if spec.transformation.pipeline_step() is None:
            raise _bad(path, "expect_dead_letters", "only a pipeline has dead letters")
        _same_columns(path, "expect_dead_letters", test.expect_dead_letters)
    return TestCase(bundle, path, test)


def _same_columns(path: Path, where: str, rows: list[Row]) -> None:
    if rows and any(set(r) != set(rows[0]) for r in rows):
        raise _bad(path, where, "every expected row must list the same columns")


def _bad(path: Path, where: str, message: str) -> TestFileProblem:
    return TestFileProblem(SpecIssue(path, where, message))
