"""Column-level lineage of every output port, computed once for the whole mesh.

Views and scheduled queries: their SQL, placeholders resolved to the upstream
ports' contract schemas (and the product's own input ports), traced with
sqlglot's lineage. Dataflow pipelines: the mapping their spec declares
(`transformation.lineage`). Governance (tenancy, classification), the contract
diff and the catalog all read this one computation.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot import lineage as sqlglot_lineage
from sqlglot.errors import SqlglotError

from model.bundle import ProductBundle
from model.contract import BigQueryField, Contract
from model.product import (
    DataflowFlexTemplate,
    DataProductInput,
    GoogleSheetInput,
)
from model.sql import OWN_INPUT, PLACEHOLDER, SqlFile

INPUT = "input"  # ColumnRef.kind of a product's own input port (sheet, federated, events)
PORT = "port"  # ColumnRef.kind of an output port (the product's own or upstream)
_DB = "__mesh__"


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


@dataclass(frozen=True)
class PortLineage:
    product: str
    port: str
    columns: Mapping[str, frozenset[ColumnRef]]  # output column -> what it derives from
    source: str  # the SQL file or spec field it was traced from
    problems: tuple[str, ...] = field(default=())  # columns that could not be traced

    def upstream_ports(self) -> set[tuple[str, str]]:
        return {
            (r.product, r.port) for refs in self.columns.values() for r in refs if r.kind == PORT
        }


def _table_name(product: str, port: str) -> str:
    return f"{product}__{port}".replace("-", "_")


def _flat(fields: tuple[BigQueryField, ...], prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for f in fields:
        out[f"{prefix}{f.name}"] = f.type
    return out


class _Tables:
    """Sentinel table names for placeholders, and the schema sqlglot qualifies against."""

    def __init__(self, bundle: ProductBundle, ports: Mapping[tuple[str, str], Contract]) -> None:
        self.bundle = bundle
        self.ports = ports
        self.by_table: dict[str, ColumnRef] = {}
        self.schema: dict[str, dict[str, dict[str, str]]] = {_DB: {}}

    def sentinel(self, product: str, port: str) -> str:
        if product == OWN_INPUT:
            name = _table_name("input", port)
            self.by_table[name] = ColumnRef(INPUT, self.bundle.id, port, "")
            spec = self.bundle.spec.input_port(port)
            if isinstance(spec, GoogleSheetInput):
                self.schema[_DB][name] = {c.name: c.type for c in spec.columns}
        else:
            name = _table_name(product, port)
            self.by_table[name] = ColumnRef(PORT, product, port, "")
            contract = self.ports.get((product, port))
            if contract is not None:
                self.schema[_DB][name] = _flat(contract.fields)
        return f"`{_DB}.{name}`"


def _sql_lineage(
    bundle: ProductBundle, sql: SqlFile, ports: Mapping[tuple[str, str], Contract]
) -> tuple[dict[str, frozenset[ColumnRef]], list[str]]:
    tables = _Tables(bundle, ports)
    text = PLACEHOLDER.sub(lambda m: tables.sentinel(m.group(1), m.group(2)), sql.text)
    try:
        query = sqlglot.parse_one(text, read="bigquery")
    except SqlglotError as exc:
        return {}, [f"does not parse: {exc}"]
    columns: dict[str, frozenset[ColumnRef]] = {}
    problems: list[str] = []
    for select in query.selects if isinstance(query, exp.Query) else []:
        name = select.alias_or_name
        try:
            schema: dict[str, Any] = tables.schema if tables.schema[_DB] else {}
            node = sqlglot_lineage.lineage(name, query.copy(), schema=schema, dialect="bigquery")
        except (SqlglotError, KeyError, ValueError, AttributeError, RecursionError) as exc:
            problems.append(f"{name}: {type(exc).__name__}")
            continue
        refs: set[ColumnRef] = set()
        for n in node.walk():
            if n.downstream or not isinstance(n.expression, exp.Table):
                continue
            source = tables.by_table.get(n.expression.name)
            if source is not None:
                column = n.name.split(".")[-1]
                refs.add(ColumnRef(source.kind, source.product, source.port, column))
        columns[name] = frozenset(refs)
    return columns, problems


def _declared_lineage(
    bundle: ProductBundle, t: DataflowFlexTemplate
) -> dict[str, frozenset[ColumnRef]]:
    inputs = {p.name: p for p in bundle.spec.input_ports}
    out: dict[str, frozenset[ColumnRef]] = {}
    for column, sources in t.lineage.items():
        refs: set[ColumnRef] = set()
        for source in sources:
            port, _, rest = source.partition(".")
            spec = inputs.get(port)
            if isinstance(spec, DataProductInput):
                refs.add(ColumnRef(PORT, spec.product, spec.port, rest.split(".")[0]))
            else:
                refs.add(ColumnRef(INPUT, bundle.id, port, rest))
        out[column] = frozenset(refs)
    return out


def product_lineage(
    bundle: ProductBundle, ports: Mapping[tuple[str, str], Contract]
) -> dict[str, PortLineage]:
    """Lineage of one product's output ports; `ports` holds every port's contract."""
    t = bundle.spec.transformation
    out: dict[str, PortLineage] = {}
    for step in bundle.spec.sql_steps():
        sql = bundle.sql.get(step.sql)
        if sql is not None:
            columns, problems = _sql_lineage(bundle, sql, ports)
            out[step.port] = PortLineage(bundle.id, step.port, columns, step.field, tuple(problems))
    if isinstance(t, DataflowFlexTemplate):
        out[t.output_port] = PortLineage(
            bundle.id, t.output_port, _declared_lineage(bundle, t), "transformation.lineage"
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
