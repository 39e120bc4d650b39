"""Expected rows against actual rows: as multisets, on the listed columns only.

Numbers are equal within a relative tolerance of 1e-9 (and an absolute 1e-9 near
zero), so 0.1 + 0.2 matches 0.3 and an AVG over floats matches its written value;
timestamps compare as instants (`2026-11-24T10:00:00Z` equals `...+00:00`); a
DATE as `YYYY-MM-DD`; everything else exactly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

RELATIVE, ABSOLUTE = 1e-9, 1e-9
Row = dict[str, Any]


@dataclass
class RowDiff:
    columns: list[str]
    missing: list[Row] = field(default_factory=list)  # expected, not found
    unexpected: list[Row] = field(default_factory=list)  # found, not expected

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unexpected

    def lines(self) -> list[str]:
        out = [f"  - missing   {_show(r)}" for r in self.missing]
        out += [f"  + unexpected {_show(r)}" for r in self.unexpected]
        return out


def diff_rows(expected: list[Row], actual: list[Row]) -> RowDiff:
    columns = list(expected[0]) if expected else []
    projected = [{c: r.get(c) for c in columns} for r in actual] if columns else actual
    diff = RowDiff(columns)
    left = list(projected)
    for row in expected:
        match = next((i for i, a in enumerate(left) if _row_equal(row, a)), None)
        if match is None:
            diff.missing.append(row)
        else:
            left.pop(match)
    diff.unexpected = left
    return diff


def _row_equal(expected: Row, actual: Row) -> bool:
    return all(equal(v, actual.get(k)) for k, v in expected.items())


def equal(expected: Any, actual: Any) -> bool:
    if expected is None or actual is None:
        return expected is None and actual is None
    if isinstance(actual, datetime) or isinstance(expected, datetime):
        return _instant(expected) == _instant(actual)
    if isinstance(actual, date) or isinstance(expected, date):
        return str(expected)[:10] == str(actual)[:10]
    numbers = (int, float, Decimal)
    if isinstance(expected, numbers) and isinstance(actual, numbers):
        if isinstance(expected, bool) or isinstance(actual, bool):
            return expected is actual
        return math.isclose(float(expected), float(actual), rel_tol=RELATIVE, abs_tol=ABSOLUTE)
    if isinstance(expected, list) and isinstance(actual, list | tuple):
        return len(expected) == len(actual) and all(map(equal, expected, actual))
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(equal(v, actual.get(k)) for k, v in expected.items())
    return bool(expected == actual)


def _instant(value: Any) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _show(row: Row) -> str:
    return "{" + ", ".join(f"{k}: {_text(v)}" for k, v in row.items()) + "}"


def _text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return repr(value) if isinstance(value, str) else str(value)
