"""Which rules each input column of a run must follow so that the products' own contract
checks can pass on generated data: the output contracts' rules carried back through
column lineage to the input columns they come from.

A rule travels only along a column carried unchanged (model/lineage.py: `carried`);
REQUIRED travels along every lineage edge (a NULL in any source of a required value can
make it NULL). A rule that meets an expression cannot be carried back: the run names the
input columns it stems from, which need a fixture if the check fails.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from model import Mesh
from model.lineage import (
    INPUT,
    PORT,
    ColumnRef,
    all_port_contracts,
    filter_values,
    upstream_columns,
)
from tools.local.inputs.rules import ValueRules, contract_rules, nested_rules


@dataclass
class InputHints:
    rules: dict[ColumnRef, ValueRules] = field(default_factory=dict)  # INPUT refs only
    uncarried: dict[ColumnRef, list[str]] = field(default_factory=dict)  # input -> rules lost

    def add(self, ref: ColumnRef, rules: ValueRules) -> None:
        old = self.rules.get(ref)
        self.rules[ref] = rules if old is None else old.merge(rules)

    def for_port(self, product: str, port: str) -> dict[str, ValueRules]:
        """Column (dotted for nested fields) -> rules, for one input port."""
        return {
            r.column: rules
            for r, rules in self.rules.items()
            if r.product == product and r.port == port
        }


def input_hints(mesh: Mesh, products: Iterable[str]) -> InputHints:
    hints = InputHints()
    contracts = all_port_contracts(mesh.products)
    for pid in products:
        bundle = mesh[pid]
        for ref, values in sorted(filter_values(bundle, contracts).items()):
            kept = ValueRules(kept=tuple(sorted(values, key=str)), origins=(f"a filter of {pid}",))
            if ref.kind == INPUT:
                hints.add(ref, kept)
            else:
                _carry(mesh, hints, ref, kept)
        for name, event in bundle.event_contracts.items():  # an event's own rules
            for column, rules in nested_rules(event).items():
                hints.add(ColumnRef(INPUT, pid, name, column), rules.at(f"{pid}.{name}.{column}"))
        for port in bundle.spec.output_ports:
            contract = bundle.contracts.get(port.name)
            if contract is None or not port.serves_rows:
                continue
            for column, rules in contract_rules(contract).items():
                tenant = column == port.tenant_column
                found = replace(rules.at(f"{pid}.{port.name}.{column}"), tenant=tenant)
                _carry(mesh, hints, ColumnRef(PORT, pid, port.name, column), found)
    return hints


def _carry(mesh: Mesh, hints: InputHints, ref: ColumnRef, rules: ValueRules) -> None:
    lineage = mesh.lineage.get((ref.product, ref.port))
    if lineage is None:
        return
    sources = lineage.columns.get(ref.column, frozenset())
    if ref.column in lineage.carried and len(sources) == 1:
        (source,) = sources
        if source.kind == INPUT:
            hints.add(source, rules)
        else:
            _carry(mesh, hints, source, rules)
        return
    inputs = {r for r in upstream_columns(mesh.lineage, ref) if r.kind == INPUT}
    if rules.required:
        for source in inputs:
            hints.add(source, ValueRules(required=True, origins=rules.origins))
    if rules.constrains_values or rules.tenant:
        for source in inputs:
            hints.uncarried.setdefault(source, []).append(
                f"{rules.origins[0]} (not carried through {lineage.source})"
            )
