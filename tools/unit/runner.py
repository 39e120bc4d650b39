"""One unit test run: a fresh warehouse holding only the given rows, the product's
transformation run as `datamesh local` runs it (the same rendering and transpiling,
the same pipeline invocation), then every expected port compared."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model import Mesh
from model import conventions as conv
from model.contract import BigQueryField
from model.errors import SpecIssue
from model.product import InputPort
from tools.local.inputs import LocalContext
from tools.local.inputs.fixtures import (
    FixtureProblem,
    RowProblem,
    UnknownColumn,
    message,
    messages,
    typed_row,
    typed_rows,
)
from tools.local.inputs.kinds import holds_rows, input_fields, is_events, materialise
from tools.unit.compare import RowDiff, diff_rows
from tools.unit.spec import FixtureRef, TestCase, TestFileProblem
from tools.warehouse.engine import LocalRunError, ProductRun, Warehouse, relation


@dataclass
class CaseResult:
    case: TestCase
    diffs: dict[str, RowDiff] = field(default_factory=dict)  # port (or dead letters) -> diff
    error: str = ""  # the transformation failed on the given rows
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        return not self.error and all(d.ok for d in self.diffs.values())


def run_case(mesh: Mesh, case: TestCase, ctx: LocalContext) -> CaseResult:
    bundle, test = case.bundle, case.test
    result = CaseResult(case)
    datasets = {pid: b.spec.dataset_id for pid, b in mesh.products.items()}
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        warehouse = Warehouse(work / "test.duckdb", ctx.clock)
        try:
            run = ProductRun(warehouse, bundle, datasets, dict(mesh.products))
            run.compile()
            run.create_ports()
            for port in bundle.spec.input_ports:
                _given(mesh, run, case, port, ctx)
            failed = run.transform(work)
            if failed:
                result.error = "; ".join(f"{p}: {e}" for p, e in sorted(failed.items()))
                return result
            for port_name, rows in test.expect.items():
                out = bundle.spec.output_port(port_name)
                assert out is not None  # checked when the file was read
                actual = _rows(warehouse, relation(run.dataset, out.physical_name))
                result.diffs[port_name] = diff_rows(rows, actual)
            if test.expect_dead_letters is not None:
                dead = relation(run.dataset, conv.DEAD_LETTER_TABLE)
                actual = _rows(warehouse, dead) if _exists(warehouse, run.dataset) else []
                result.diffs["dead letters"] = diff_rows(test.expect_dead_letters, actual)
        except LocalRunError as exc:
            result.error = exc.issue.message
        finally:
            warehouse.close()
    return result


def _given(mesh: Mesh, run: ProductRun, case: TestCase, port: InputPort, ctx: LocalContext) -> None:
    """The given rows of one input port (none when the test gives none) where the
    product's SQL or pipeline reads them."""
    given = case.test.given.get(port.name, [])
    up = port.upstream()
    if up is not None:
        upstream = mesh[up.product]
        target = upstream.spec.output_port(up.port)
        assert target is not None  # the mesh is valid
        fields = upstream.contracts[up.port].fields
        dataset = upstream.spec.dataset_id
        rows = _typed(case, port.name, given, fields, ctx)
        run.w.create_table(dataset, target.physical_name, fields)
        run.w.load(dataset, target.physical_name, rows)
    elif holds_rows(port):
        if is_events(port):
            rows = _messages(case, port.name, given, ctx)
        else:
            rows = _typed(case, port.name, given, input_fields(case.bundle, port), ctx)
        materialise(run, port, rows)


def _typed(
    case: TestCase, port: str, given: Any, fields: tuple[BigQueryField, ...], ctx: LocalContext
) -> list[dict[str, Any]]:
    if isinstance(given, FixtureRef):
        return typed_rows(_fixture(case, port, given), fields, ctx, port)
    out = []
    for i, row in enumerate(given):
        try:
            out.append(typed_row(row, fields))
        except UnknownColumn as exc:
            columns = ", ".join(f.name for f in fields)
            raise _bad(
                case, f"given.{port}[{i}].{exc.column}", f"is not a column of {port} ({columns})"
            ) from None
        except RowProblem as exc:
            raise _bad(case, f"given.{port}[{i}].{exc.column}", str(exc)) from None
    return out


def _messages(case: TestCase, port: str, given: Any, ctx: LocalContext) -> list[dict[str, Any]]:
    if isinstance(given, FixtureRef):
        return messages(_fixture(case, port, given), ctx)
    out = []
    for i, row in enumerate(given):
        try:
            out.append(message(row, i, ctx))
        except RowProblem as exc:
            raise _bad(case, f"given.{port}[{i}].{exc.column}", str(exc)) from None
    return out


def _fixture(case: TestCase, port: str, ref: FixtureRef) -> Path:
    path = (case.bundle.folder / ref.fixture).resolve()
    if case.bundle.folder.resolve() not in path.parents or not path.is_file():
        raise _bad(case, f"given.{port}.fixture", f"{ref.fixture!r} is not a file of the product")
    if path.suffix not in (".csv", ".jsonl"):
        raise _bad(case, f"given.{port}.fixture", "a fixture is a .csv or .jsonl file")
    return path


def _rows(w: Warehouse, rel: str) -> list[dict[str, Any]]:
    cursor = w.con.execute(f"SELECT * FROM {rel}")
    names = [d[0] for d in cursor.description or []]
    return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]


def _exists(w: Warehouse, dataset: str) -> bool:
    row = w.con.execute(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
        [dataset, conv.DEAD_LETTER_TABLE],
    ).fetchone()
    return bool(row and row[0])


def _bad(case: TestCase, where: str, message: str) -> TestFileProblem:
    return TestFileProblem(SpecIssue(case.path, where, message))


__all__ = ["CaseResult", "FixtureProblem", "run_case"]
