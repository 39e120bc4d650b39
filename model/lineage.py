"""Column-level lineage of every output port, computed once for the whole mesh.

Views and scheduled queries: their SQL, placeholders resolved to the upstream
ports' contract schemas (and the product's own input ports), traced with
sqlglot's lineage. Dataflow pipelines: the mapping their spec declares
(`transformation.lineage`). Governance (tenancy, classification), the contract
diff and the catalog all read this one computation.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from sqlglot import exp
from sqlglot import lineage as sqlglot_lineage
from sqlglot.dialects.bigquery import BigQuery
from sqlglot.errors import SqlglotError
from sqlglot.optimizer.qualify import qualify
from sqlglot.optimizer.scope import Scope, build_scope, traverse_scope

from model.bundle import ProductBundle
from model.column_use import Use, query_uses, rows_kept
from model.contract import Contract
from model.conventions import SqlSyntaxError
from model.sql import OWN_INPUT, PLACEHOLDER, SENTINEL_DB, SqlFile, parse_probe, sentinel_table


class _Tracing(BigQuery):
    """BigQuery as lineage reads it: qualifying does not annotate every scope's types
    (a third of a mesh's load time), since lineage follows names, not types; a struct's
    star is still expanded from the scopes it needs annotated."""

    ANNOTATE_ALL_SCOPES = False


TRACING = _Tracing()

INPUT = "input"  # ColumnRef.kind of a product's own input port (sheet, federated, events)
PORT = "port"  # ColumnRef.kind of an output port (the product's own or upstream)


@dataclass(frozen=True, order=True)
class ColumnRef:
    """An upstream column: `kind` port (an output port of `product`) or input (one of
    `product`'s own input ports)."""

    kind: str
    product: str
    port: str
    column: str

    def __str__(self) -> str:
        where = f"{self.product}.{self.port}" if self.kind == PORT else f"input {self.port}"
        return f"{where}.{self.column}"


# sentinel table -> its (column, type) pairs: what a query is traced against
_Schema = tuple[tuple[str, tuple[tuple[str, str], ...]], ...]


@dataclass(frozen=True)
class PortLineage:
    product: str
    port: str
    columns: Mapping[str, frozenset[ColumnRef]]  # output column -> what it derives from
    source: str  # the SQL file or spec field it was traced from
    problems: tuple[str, ...] = field(default=())  # columns that could not be traced
    # Output columns whose values are one upstream column's, unchanged but for casts, case
    # and trimming: what a contract says of them holds for that column too (the local
    # run's generated data is drawn from it).
    carried: frozenset[str] = field(default=frozenset())
    # SQL only (a pipeline's code is not read): source column -> how the query uses it
    # other than selecting it (column_use.HOWS)
    uses: Mapping[ColumnRef, frozenset[str]] = field(default_factory=dict)
    query: tuple[str, _Schema] | None = None  # the traced query, for fingerprints()

    def fingerprints(self) -> tuple[Mapping[str, str], str]:
        """(output column -> how it is computed, the clauses that keep its rows), SQL
        only. Made on demand: only the contract diff reads them, for the queries it
        compares, and writing every step of every column as SQL costs a third of a load."""
        if self.query is None:
            return {}, ""
        query = _trace(*self.query, fingerprints=True)
        return {name: print_ for name, _, _, print_ in query.columns}, query.rows

    def upstream_ports(self) -> set[tuple[str, str]]:
        return {
            (r.product, r.port) for refs in self.columns.values() for r in refs if r.kind == PORT
        }


class _Tables:
    """Sentinel table names for placeholders, and the schema sqlglot qualifies against."""

    def __init__(self, bundle: ProductBundle, ports: Mapping[tuple[str, str], Contract]) -> None:
        self.bundle = bundle
        self.ports = ports
        self.by_table: dict[str, ColumnRef] = {}
        self.columns: dict[str, dict[str, str]] = {}  # sentinel table -> column -> type

    def replace(self, match: re.Match[str]) -> str:
        return self.sentinel(match.group(1), match.group(2))

    def sentinel(self, product: str, port: str) -> str:
        if product == OWN_INPUT:
            name = sentinel_table("input", port)
            self.by_table[name] = ColumnRef(INPUT, self.bundle.id, port, "")
            spec = self.bundle.spec.input_port(port)
            if spec is not None and spec.declared_columns():
                self.columns[name] = {c.name: c.type for c in spec.declared_columns()}
        else:
            name = sentinel_table(product, port)
            self.by_table[name] = ColumnRef(PORT, product, port, "")
            contract = self.ports.get((product, port))
            if contract is not None:
                self.columns[name] = {f.name: f.type for f in contract.fields}
        return f"`{SENTINEL_DB}.{name}`"


@dataclass(frozen=True)
class _Query:
    """What one query's text says, on the schemas it reads (see `_trace`)."""

    # output column, the (table, column) leaves it derives from, whether its value is
    # carried, and a fingerprint of how it is computed (every step of its lineage)
    columns: tuple[tuple[str, frozenset[tuple[str, str]], bool, str], ...]
    problems: tuple[str, ...]
    uses: frozenset[Use] = frozenset()  # source columns filtered, joined, grouped on
    rows: str = ""  # fingerprint of the clauses that decide which rows are kept


def _sql_lineage(
    bundle: ProductBundle, sql: SqlFile, ports: Mapping[tuple[str, str], Contract], field: str
) -> PortLineage:
    tables = _Tables(bundle, ports)
    text = PLACEHOLDER.sub(tables.replace, sql.text)
    schema = tuple(
        sorted((name, tuple(sorted(cols.items()))) for name, cols in tables.columns.items())
    )
    query = _trace(text, schema)

    def ref(table: str, column: str) -> ColumnRef | None:
        source = tables.by_table.get(table)
        return ColumnRef(source.kind, source.product, source.port, column) if source else None

    columns: dict[str, frozenset[ColumnRef]] = {}
    for name, leaves, _, _ in query.columns:
        columns[name] = frozenset(r for t, c in leaves if (r := ref(t, c)) is not None)
    carried = {name for name, leaves, same, _ in query.columns if same and len(leaves) == 1}
    uses: dict[ColumnRef, set[str]] = defaultdict(set)
    for table, column, how in query.uses:
        if (found := ref(table, column)) is not None:
            uses[found].add(how)
    return PortLineage(
        bundle.id,
        "",
        columns,
        field,
        query.problems,
        frozenset(carried & {n for n, refs in columns.items() if refs}),
        {r: frozenset(h) for r, h in uses.items()},
        (text, schema),
    )


# Expressions that keep a value what it is (as far as a contract's rules can tell): a
# column, renamed, cast, trimmed or case-folded.
_SAME_VALUE = (
    exp.Alias,
    exp.Column,
    exp.Identifier,
    exp.Dot,
    exp.Cast,
    exp.TryCast,
    exp.DataType,
    exp.DataTypeParam,
    exp.Var,
    exp.Trim,
    exp.Lower,
    exp.Upper,
    exp.Paren,
)


def _keeps_value(node: sqlglot_lineage.Node) -> bool:
    """Each step from the output column to its one source is a _SAME_VALUE expression."""
    for step in node.walk():
        if isinstance(step.expression, exp.Table):
            continue
        if len(step.downstream) > 1:
            return False
        if not all(isinstance(e, _SAME_VALUE) for e in step.expression.walk()):
            return False
    return True


def _anonymous(text: str, schema: _Schema) -> str:
    """A fingerprint without the source tables' names (a column qualified by a table
    without an alias names it): reading a successor port the same way is no change; a
    change of source shows in the lineage itself."""
    for name, _ in sorted(schema, key=lambda table: -len(table[0])):
        text = text.replace(name, "_")
    return text


def _computation(node: sqlglot_lineage.Node, schema: _Schema) -> str:
    """Every step of a column's lineage as SQL: equal when it is computed the same way."""
    steps = {
        step.expression.sql(dialect="bigquery", comments=False)
        for step in node.walk()
        if not isinstance(step.expression, exp.Table)
    }
    return _anonymous("\n".join(sorted(steps)), schema)


@lru_cache(maxsize=8192)
def _trace(text: str, schema: _Schema, fingerprints: bool = False) -> _Query:
    """Output column -> the (table, column) leaves it derives from, and how the query
    uses its sources (with `fingerprints`, how it computes each column and keeps rows).
    A pure function of the query and the schemas it reads, cached: a contract diff
    loads two meshes that share most products, and the lineage is most of a mesh's
    load time."""
    try:
        statements = parse_probe(text)
    except SqlSyntaxError as exc:
        return _Query((), (f"does not parse: {exc}",))
    if len(statements) != 1:
        return _Query((), ("must hold one query",))
    query = statements[0]  # copied below: the parsed tree is shared (cached)
    tables: dict[str, Any] = (
        {SENTINEL_DB: {name: dict(cols) for name, cols in schema}} if schema else {}
    )
    names = [s.alias_or_name for s in query.selects] if isinstance(query, exp.Query) else []
    uses: frozenset[Use] = frozenset()
    rows = ""
    try:  # qualify once, read the scopes, then every column's lineage in one walk
        qualified = qualify(
            query.copy(),
            schema=tables,
            dialect=TRACING,
            validate_qualify_columns=False,
            quote_identifiers=False,
            identify=False,
        )
        root = build_scope(qualified)
        if root is None:
            raise SqlglotError("not a query")
        uses = query_uses(root)
        rows = _anonymous(rows_kept(root), schema) if fingerprints else ""
        nodes = sqlglot_lineage.lineage(
            None,
            qualified,
            schema=tables,
            dialect=TRACING,
            scope=root,
            trim_selects=False,
            copy=False,  # the tree is this call's own copy
        )
        traced: dict[str, sqlglot_lineage.Node | str] = dict(nodes.items())
    except _LINEAGE_ERRORS:  # trace column by column to name the ones that fail
        traced = {name: _column_node(name, query, tables) for name in names}
    out: list[tuple[str, frozenset[tuple[str, str]], bool, str]] = []
    problems: list[str] = []
    for name in names:
        node = traced.get(name, f"{name}: not traced")
        if isinstance(node, str):
            problems.append(node)
            continue
        leaves = {
            (n.expression.name, n.name.split(".")[-1])
            for n in node.walk()
            if not n.downstream and isinstance(n.expression, exp.Table)
        }
        computed = _computation(node, schema) if fingerprints else ""
        out.append((name, frozenset(leaves), _keeps_value(node), computed))
    return _Query(tuple(out), tuple(problems), uses, rows)


_LINEAGE_ERRORS = (SqlglotError, KeyError, ValueError, AttributeError, RecursionError)


def _column_node(name: str, query: exp.Expr, schema: dict[str, Any]) -> sqlglot_lineage.Node | str:
    try:
        return sqlglot_lineage.lineage(name, query.copy(), schema=schema, dialect=TRACING)
    except _LINEAGE_ERRORS as exc:
        return f"{name}: {type(exc).__name__}"


def _declared_lineage(
    bundle: ProductBundle, declared: Mapping[str, list[str]]
) -> dict[str, frozenset[ColumnRef]]:
    inputs = {p.name: p for p in bundle.spec.input_ports}
    out: dict[str, frozenset[ColumnRef]] = {}
    for column, sources in declared.items():
        refs: set[ColumnRef] = set()
        for source in sources:
            port, _, rest = source.partition(".")
            spec = inputs.get(port)
            upstream = spec.upstream() if spec else None
            if upstream is not None:
                refs.add(ColumnRef(PORT, upstream.product, upstream.port, rest.split(".")[0]))
            else:
                refs.add(ColumnRef(INPUT, bundle.id, port, rest))
        out[column] = frozenset(refs)
    return out


def product_lineage(
    bundle: ProductBundle, ports: Mapping[tuple[str, str], Contract]
) -> dict[str, PortLineage]:
    """Lineage of one product's output ports; `ports` holds every port's contract."""
    out: dict[str, PortLineage] = {}
    for step in bundle.spec.sql_steps():
        sql = bundle.sql.get(step.sql)
        if sql is not None:
            out[step.port] = replace(_sql_lineage(bundle, sql, ports, step.field), port=step.port)
    for port, lineage in bundle.spec.transformation.declared_lineage().items():
        declared = _declared_lineage(bundle, lineage)
        out[port] = PortLineage(
            bundle.id,
            port,
            declared,
            "transformation.lineage",
            # code that is not read: a column declared from exactly one source column
            # is taken to carry it (the unit tests prove the pipeline's mapping)
            carried=frozenset(c for c, refs in declared.items() if len(refs) == 1),
        )
    return out


def all_port_contracts(bundles: Mapping[str, ProductBundle]) -> dict[tuple[str, str], Contract]:
    return {
        (pid, port): contract
        for pid, bundle in bundles.items()
        for port, contract in bundle.contracts.items()
    }


def mesh_lineage(bundles: Mapping[str, ProductBundle]) -> dict[tuple[str, str], PortLineage]:
    """(product, port) -> its lineage, for every port of the mesh (`Mesh.lineage` caches it)."""
    ports = all_port_contracts(bundles)
    out: dict[tuple[str, str], PortLineage] = {}
    for pid in sorted(bundles):
        for port, lineage in product_lineage(bundles[pid], ports).items():
            out[(pid, port)] = lineage
    return out


def upstream_columns(
    lineage: Mapping[tuple[str, str], PortLineage],
    ref: ColumnRef,
    seen: frozenset[ColumnRef] = frozenset(),
) -> set[ColumnRef]:
    """Every column `ref` derives from, through every level of ports (inputs are leaves)."""
    if ref.kind != PORT or ref in seen:
        return set()
    port = lineage.get((ref.product, ref.port))
    if port is None:
        return set()
    out: set[ColumnRef] = set()
    for parent in port.columns.get(ref.column, frozenset()):
        out.add(parent)
        out |= upstream_columns(lineage, parent, seen | {ref})
    return out


def derivation(
    lineage: Mapping[tuple[str, str], PortLineage], ref: ColumnRef, depth: int = 0
) -> Any:
    """How a column is derived, all the way up, without naming the ports in between: at
    each level the expression computing it and the derivations of its parents; an
    input's or untraced port's column is itself. Two columns with the same derivation
    hold the same values: a reader moving to a successor port of the same data keeps it,
    one moving to another table does not."""
    port = lineage.get((ref.product, ref.port)) if ref.kind == PORT else None
    parents = port.columns.get(ref.column) if port is not None else None
    if port is None or not parents or depth > 64:
        return ref
    above = frozenset(derivation(lineage, parent, depth + 1) for parent in parents)
    return (port.fingerprints()[0].get(ref.column, ""), above)


def filter_values(
    bundle: ProductBundle, ports: Mapping[tuple[str, str], Contract]
) -> dict[ColumnRef, frozenset[Any]]:
    """Upstream column -> the literals a query of the product keeps it to (`col IN (...)`,
    `col = ...`): rows outside them never reach the output. Read by the local run, so
    that the rows it makes are not all filtered out."""
    out: dict[ColumnRef, set[Any]] = {}
    for step in bundle.spec.sql_steps():
        sql = bundle.sql.get(step.sql)
        if sql is None:
            continue
        tables = _Tables(bundle, ports)
        text = PLACEHOLDER.sub(tables.replace, sql.text)
        schema: dict[str, object] = {SENTINEL_DB: tables.columns} if tables.columns else {}
        try:
            # a copy: parse_probe caches its trees, which qualify would rewrite in place
            query = qualify(parse_probe(text)[0].copy(), schema=schema, dialect=TRACING)
            scopes = traverse_scope(query)
        except (*_LINEAGE_ERRORS, SqlSyntaxError, IndexError):
            continue
        for scope in scopes:
            for column, values in _literal_filters(scope):
                source = scope.sources.get(column.table)
                ref = tables.by_table.get(source.name) if isinstance(source, exp.Table) else None
                if ref is not None:
                    key = ColumnRef(ref.kind, ref.product, ref.port, column.name)
                    out.setdefault(key, set()).update(values)
    return {ref: frozenset(values) for ref, values in out.items()}


def _literal_filters(scope: Scope) -> list[tuple[exp.Column, list[Any]]]:
    mine = {id(c) for c in scope.columns}
    found: list[tuple[exp.Column, list[Any]]] = []
    for node in scope.expression.find_all(exp.In, exp.EQ):
        if isinstance(node, exp.In):
            column, literals = node.this, node.expressions
        else:
            column, other = (
                (node.this, node.expression)
                if isinstance(node.this, exp.Column)
                else (node.expression, node.this)
            )
            literals = [other]
        if (
            isinstance(column, exp.Column)
            and id(column) in mine
            and literals
            and all(isinstance(v, exp.Literal) for v in literals)
        ):
            found.append((column, [v.to_py() for v in literals]))
    return found
