"""BigQuery refuses a query of a table that requires a partition filter unless the query
filters on the partition column where it reads the table: a WHERE predicate comparing
the column with a value it can prune by (no subquery, no other table's column). A view
or scheduled query that does not is an error before deployment, not a failed job."""

from __future__ import annotations

from collections.abc import Mapping

from sqlglot import exp

from model.bundle import ProductBundle
from model.errors import SpecIssue
from model.sql import PortRef, SqlFile

_PRUNABLE = (exp.GT, exp.GTE, exp.LT, exp.LTE, exp.EQ, exp.Between, exp.In)


def required_filters(bundles: Mapping[str, ProductBundle]) -> dict[PortRef, str]:
    """Every port that requires a partition filter, with its partition column."""
    out = {}
    for pid, bundle in bundles.items():
        for port in bundle.spec.output_ports:
            column = port.required_filter_column()
            if column is not None:
                out[PortRef(pid, port.name)] = column
    return out


def _prunes(condition: exp.Expr, column: str, alias: str) -> bool:
    for predicate in condition.flatten() if isinstance(condition, exp.And) else [condition]:
        if not isinstance(predicate, _PRUNABLE):
            continue
        columns = list(predicate.find_all(exp.Column))
        mine = [c for c in columns if c.name == column and c.table in ("", alias)]
        others = [c for c in columns if c not in mine]
        if mine and not others and not predicate.find(exp.Subquery, exp.Select):
            return True
    return False


def unfiltered_reads(sql: SqlFile, required: Mapping[PortRef, str]) -> list[str]:
    """The messages of each read of a port that requires a partition filter without one."""
    problems = []
    for table in sql.tree().find_all(exp.Table):
        ref = sql.ref_of(table)
        column = required.get(ref) if ref else None
        if ref is None or column is None:
            continue
        select = table.find_ancestor(exp.Select)
        where = select.args.get("where") if select is not None else None
        if where is None or not _prunes(where.this, column, table.alias_or_name):
            problems.append(
                f"reads {ref} without a filter on {column} in the WHERE where it reads it; "
                f"the port requires a partition filter, so BigQuery refuses the query"
            )
    return problems


def check_partition_filters(bundles: Mapping[str, ProductBundle]) -> list[SpecIssue]:
    required = required_filters(bundles)
    issues = []
    for bundle in bundles.values():
        for step in bundle.spec.sql_steps():
            sql = bundle.sql.get(step.sql)
            if sql is None:
                continue
            for message in unfiltered_reads(sql, required):
                issues.append(SpecIssue(sql.path, step.field, message))
    return issues
