"""How a query uses its source columns beyond what it selects, and which rows it keeps.

Column lineage (`model/lineage.py`) says which source columns an output column is
computed from. A reader whose query filters, joins, groups or partitions on a column
also changes with it, although no output column derives from it; and a query whose
filters change keeps other rows under the same contract. Both are read here from the
qualified query's scopes, for the contract diff's blast radius.
"""

from __future__ import annotations

from sqlglot import exp
from sqlglot.optimizer.scope import Scope

SELECTS = "selects"
FILTERS = "filters"  # WHERE, HAVING, QUALIFY, and any subquery inside them
JOINS = "joins"  # JOIN ... ON / USING
GROUPS = "groups"  # GROUP BY
ORDERS = "orders"  # ORDER BY, of the query or of a window
PARTITIONS = "partitions"  # PARTITION BY of a window
HOWS = (SELECTS, FILTERS, JOINS, GROUPS, ORDERS, PARTITIONS)

_CLAUSE = {"where": FILTERS, "having": FILTERS, "qualify": FILTERS, "joins": JOINS}
_CLAUSE |= {"group": GROUPS, "order": ORDERS}
# the arguments of a query that decide which rows it returns
_ROW_ARGS = ("joins", "where", "group", "having", "qualify", "distinct", "limit", "offset")

# (source table, column, how): a use of a source table's column, not through a projection
Use = tuple[str, str, str]


def _how(column: exp.Column, scope: Scope) -> str:
    node: exp.Expr = column
    while node.parent is not None and node is not scope.expression:
        if isinstance(node.parent, exp.Window) and node.arg_key in ("partition_by", "order"):
            return PARTITIONS if node.arg_key == "partition_by" else ORDERS
        if node.parent is scope.expression:
            return _CLAUSE.get(node.arg_key or "", SELECTS)
        node = node.parent
    return SELECTS


def _branches(scope: Scope, index: int, depth: int) -> list[tuple[Scope, exp.Expr]]:
    """The select at `index` of a query, in each branch of a set operation (by position)."""
    if scope.set_operation_scopes and depth < 32:
        return [
            found
            for branch in scope.set_operation_scopes
            for found in _branches(branch, index, depth + 1)
        ]
    selects = scope.expression.selects if isinstance(scope.expression, exp.Query) else []
    return [(scope, selects[index])] if index < len(selects) else []


def _leaves(scope: Scope, table: str, name: str, depth: int = 0) -> set[tuple[str, str]]:
    """The source-table columns a (table, column) of `scope` stands for, through CTEs,
    derived tables and set operations."""
    source = scope.sources.get(table)
    if isinstance(source, exp.Table):
        return {(source.name, name)}
    if not isinstance(source, Scope) or not isinstance(source.expression, exp.Query):
        return set()
    if depth > 32:
        return set()
    names = [s.alias_or_name for s in source.expression.selects]
    if name not in names:
        return set()
    out: set[tuple[str, str]] = set()
    for branch, select in _branches(source, names.index(name), depth):
        for column in select.find_all(exp.Column):
            out |= _leaves(branch, column.table, column.name, depth + 1)
    return out


def query_uses(root: Scope) -> frozenset[Use]:
    """Every source column the query uses other than by selecting it into an output
    column: where the use is in a subquery of a filter, the whole subquery filters."""
    out: set[Use] = set()
    for scope in root.traverse():
        for column in scope.columns:
            how = FILTERS if scope.is_subquery else _how(column, scope)
            if how == SELECTS:
                continue
            for table, name in _leaves(scope, column.table, column.name):
                out.add((table, name, how))
    return frozenset(out)


def rows_kept(root: Scope) -> str:
    """A fingerprint of everything that decides which rows the query returns: two
    queries with the same one keep the same rows of the same sources."""
    parts: list[str] = []
    for scope in root.traverse():
        expression = scope.expression
        for arg in _ROW_ARGS:
            value = expression.args.get(arg) if isinstance(expression, exp.Expr) else None
            for node in value if isinstance(value, list) else [value] if value else []:
                parts.append(f"{arg}:{node.sql(dialect='bigquery', comments=False)}")
        if isinstance(expression, exp.SetOperation):
            parts.append(f"{type(expression).__name__}:{expression.args.get('distinct')}")
    return "\n".join(parts)
