"""Rules about one product that need more than one field, or the files it names."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from model.bundle import ProductBundle
from model.contract import Contract, load_contract
from model.conventions import VERSIONED_NAME
from model.errors import MAJOR_NAME_MISMATCH, SpecIssue
from model.files import FileProblem, read_json_object
from model.identifiers import TOPIC_ID
from model.product import (
    Alignment,
    DataflowFlexTemplate,
    FederatedInput,
    GoogleSheetInput,
    Product,
    PubSubInput,
    ScheduledQueries,
    TableOutput,
    TopicOutput,
    ViewOutput,
    Views,
)
from model.sql import OWN_INPUT, SqlFile, load_sql

PARTITION_TYPES = frozenset({"DATE", "TIMESTAMP", "DATETIME"})
UNCLUSTERABLE = frozenset({"RECORD", "JSON", "FLOAT64"})


class _Collector:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.issues: list[SpecIssue] = []

    def add(self, field: str, message: str, code: str = "") -> None:
        self.issues.append(SpecIssue(self.path, field, message, code))


def check_product(path: Path, product: Product) -> tuple[ProductBundle | None, list[SpecIssue]]:
    """Check one parsed product against its own files; return the bundle or problems."""
    out = _Collector(path)
    folder = path.parent
    _check_unique_names(out, product)

    contracts: dict[str, Contract] = {}
    for i, port in enumerate(product.output_ports):
        contract = _load_port_contract(out, folder / port.contract, f"output_ports[{i}].contract")
        if contract is None:
            continue
        contracts[port.name] = contract
        _check_port_against_contract(out, f"output_ports[{i}]", port, contract)

    event_contracts: dict[str, Contract] = {}
    for i, inp in enumerate(product.input_ports):
        if isinstance(inp, PubSubInput):
            contract = _load_port_contract(out, folder / inp.contract, f"input_ports[{i}].contract")
            if contract is not None:
                event_contracts[inp.name] = contract

    if product.alignment is Alignment.CONSUMER and not product.data_product_inputs:
        out.add(
            "input_ports",
            "a consumer-aligned product must read at least one data-product input port",
        )

    sql = _check_transformation(out, product, folder)
    if out.issues:
        return None, out.issues
    return ProductBundle(product, path, contracts, event_contracts, sql), []


def _check_unique_names(out: _Collector, product: Product) -> None:
    names = [p.name for p in product.input_ports] + [p.name for p in product.output_ports]
    for name, count in Counter(names).items():
        if count > 1:
            out.add(
                "input_ports" if product.input_port(name) else "output_ports",
                f"port name {name!r} is used {count} times; port names are unique per product",
            )
    physical = Counter(p.physical_name for p in product.output_ports)
    for i, port in enumerate(product.output_ports):
        if physical[port.physical_name] > 1:
            out.add(
                f"output_ports[{i}].physical_name",
                f"{port.physical_name!r} is used by more than one output port",
            )


def _load_port_contract(out: _Collector, file: Path, field: str) -> Contract | None:
    if not (file.exists() or file.is_symlink()):
        out.add(field, f"contract file {file.name} does not exist")
        return None
    contract, issues = load_contract(file, root=out.path.parent.parent)
    out.issues += issues
    if issues:
        out.add(field, f"contract {file.name} is invalid (see its problems)")
    return contract


def _check_port_against_contract(
    out: _Collector, where: str, port: TableOutput | ViewOutput | TopicOutput, contract: Contract
) -> None:
    match = VERSIONED_NAME.match(port.physical_name)
    if match and int(match.group("major")) != contract.major:
        out.add(
            f"{where}.physical_name",
            f"{port.physical_name!r} names major version {match.group('major')} but contract "
            f"{contract.path.name} is version {contract.version}",
            MAJOR_NAME_MISMATCH,
        )
    if contract.object.physicalName and contract.object.physicalName != port.physical_name:
        out.add(
            f"{where}.physical_name",
            f"{port.physical_name!r} differs from the contract's schema physicalName "
            f"{contract.object.physicalName!r}",
        )
    if isinstance(port, TopicOutput) and not TOPIC_ID.match(port.physical_name):
        out.add(f"{where}.physical_name", f"{port.physical_name!r} is not a valid Pub/Sub topic id")
    if isinstance(port, TopicOutput):
        return

    if port.tenant_column is not None:
        col = contract.column(port.tenant_column)
        if col is None:
            out.add(
                f"{where}.tenant_column",
                f"column {port.tenant_column!r} is not in contract {contract.path.name}",
            )
        elif col.mode != "REQUIRED" or col.type != "STRING":
            out.add(
                f"{where}.tenant_column",
                f"tenant column {port.tenant_column!r} must be a REQUIRED STRING in the "
                f"contract (it is {col.mode} {col.type})",
            )
    if not isinstance(port, TableOutput):
        return
    if port.partitioning is not None:
        col = contract.column(port.partitioning.field)
        if col is None:
            out.add(
                f"{where}.partitioning.field",
                f"column {port.partitioning.field!r} is not in contract {contract.path.name}",
            )
        elif col.type not in PARTITION_TYPES or col.mode == "REPEATED":
            out.add(
                f"{where}.partitioning.field",
                f"column {col.name!r} is {col.mode} {col.type}; time partitioning needs a "
                "DATE, TIMESTAMP or DATETIME column",
            )
    elif port.require_partition_filter:
        out.add(f"{where}.require_partition_filter", "needs `partitioning`")
    for j, name in enumerate(port.clustering):
        col = contract.column(name)
        if col is None:
            out.add(
                f"{where}.clustering[{j}]",
                f"column {name!r} is not in contract {contract.path.name}",
            )
        elif col.mode == "REPEATED" or col.type in UNCLUSTERABLE:
            out.add(
                f"{where}.clustering[{j}]",
                f"column {name!r} ({col.mode} {col.type}) cannot cluster a table",
            )
    if len(set(port.clustering)) != len(port.clustering):
        out.add(f"{where}.clustering", "lists a column twice")


def _check_transformation(out: _Collector, product: Product, folder: Path) -> dict[str, SqlFile]:
    t = product.transformation
    sql: dict[str, SqlFile] = {}
    writers: Counter[str] = Counter()

    if isinstance(t, DataflowFlexTemplate):
        if not (folder / t.pipeline).is_dir():
            out.add("transformation.pipeline", f"pipeline folder {t.pipeline!r} does not exist")
        else:
            _check_template_parameters(out, t, folder)
        if not isinstance(product.input_port(t.input_port), PubSubInput):
            out.add("transformation.input_port", f"{t.input_port!r} is not a pubsub input port")
        if not isinstance(product.output_port(t.output_port), TableOutput):
            out.add("transformation.output_port", f"{t.output_port!r} is not a table output port")
        writers[t.output_port] += 1
    elif isinstance(t, ScheduledQueries):
        for i, q in enumerate(t.queries):
            where = f"transformation.queries[{i}]"
            if not isinstance(product.output_port(q.destination_port), TableOutput):
                out.add(
                    f"{where}.destination_port",
                    f"{q.destination_port!r} is not a table output port of {product.id}",
                )
            writers[q.destination_port] += 1
            _load_product_sql(out, product, folder, q.sql, f"{where}.sql", sql)
        for name, count in Counter(q.name for q in t.queries).items():
            if count > 1:
                out.add("transformation.queries", f"query name {name!r} is used {count} times")
    elif isinstance(t, Views):
        for i, v in enumerate(t.views):
            where = f"transformation.views[{i}]"
            if not isinstance(product.output_port(v.port), ViewOutput):
                out.add(f"{where}.port", f"{v.port!r} is not a view output port of {product.id}")
            writers[v.port] += 1
            _load_product_sql(out, product, folder, v.sql, f"{where}.sql", sql)
        _check_view_cycles(out, product, t, sql)

    for i, port in enumerate(product.output_ports):
        if isinstance(port, TopicOutput):
            continue
        if writers[port.name] == 0:
            out.add(
                f"output_ports[{i}]",
                f"{port.kind} port {port.name!r} is not produced by the {t.kind} transformation",
            )
        elif writers[port.name] > 1:
            out.add(
                f"output_ports[{i}]", f"port {port.name!r} is produced {writers[port.name]} times"
            )
    return sql


def _load_product_sql(
    out: _Collector, product: Product, folder: Path, rel: str, field: str, into: dict[str, SqlFile]
) -> None:
    file = folder / rel
    if not (file.exists() or file.is_symlink()):
        out.add(field, f"SQL file {rel!r} does not exist")
        return
    parsed, issues = load_sql(file, field, root=folder.parent)
    if issues:
        out.add(field, f"SQL file {rel!r} is invalid (see its problems)")
        out.issues += issues
        return
    assert parsed is not None
    into[rel] = parsed
    declared = {(p.product, p.port) for p in product.data_product_inputs}
    for ref in parsed.refs:
        if ref.product == OWN_INPUT:
            if not isinstance(product.input_port(ref.port), GoogleSheetInput | FederatedInput):
                out.add(
                    field,
                    f"{ref} in {rel} is not a google-sheet or federated input port of {product.id}",
                )
        elif ref.product == product.id:
            if product.output_port(ref.port) is None:
                out.add(field, f"{ref} in {rel} is not an output port of {product.id}")
        elif (ref.product, ref.port) not in declared:
            out.add(
                field,
                f"{ref} in {rel} reads {ref.product}.{ref.port}, which is not one of "
                f"{product.id}'s data-product input ports",
            )


def _check_view_cycles(
    out: _Collector, product: Product, t: Views, sql: dict[str, SqlFile]
) -> None:
    """A view may read the product's tables, never itself or a view that reads it back."""
    index = {v.port: i for i, v in enumerate(t.views)}
    reads: dict[str, list[str]] = {
        v.port: sorted(
            {r.port for r in sql[v.sql].refs if r.product == product.id and r.port in index}
        )
        for v in t.views
        if v.sql in sql
    }
    reported: set[frozenset[str]] = set()
    for start in sorted(reads):
        path = _cycle_from(start, reads)
        if path is None or frozenset(path) in reported:
            continue
        reported.add(frozenset(path))
        field = f"transformation.views[{index[start]}].sql"
        if len(path) == 1:
            out.add(field, f"view {start!r} reads itself")
        else:
            out.add(field, "views form a cycle: " + " -> ".join([*path, path[0]]))


def _cycle_from(start: str, reads: dict[str, list[str]]) -> list[str] | None:
    """The views on a cycle through `start`, in reading order, or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in reads.get(node, []):
            if nxt == start:
                return path
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def _check_template_parameters(out: _Collector, t: DataflowFlexTemplate, folder: Path) -> None:
    """Parameters set in the spec are ones the pipeline's metadata.json declares: anything
    else would reach Dataflow as a pipeline option (identity, image, network...)."""
    metadata = folder / t.pipeline / "metadata.json"
    try:
        declared = {
            str(p.get("name"))
            for p in read_json_object(metadata, root=folder).get("parameters") or []
            if isinstance(p, dict)
        }
    except FileProblem as problem:
        out.issues.append(problem.issue)
        return
    for name in sorted(set(t.parameters) - declared):
        out.add(
            f"transformation.parameters.{name}",
            f"{name!r} is not a parameter of the pipeline's metadata.json "
            f"({', '.join(sorted(declared))}); environment options are the platform's",
        )
