"""Rules about one product that need more than one field, or the files it names."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from model.bundle import ProductBundle
from model.contract import Contract, load_contract
from model.conventions import VERSIONED_NAME
from model.dashboard import check_dashboards
from model.errors import MAJOR_NAME_MISMATCH, SpecIssue
from model.kinds import INPUT_KINDS, OutputPort, kind_name
from model.product import Alignment, Product
from model.sql import OWN_INPUT, SqlFile, load_sql

SQL_READABLE = " or ".join(kind_name(k) for k in INPUT_KINDS if k.sql_readable)


class _Collector:
    """Where a product's checks report; also what a kind's `check` reads (SpecChecks)."""

    def __init__(self, path: Path, product: Product) -> None:
        self.path = path
        self.product = product
        self.folder = path.parent
        self.issues: list[SpecIssue] = []
        self.sql: dict[str, SqlFile] = {}

    def add(self, field: str, message: str, code: str = "") -> None:
        self.issues.append(SpecIssue(self.path, field, message, code))

    def load_sql(self, rel: str, field: str) -> None:
        _load_product_sql(self, rel, field)


def check_product(path: Path, product: Product) -> tuple[ProductBundle | None, list[SpecIssue]]:
    """Check one parsed product against its own files; return the bundle or problems."""
    out = _Collector(path, product)
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
        event = inp.event_contract()
        if event is not None:
            contract = _load_port_contract(out, folder / event, f"input_ports[{i}].contract")
            if contract is not None:
                event_contracts[inp.name] = contract

    if product.alignment is Alignment.CONSUMER and not product.data_product_inputs:
        out.add(
            "input_ports",
            "a consumer-aligned product must read at least one data-product input port",
        )

    _check_transformation(out, product)
    check_dashboards(out, product.dashboards, {p.name: p for p in product.output_ports}, contracts)
    if out.issues:
        return None, out.issues
    return ProductBundle(product, path, contracts, event_contracts, out.sql), []


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
    out: _Collector, where: str, port: OutputPort, contract: Contract
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
    port.check_contract(out, where, contract)


def _check_transformation(out: _Collector, product: Product) -> None:
    t = product.transformation
    t.check(out)
    writers = Counter(t.writes())
    for i, port in enumerate(product.output_ports):
        if not port.serves_rows:
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


def _load_product_sql(out: _Collector, rel: str, field: str) -> None:
    product, folder = out.product, out.folder
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
    out.sql[rel] = parsed
    declared = {(p.product, p.port) for p in product.data_product_inputs}
    for ref in parsed.refs:
        if ref.product == OWN_INPUT:
            port = product.input_port(ref.port)
            if port is None or not port.sql_readable:
                out.add(
                    field,
                    f"{ref} in {rel} is not a {SQL_READABLE} input port of {product.id}",
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
