"""A product's own local data: `products/<id>/local/<input port>.csv`, `.jsonl` or `.py`.

CSV (a header row, then rows; an empty cell is NULL) and JSON lines (one object a
line) are typed by the port's declared columns, like dbt seeds; a `.py` file is a
generator, `def rows(ctx: LocalContext) -> Iterable[dict]`, whose rows are typed the
same way. A Pub/Sub port's lines are messages, `{"data": <event object or text>,
"attributes": {...}, "message_id": "...", "publish_time": "..."}` (only `data` is
needed): they are not typed, since a pipeline must meet malformed events too.
Problems are `file:line: column: message` (exit 2).
"""

from __future__ import annotations

import csv
import importlib.util
import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from model.contract import BigQueryField
from model.errors import InputProblem, SpecIssue
from tools.local.inputs.context import LocalContext

FOLDER = "local"
FORMATS = (".csv", ".jsonl", ".py")


class FixtureProblem(InputProblem):
    """A fixture that cannot be read as its port's rows (exit 2)."""


def _fail(path: Path, where: str, column: str, message: str) -> FixtureProblem:
    return FixtureProblem(SpecIssue(Path(f"{path}{where}"), column, message))


def find_fixture(folder: Path, port: str) -> Path | None:
    """The fixture of one input port, if its product has one (one format only)."""
    found = [folder / FOLDER / f"{port}{ext}" for ext in FORMATS]
    found = [p for p in found if p.is_file()]
    if len(found) > 1:
        names = ", ".join(p.name for p in found)
        raise _fail(
            found[0].parent,
            "",
            "",
            f"input port {port!r} has {len(found)} fixtures ({names}); keep one",
        )
    return found[0] if found else None


def read_rows(path: Path, ctx: LocalContext) -> Iterator[tuple[str, dict[str, Any]]]:
    """(where, row) for every row of a fixture: where is `:<line>` or ` row <n>`."""
    try:
        yield from _read(path, ctx)
    except UnicodeDecodeError as exc:
        raise _fail(path, "", "", f"is not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except csv.Error as exc:
        raise _fail(path, "", "", f"is not CSV: {exc}") from None
    except OSError as exc:
        raise _fail(path, "", "", f"cannot be read: {exc.strerror}") from None


def _read(path: Path, ctx: LocalContext) -> Iterator[tuple[str, dict[str, Any]]]:
    if path.suffix == ".csv":
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            for row in reader:
                if None in row:
                    raise _fail(path, f":{reader.line_num}", "", "more cells than header columns")
                yield f":{reader.line_num}", {k: (v if v != "" else None) for k, v in row.items()}
    elif path.suffix == ".jsonl":
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise _fail(path, f":{number}", "", f"not JSON: {exc.msg}") from None
                if not isinstance(row, dict):
                    raise _fail(path, f":{number}", "", "each line must be a JSON object")
                yield f":{number}", row
    else:
        for number, row in enumerate(_generated(path, ctx), 1):
            if not isinstance(row, dict):
                raise _fail(path, f" row {number}", "", "rows(ctx) must yield dicts")
            yield f" row {number}", row


def _generated(path: Path, ctx: LocalContext) -> Iterable[Any]:
    spec = importlib.util.spec_from_file_location(
        f"_local_{path.parent.parent.name}_{path.stem}", path
    )
    if spec is None or spec.loader is None:
        raise _fail(path, "", "", "cannot be loaded as Python")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        raise _fail(path, "", "", f"fails to load: {type(exc).__name__}: {exc}") from None
    rows = getattr(module, "rows", None)
    if not callable(rows):
        raise _fail(path, "", "rows", "define `def rows(ctx: LocalContext) -> Iterable[dict]`")
    try:
        return list(rows(ctx))
    except Exception as exc:
        raise _fail(path, "", "rows", f"failed: {type(exc).__name__}: {exc}") from None


class RowProblem(ValueError):
    """One value of one row that its port cannot hold; callers say where the row is."""

    def __init__(self, column: str, message: str) -> None:
        super().__init__(message)
        self.column = column


class UnknownColumn(RowProblem):
    """A column the port does not declare (each caller words it for its reader)."""


def typed_row(row: dict[str, Any], fields: Sequence[BigQueryField]) -> dict[str, Any]:
    """One row with each value checked and converted to its column's type (a fixture's
    line, a generator's row, a unit test's given row)."""
    names = {f.name for f in fields}
    unknown = sorted(set(row) - names)
    if unknown:
        raise UnknownColumn(unknown[0], "")
    typed: dict[str, Any] = {}
    for f in fields:
        try:
            typed[f.name] = convert(row.get(f.name), f)
        except ValueError as exc:
            raise RowProblem(f.name, str(exc)) from None
    return typed


def typed_rows(
    path: Path, fields: Sequence[BigQueryField], ctx: LocalContext, port: str
) -> list[dict[str, Any]]:
    """Every row of a fixture, typed (typed_row)."""
    out: list[dict[str, Any]] = []
    for where, row in read_rows(path, ctx):
        try:
            out.append(typed_row(row, fields))
        except UnknownColumn as exc:
            declared = ", ".join(f.name for f in fields)
            message = f"is not a declared column of input port {port!r} (declared: {declared})"
            raise _fail(path, where, exc.column, message) from None
        except RowProblem as exc:
            raise _fail(path, where, exc.column, str(exc)) from None
    return out


MESSAGE_FIELDS = ("data", "attributes", "message_id", "publish_time")


def message(row: dict[str, Any], number: int, ctx: LocalContext) -> dict[str, Any]:
    """A Pub/Sub message from a fixture line or a test's given row, with defaults for what
    it leaves out (RowProblem when it is not one)."""
    if "data" not in row:
        raise RowProblem("data", "a message needs `data` (the event, object or text)")
    unknown = sorted(set(row) - set(MESSAGE_FIELDS))
    if unknown:
        raise RowProblem(
            unknown[0], f"is not a field of a Pub/Sub message ({', '.join(MESSAGE_FIELDS)})"
        )
    data = row["data"]
    return {
        "message_id": str(row.get("message_id") or 10**9 + number),
        "publish_time": row.get("publish_time") or LocalContext.timestamp(ctx.clock),
        "attributes": row.get("attributes") or {},
        "data": data if isinstance(data, str) else json.dumps(data, default=_iso),
    }


def messages(path: Path, ctx: LocalContext) -> list[dict[str, Any]]:
    """A Pub/Sub port's fixture as messages."""
    out: list[dict[str, Any]] = []
    for number, (where, row) in enumerate(read_rows(path, ctx)):
        try:
            out.append(message(row, number, ctx))
        except RowProblem as exc:
            raise _fail(path, where, exc.column, str(exc)) from None
    return out


def _iso(value: Any) -> str:
    """YAML reads an unquoted timestamp as a datetime: back to ISO text."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    raise TypeError(f"{value!r} is not JSON")


_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f"}


def convert(value: Any, f: BigQueryField) -> Any:
    """One value as its column holds it (JSON-ready), or ValueError saying why not."""
    if value is None:
        if f.mode == "REQUIRED":
            raise ValueError("is required and empty")
        return [] if f.mode == "REPEATED" else None
    if f.mode == "REPEATED":
        if not isinstance(value, list):
            raise ValueError(f"{value!r} is not a list (the column is REPEATED)")
        element = BigQueryField(f.name, f.type, "REQUIRED", f.description, f.fields)
        return [convert(v, element) for v in value]
    if f.type == "RECORD":
        if not isinstance(value, dict):
            raise ValueError(f"{value!r} is not an object (the column is a RECORD)")
        known = {c.name: c for c in f.fields}
        extra = sorted(set(value) - set(known))
        if extra:
            raise ValueError(f"field {extra[0]!r} is not declared in the record")
        return {name: convert(value.get(name), c) for name, c in known.items()}
    return _scalar(value, f.type)


def _scalar(value: Any, kind: str) -> Any:
    if isinstance(value, datetime | date):  # YAML reads an unquoted timestamp as one
        value = value.isoformat()
    text = str(value).strip()
    if kind == "INT64":
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"{value!r} is not an INT64")
        try:
            return int(float(text)) if isinstance(value, float) else int(text)
        except ValueError:
            raise ValueError(f"{value!r} is not an INT64") from None
    if kind in ("FLOAT64", "NUMERIC", "BIGNUMERIC"):
        if isinstance(value, bool):
            raise ValueError(f"{value!r} is not a number")
        try:
            return float(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a {kind}") from None
    if kind == "BOOL":
        if isinstance(value, bool):
            return value
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise ValueError(f"{value!r} is not a BOOL (true/false)")
    if kind == "DATE":
        try:
            return date.fromisoformat(text).isoformat()
        except ValueError:
            raise ValueError(f"{value!r} is not a DATE (YYYY-MM-DD)") from None
    if kind in ("TIMESTAMP", "DATETIME"):
        try:
            moment = datetime.fromisoformat(text.replace(" UTC", "Z"))
        except ValueError:
            raise ValueError(f"{value!r} is not a {kind} (ISO 8601)") from None
        if kind == "DATETIME":
            return moment.replace(tzinfo=None).isoformat()
        return LocalContext.timestamp(moment if moment.tzinfo else moment.replace(tzinfo=UTC))
    if isinstance(value, dict | list):
        raise ValueError(f"{value!r} is not a {kind}")
    return value if isinstance(value, str) else json.dumps(value)
