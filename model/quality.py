"""A contract's quality rules compiled once into checks every engine runs the same way.

Each ODCS rule (a `library` metric, a `sql` rule, `logicalTypeOptions` bounds,
`required`/`unique`, the freshness SLA) becomes a `Check`: a BigQuery SQL
measure over the table and the condition it must meet, on the table's
physical column names. The Dataplex scans (components/quality_rules.py) and
the local and deployed checks run these same checks. A rule that cannot be
translated faithfully is a `file: field: message` problem, never dropped.

ODCS semantics followed: metrics `nullValues`, `missingValues`
(`arguments.missingValues`), `invalidValues` (`arguments.validValues` or
`arguments.pattern`), `duplicateValues` (a property, or `arguments.properties`
on the object), `rowCount`; operators `mustBe`, `mustNotBe`,
`mustBeGreaterThan`, `mustBeGreaterOrEqualTo`, `mustBeLessThan`,
`mustBeLessOrEqualTo`, `mustBeBetween`, `mustNotBeBetween`; `unit` `rows`
(default) or `percent` (of all rows). `text` rules describe and are not run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple

from open_data_contract_standard.model import DataQuality, SchemaObject, SchemaProperty

from model.errors import SpecIssue

# `${object}` / `{object}` in ODCS SQL rules: the table being checked.
TABLE = "${data()}"
_OBJECT = re.compile(r"\$?\{object\}")
OPERATORS = {
    "mustBe": "=",
    "mustNotBe": "!=",
    "mustBeGreaterThan": ">",
    "mustBeGreaterOrEqualTo": ">=",
    "mustBeLessThan": "<",
    "mustBeLessOrEqualTo": "<=",
    "mustBeBetween": "BETWEEN",
    "mustNotBeBetween": "NOT BETWEEN",
}
DIMENSIONS = {  # ODCS dimension -> Dataplex dimension
    "completeness": "COMPLETENESS",
    "uniqueness": "UNIQUENESS",
    "conformity": "VALIDITY",
    "accuracy": "ACCURACY",
    "consistency": "CONSISTENCY",
    "coverage": "COMPLETENESS",
    "timeliness": "FRESHNESS",
}
_UNITS = {"m": "MINUTE", "min": "MINUTE", "h": "HOUR", "d": "DAY"}


@dataclass(frozen=True)
class Check:
    """One executable rule: `measure` (SQL over TABLE) must satisfy `condition`."""

    name: str  # unique in the contract, a valid Dataplex rule name
    dimension: str  # Dataplex dimension
    column: str | None  # physical column, when the rule is about one
    measure: str  # a BigQuery SQL scalar: an aggregate over TABLE, or a (subquery)
    condition: str  # e.g. "= 0", "< 5", "BETWEEN 1 AND 3"
    description: str
    source: str  # where in the contract it comes from, for messages
    native: Mapping[str, Any] | None = None  # an exact Dataplex rule body, when one exists
    scalar: bool = False  # measure is a scalar subquery (sql rules), not an aggregate

    def holds_sql(self, table: str = TABLE, where: str | None = None) -> str:
        """A query returning one row with `passed` (bool), `value`, and `examined` (the
        rows the check read: none proves nothing) for `table`, or for its rows `where`
        holds (a table that requires a partition filter)."""
        if where is not None:
            table = f"(SELECT * FROM {table} WHERE {where})"
        measure = self.measure.replace(TABLE, table)
        if self.scalar:
            examined, source = f"(SELECT COUNT(*) FROM {table})", ""
        else:
            examined, source = "COUNT(*)", f" FROM {table}"
        return (
            f"SELECT COALESCE(({measure}) {self.condition}, FALSE) AS passed, "
            f"({measure}) AS value, {examined} AS examined{source}"
        )


SCAN_WINDOW_DAYS = 2  # what a check of a partition-filtered table reads


def scan_filter(column: str | None, contract: Any) -> str | None:
    """The filter every check of a table that requires a partition filter carries, on its
    partition column: the last SCAN_WINDOW_DAYS days (the Dataplex scan's row filter)."""
    if column is None:
        return None
    field = contract.column(column)
    if field is not None and field.type == "DATE":
        return f"{column} >= DATE_SUB(CURRENT_DATE(), INTERVAL {SCAN_WINDOW_DAYS} DAY)"
    return f"{column} >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL {SCAN_WINDOW_DAYS} DAY)"


def _q(name: str) -> str:
    return f"`{name}`"


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if value is None:
        return "NULL"
    return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


def rule_name(*parts: str) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")
    if not name or not name[0].isalpha():
        name = f"r-{name}"
    return name[:63].rstrip("-")


class _Compiler:
    def __init__(self, path: Path, obj: SchemaObject) -> None:
        self.path = path
        self.checks: list[Check] = []
        self.issues: list[SpecIssue] = []
        self.names: set[str] = set()
        self.physical: dict[str, str] = {
            str(p.name): str(p.physicalName or p.name) for p in obj.properties or []
        }

    def add(self, check: Check) -> None:
        name, n = check.name, 2
        while name in self.names:
            name, n = rule_name(check.name[:58], str(n)), n + 1
        self.names.add(name)
        self.checks.append(Check(**{**check.__dict__, "name": name}))

    def problem(self, field: str, message: str) -> None:
        self.issues.append(SpecIssue(self.path, field, message))

    def condition(self, q: DataQuality, field: str) -> str | None:
        given = [(op, getattr(q, op)) for op in OPERATORS if getattr(q, op) is not None]
        if len(given) != 1:
            self.problem(
                field,
                f"needs exactly one operator ({', '.join(OPERATORS)}); found {len(given)}",
            )
            return None
        op, value = given[0]
        if op in ("mustBeBetween", "mustNotBeBetween"):
            low, high = value
            return f"{OPERATORS[op]} {_literal(low)} AND {_literal(high)}"
        return f"{OPERATORS[op]} {_literal(value)}"

    def measure(self, count: str, unit: str | None, field: str) -> str | None:
        unit = (unit or "rows").lower()
        if unit == "rows":
            return count
        if unit == "percent":
            return f"COALESCE(SAFE_DIVIDE(100 * ({count}), COUNT(*)), 0)"
        self.problem(f"{field}.unit", f"unit {unit!r} is not one of rows, percent")
        return None


def compile_checks(
    path: Path, obj: SchemaObject, sla: Sequence[Any], columns: Mapping[str, tuple[str, str]]
) -> tuple[list[Check], list[SpecIssue]]:
    """Every check of one contract's schema object (and its freshness SLA).

    `columns` maps each physical column to its BigQuery (type, mode); REQUIRED
    columns get a completeness check."""
    c = _Compiler(path, obj)
    for column, (_, mode) in columns.items():
        if mode == "REQUIRED":
            c.add(
                Check(
                    rule_name(column, "not-null"),
                    "COMPLETENESS",
                    column,
                    f"COUNTIF({_q(column)} IS NULL)",
                    "= 0",
                    f"{column} is required",
                    "required",
                    {"non_null_expectation": {}},
                )
            )
    for i, prop in enumerate(obj.properties or []):
        where = f"schema[0].properties[{i}]"
        column = c.physical[str(prop.name)]
        if prop.unique:
            c.add(_duplicates(column, "= 0", f"{where}.unique", native=True))
        _type_options(c, prop, column, where)
        for j, q in enumerate(prop.quality or []):
            _rule(c, q, column, f"{where}.quality[{j}]")
    for j, q in enumerate(obj.quality or []):
        _rule(c, q, None, f"schema[0].quality[{j}]")
    _freshness(c, sla, columns)
    return c.checks, c.issues


def _duplicates(column: str, condition: str, source: str, native: bool) -> Check:
    return Check(
        rule_name(column, "unique"),
        "UNIQUENESS",
        column,
        f"COUNT({_q(column)}) - COUNT(DISTINCT {_q(column)})",
        condition,
        f"{column} holds no duplicates",
        source,
        {"uniqueness_expectation": {}} if native else None,
    )


def _type_options(c: _Compiler, prop: SchemaProperty, column: str, where: str) -> None:
    options = prop.logicalTypeOptions or {}
    bounds = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<=", "exclusiveMaximum": "<"}
    conditions = [
        f"{_q(column)} {op} {_literal(options[key])}"
        for key, op in bounds.items()
        if key in options
    ]
    if "minLength" in options:
        conditions.append(f"LENGTH({_q(column)}) >= {int(options['minLength'])}")
    if "maxLength" in options:
        conditions.append(f"LENGTH({_q(column)}) <= {int(options['maxLength'])}")
    if "pattern" in options:
        conditions.append(f"REGEXP_CONTAINS({_q(column)}, {_literal(options['pattern'])})")
    if not conditions:
        return
    native: dict[str, Any] | None = None
    if set(options) <= {"minimum", "maximum"}:
        native = {
            "range_expectation": {
                **({"min_value": str(options["minimum"])} if "minimum" in options else {}),
                **({"max_value": str(options["maximum"])} if "maximum" in options else {}),
            }
        }
    c.add(
        Check(
            rule_name(column, "in-range" if native else "valid"),
            "VALIDITY",
            column,
            f"COUNTIF({_q(column)} IS NOT NULL AND NOT ({' AND '.join(conditions)}))",
            "= 0",
            f"{column} within {', '.join(f'{k}={v}' for k, v in options.items())}",
            f"{where}.logicalTypeOptions",
            native,
        )
    )


@dataclass(frozen=True)
class _Rule:
    """One library rule as its metric's compile function needs it."""

    metric: str
    column: str | None
    field: str
    condition: str
    description: str
    dimension: str | None  # as the contract names it, None for the metric's default
    args: Mapping[str, Any]
    unit: str | None
    native_zero: bool  # "= 0 rows": Dataplex has an exact rule for it


def _rule(c: _Compiler, q: DataQuality, column: str | None, field: str) -> None:
    kind = (q.type or "library").lower()
    if kind == "text":
        return  # human-readable by definition: documented, not run
    if kind == "custom":
        c.problem(f"{field}.type", f"custom rules for engine {q.engine!r} cannot run on Dataplex")
        return
    condition = c.condition(q, field)
    if condition is None:
        return
    rule = _Rule(
        (q.metric or q.rule or "").strip(),
        column,
        field,
        condition,
        (q.description or q.name or "").strip(),
        DIMENSIONS.get((q.dimension or "").lower()),
        dict(q.arguments or {}),
        q.unit,
        condition == "= 0" and (q.unit or "rows").lower() == "rows",
    )
    if kind == "sql":
        _sql_rule(c, q, rule)
    elif rule.metric in TABLE_METRICS:
        TABLE_METRICS[rule.metric](c, rule)
    elif column is None:
        c.problem(f"{field}.metric", f"{rule.metric!r} is a property metric: put it on a property")
    elif rule.metric in COLUMN_METRICS:
        _column_rule(c, rule, column, COLUMN_METRICS[rule.metric])
    else:
        c.problem(f"{field}.metric", f"{rule.metric!r} is not an ODCS metric this platform runs")


def _sql_rule(c: _Compiler, q: DataQuality, r: _Rule) -> None:
    if not q.query:
        c.problem(f"{r.field}.query", "a sql rule needs a query")
        return
    query = _OBJECT.sub(TABLE, q.query.strip().rstrip(";"))
    c.add(
        Check(
            rule_name(q.name or "sql", r.description or str(len(c.checks))),
            r.dimension or "CONSISTENCY",
            r.column,
            f"({query})",
            r.condition,
            r.description or "custom SQL rule",
            r.field,
            scalar=True,
        )
    )


def _row_count(c: _Compiler, r: _Rule) -> None:
    c.add(
        Check(
            rule_name(r.column or "table", "row-count"),
            r.dimension or "VOLUME",
            None,
            "COUNT(*)",
            r.condition,
            r.description or f"row count {r.condition}",
            r.field,
        )
    )


def _duplicate_values(c: _Compiler, r: _Rule) -> None:
    cols: list[Any] = list(r.args.get("properties") or []) if r.column is None else [r.column]
    if not cols:
        c.problem(f"{r.field}.arguments.properties", "name the properties that must be unique")
        return
    names: list[str] = [c.physical.get(str(p), str(p)) for p in cols]
    if len(names) == 1:
        count = f"COUNT({_q(names[0])}) - COUNT(DISTINCT {_q(names[0])})"
    else:
        struct = ", ".join(_q(n) for n in names)
        count = f"COUNT(*) - COUNT(DISTINCT TO_JSON_STRING(STRUCT({struct})))"
    measure = c.measure(count, r.unit, r.field)
    if measure is None:
        return
    c.add(
        Check(
            rule_name(*names, "unique"),
            r.dimension or "UNIQUENESS",
            names[0] if len(names) == 1 else None,
            measure,
            r.condition,
            r.description or f"no duplicate {', '.join(names)}",
            r.field,
            {"uniqueness_expectation": {}} if r.native_zero and len(names) == 1 else None,
        )
    )


class _Counted(NamedTuple):
    """A column metric: the rows it counts, its exact Dataplex rule, its name, dimension."""

    counted: str
    native: dict[str, Any] | None
    name: str
    dimension: str


def _nulls(col: str, column: str, r: _Rule) -> _Counted | str:
    return _Counted(
        f"COUNTIF({col} IS NULL)",
        {"non_null_expectation": {}},
        rule_name(column, "not-null"),
        "COMPLETENESS",
    )


def _missing(col: str, column: str, r: _Rule) -> _Counted | str:
    missing = r.args.get("missingValues", [None])
    values = [v for v in missing if v is not None]
    tests = [f"{col} IS NULL"] if None in missing else []
    if values:
        tests.append(f"CAST({col} AS STRING) IN ({', '.join(_literal(v) for v in values)})")
    return _Counted(
        f"COUNTIF({' OR '.join(tests) or 'FALSE'})",
        None,
        rule_name(column, "not-missing"),
        "COMPLETENESS",
    )


def _invalid(col: str, column: str, r: _Rule) -> _Counted | str:
    if "validValues" in r.args:
        allowed = ", ".join(_literal(v) for v in r.args["validValues"])
        return _Counted(
            f"COUNTIF({col} IS NOT NULL AND {col} NOT IN ({allowed}))",
            {"set_expectation": {"values": [str(v) for v in r.args["validValues"]]}},
            rule_name(column, "in-set"),
            "VALIDITY",
        )
    if "pattern" in r.args:
        pattern = str(r.args["pattern"])
        return _Counted(
            f"COUNTIF({col} IS NOT NULL AND NOT REGEXP_CONTAINS({col}, {_literal(pattern)}))",
            {"regex_expectation": {"regex": pattern}},
            rule_name(column, "pattern"),
            "VALIDITY",
        )
    return "invalidValues needs `validValues` or `pattern`"


def _column_rule(
    c: _Compiler, r: _Rule, column: str, compile_: Callable[[str, str, _Rule], _Counted | str]
) -> None:
    counted = compile_(_q(column), column, r)
    if isinstance(counted, str):
        c.problem(f"{r.field}.arguments", counted)
        return
    measure = c.measure(counted.counted, r.unit, r.field)
    if measure is None:
        return
    c.add(
        Check(
            counted.name,
            r.dimension or counted.dimension,
            column,
            measure,
            r.condition,
            r.description or f"{r.metric} of {column} {r.condition}",
            r.field,
            counted.native if r.native_zero else None,
        )
    )


# ODCS library metrics: of the whole table (or named properties), and of one column.
TABLE_METRICS: dict[str, Callable[[_Compiler, _Rule], None]] = {
    "rowCount": _row_count,
    "duplicateValues": _duplicate_values,
}
COLUMN_METRICS: dict[str, Callable[[str, str, _Rule], _Counted | str]] = {
    "nullValues": _nulls,
    "missingValues": _missing,
    "invalidValues": _invalid,
}


def _freshness(c: _Compiler, sla: Sequence[Any], columns: Mapping[str, tuple[str, str]]) -> None:
    for i, item in enumerate(sla):
        if (item.property or "").lower() != "freshness":
            continue
        field = f"slaProperties[{i}]"
        if not item.element:
            c.problem(
                f"{field}.element",
                "a freshness SLA needs `element`: the TIMESTAMP column whose newest value it "
                "promises is recent (e.g. <object>.<column>)",
            )
            continue
        element = item.element.split(".")[-1]
        column = c.physical.get(element, element)
        unit = _UNITS.get((item.unit or "").lower())
        if columns.get(column, ("", ""))[0] != "TIMESTAMP" or unit is None:
            c.problem(field, "freshness needs a TIMESTAMP element column and a unit m, h or d")
            continue
        amount = int(float(str(item.value)))
        c.add(
            Check(
                rule_name(column, "fresh"),
                "FRESHNESS",
                column,
                f"MAX({_q(column)})",
                f">= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL {amount} {unit})",
                f"newest {column} at most {amount} {unit.lower()}s old",
                field,
            )
        )
