"""Contract evolution: what changed between two versions of the mesh, classified by the
rule table (`rules.py`), with versioning enforced and the blast radius of each breaking
change. Pure: the git side and the stacks are `tools/diff`'s."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from model.bundle import ProductBundle
from model.contract import SEMVER, BigQueryField, Contract
from model.evolution.blast import Downstream
from model.evolution.compare import (
    compare_columns,
    compare_event_schemas,
    compare_port_settings,
    compare_product,
    compare_quality,
    compare_slas,
    contract_body,
    dataset_change,
)
from model.evolution.rules import BREAKING, RULES, VERSIONING, Change, Consumer, Problem, Rule
from model.governance import SENSITIVE
from model.lineage import PORT, ColumnRef, derivation, upstream_columns
from model.mesh import Mesh
from model.product import OutputPort

__all__ = [
    "RULES",
    "VERSIONING",
    "Change",
    "Consumer",
    "Evolution",
    "Problem",
    "Readers",
    "Rule",
    "diff_meshes",
]

# (product, port) -> who reads it outside this repository's mesh: "stack: product"
Readers = Mapping[tuple[str, str], tuple[str, ...]]


@dataclass
class Evolution:
    changes: list[Change] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


Version = tuple[int, int, int, int, tuple[tuple[int, int | str], ...]]


def _version(text: str) -> Version:
    """A version's SemVer precedence: a pre-release (`1.0.0-rc.1`) is lower than its
    release, its identifiers compared numerically or as text (numbers first); build
    metadata (`+build.5`) has none."""
    match = SEMVER.match(text)
    if not match:
        return (0, 0, 0, 0, ())
    core = (int(match[1]), int(match[2]), int(match[3]))
    pre = text.split("+", 1)[0].partition("-")[2]
    if not pre:
        return (*core, 1, ())
    ids = tuple((0, int(i)) if i.isdigit() else (1, i) for i in pre.split("."))
    return (*core, 0, ids)


# How an event contract's new major version is served: beside the old one.
EVENTS = (
    "publishers' messages in the old shape are refused; accept the new shape on a new input "
    "port (its own topic) beside this one until every publisher has moved"
)


def _movement(old: str, new: str) -> str:
    a, b = _version(old), _version(new)
    if a == b:
        return f"version unchanged ({new})"
    if a[:3] == b[:3]:
        return f"a pre-release step {old} -> {new}"
    kind = "major" if b[0] != a[0] else "minor" if b[1] != a[1] else "patch"
    return f"a {kind} bump {old} -> {new}"


class _Differ:
    def __init__(
        self,
        base: Mesh,
        head: Mesh,
        deployers: Mapping[str, tuple[str, ...]],
        readers_elsewhere: Readers,
    ) -> None:
        self.base, self.head = base, head
        self.readers_elsewhere = readers_elsewhere
        self.deployers = deployers
        self.stack_products: dict[str, set[str]] = {}
        for pid, stacks in deployers.items():
            for stack in stacks:
                self.stack_products.setdefault(stack, set()).add(pid)
        self.before = Downstream(base, deployers)  # the consumers deployed today
        self.after = Downstream(head, deployers)
        self.retraced = {  # ports whose lineage (or query) is not what it was
            key for key, port in head.lineage.items() if base.lineage.get(key) != port
        }
        self.out = Evolution()

    def run(self) -> Evolution:
        for pid in sorted(set(self.base.products) | set(self.head.products)):
            old, new = self.base.products.get(pid), self.head.products.get(pid)
            if old is None and new is not None:
                self.out.changes.append(Change("product-added", pid, file=new.path))
            elif new is None and old is not None:
                self.out.changes.append(Change("product-removed", pid, file=old.path))
                for port in old.spec.output_ports:
                    self._port_gone(old, port, renamed_to=None)
            elif old is not None and new is not None:
                product_changes = [self._lineage_detail(c) for c in compare_product(old, new)]
                self.out.changes += product_changes
                if any(c.rule == "transformation-changed" for c in product_changes):
                    self.out.changes += self._computations(new)
                self._ports(old, new)
                self._product_versioning(old, new, product_changes)
        self.out.changes = [self._with_blast(c) for c in self.out.changes]
        return self.out

    def _product_versioning(
        self, old: ProductBundle, new: ProductBundle, changes: list[Change]
    ) -> None:
        """Breaking changes of a whole product (its SLOs) break the readers of every
        served port; the events it accepts are versioned by their own contracts."""
        served = [p.name for p in old.spec.output_ports if old.contracts[p.name].major >= 1]
        for change in changes:
            if change.category == BREAKING and served:
                self.out.problems.append(
                    Problem(
                        "breaking-change-in-place",
                        change.product,
                        "",
                        f"{change.product}: {change.rule} ({change.detail}) weakens what the "
                        f"readers of its served ports ({', '.join(served)}) rely on",
                        change.file,
                    )
                )
        for port, event_changes in compare_event_schemas(old, new).items():
            self.out.changes += event_changes
            a, b = old.event_contracts[port], new.event_contracts[port]
            body_changed = contract_body(a) != contract_body(b)
            self._versioning(
                new.id, port, a.version, b.version, event_changes, body_changed, b.path, EVENTS
            )

    def _lineage_detail(self, change: Change) -> Change:
        """What a transformation change does to the data: the output columns whose
        upstream columns differ (a SQL edit that keeps the contract can still re-source a
        column; its readers may want to know)."""
        if change.rule != "transformation-changed":
            return change
        moved: list[str] = []
        pid = change.product
        for port in sorted(p.name for p in self.base.products[pid].spec.output_ports):
            before = self.base.lineage.get((pid, port))
            after = self.head.lineage.get((pid, port))
            if before is None or after is None:
                continue
            for column in sorted(set(before.columns) | set(after.columns)):
                a = before.columns.get(column, frozenset())
                b = after.columns.get(column, frozenset())
                if a != b:
                    now = ", ".join(sorted(str(r) for r in b)) or "nothing upstream"
                    moved.append(f"{port}.{column} now from {now}")
        if not moved:
            return replace(change, detail="column lineage unchanged")
        return replace(change, detail="; ".join(moved))

    def _computations(self, new: ProductBundle) -> list[Change]:
        """Output columns a SQL edit computes another way, and ports whose queries keep
        other rows, under unchanged contracts (the contract diff judges those)."""
        out: list[Change] = []
        pid = new.id
        for step in new.spec.sql_steps():
            before = self.base.lineage.get((pid, step.port))
            after = self.head.lineage.get((pid, step.port))
            if before is None or after is None or before.query == after.query:
                continue
            (was, rows_before), (now, rows_after) = before.fingerprints(), after.fingerprints()
            file = new.path.parent / step.sql
            if rows_before != rows_after:
                detail = f"{step.sql}: filters, joins or grouping changed"
                out.append(Change("rows-kept-changed", pid, step.port, "", detail, file))
            for column in sorted(set(was) & set(now)):
                if was[column] != now[column]:
                    out.append(
                        Change("column-computation-changed", pid, step.port, column, step.sql, file)
                    )
        return out

    def _ports(self, old: ProductBundle, new: ProductBundle) -> None:
        before = {p.name: p for p in old.spec.output_ports}
        after = {p.name: p for p in new.spec.output_ports}
        added = [p for name, p in after.items() if name not in before]
        for name, port in before.items():
            if name in after:
                self._port(old, port, new, after[name])
                continue
            twin = next((p for p in added if p.physical_name == port.physical_name), None)
            if twin is not None:
                added.remove(twin)
            self._port_gone(old, port, renamed_to=twin)
        for port in added:
            version = new.contracts[port.name].version
            detail = f"{port.physical_name}, contract {version}"
            self.out.changes.append(Change("port-added", new.id, port.name, "", detail, new.path))

    def _port_gone(
        self, old: ProductBundle, port: OutputPort, renamed_to: OutputPort | None
    ) -> None:
        pid = old.id
        elsewhere = self.readers_elsewhere.get((pid, port.name), ())
        moved = [  # read today, not after this change, deployed by a stack that skips pid
            e.consumer
            for e in self.base.downstream(pid)
            if e.output_port == port.name
            and any(pid not in self.stack_products[s] for s in self.deployers.get(e.consumer, ()))
        ]
        readers = [*elsewhere, *(f"{s}: {c}" for c in moved for s in self.deployers.get(c, ()))]
        if renamed_to is not None:
            detail = f"now {renamed_to.name}"
            self.out.changes.append(Change("port-renamed", pid, port.name, "", detail, old.path))
        rule = "port-removed" if readers else "port-retired"
        if renamed_to is None:
            self.out.changes.append(
                Change(rule, pid, port.name, "", port.physical_name, old.path, (), tuple(readers))
            )
        if readers:
            self.out.problems.append(
                Problem(
                    "removed-while-read",
                    pid,
                    port.name,
                    f"{pid}.{port.name} ({port.physical_name}) is still read by "
                    + ", ".join(readers)
                    + "; keep serving it until they move to its successor and are deployed",
                    old.path,
                )
            )
        elif renamed_to is not None and old.contracts[port.name].major >= 1:
            self.out.problems.append(
                Problem(
                    "breaking-change-in-place",
                    pid,
                    port.name,
                    f"{pid}.{port.name} is renamed to {renamed_to.name}: its resources are "
                    "replaced; add the new port beside the old one instead",
                    old.path,
                )
            )

    def _port(
        self, old: ProductBundle, port: OutputPort, new: ProductBundle, new_port: OutputPort
    ) -> None:
        pid = new.id
        a, b = old.contracts[port.name], new.contracts[port.name]
        protected = any(_protects(c, p) for c, p in ((a, port), (b, new_port)))
        changes = compare_port_settings(pid, port, new_port, new.path, protected)
        changes += self._tenant_resourced(new, port, new_port)
        moved = dataset_change(old, new)
        if moved and port.serves_rows:
            changes.append(Change("dataset-changed", pid, port.name, "", moved, new.path))
        if port.kind == new_port.kind:
            changes += compare_columns(a, b, pid, new_port, self.after.required_downstream)
            changes += compare_quality(a, b, pid, port.name)
            changes += compare_slas(a, b, pid, port.name)
        body_changed = contract_body(a) != contract_body(b)
        if body_changed and not any(c.file == b.path for c in changes):
            changes.append(Change("description-changed", pid, port.name, "", "contract", b.path))
        self.out.changes += changes
        self._versioning(pid, port.name, a.version, b.version, changes, body_changed, b.path)

    def _tenant_resourced(
        self, new: ProductBundle, port: OutputPort, new_port: OutputPort
    ) -> list[Change]:
        """The same tenant column, derived another way: every row may now show to another
        tenant (the tenant of a device's placement today instead of the one stamped on the
        reading). Moving to a successor port of the same data derives it the same way."""
        column = port.tenant_column
        if not column or column != new_port.tenant_column:
            return []
        ref = ColumnRef(PORT, new.id, port.name, column)
        before = upstream_columns(self.base.lineage, ref)
        after = upstream_columns(self.head.lineage, ref)
        chain = {(r.product, r.port) for r in {ref, *before, *after} if r.kind == PORT}
        if not chain & self.retraced:
            return []
        if derivation(self.base.lineage, ref) == derivation(self.head.lineage, ref):
            return []

        def show(refs: set[ColumnRef]) -> str:
            return ", ".join(sorted(map(str, refs))) or "the same columns"

        detail = f"now from {show(after - before)}; before from {show(before - after)}"
        return [Change("tenant-column-resourced", new.id, port.name, column, detail, new.path)]

    def _versioning(
        self,
        pid: str,
        port: str,
        old: str,
        new: str,
        changes: list[Change],
        body_changed: bool,
        file: Path,
        advice: str = "",
    ) -> None:
        """`advice`: how to serve a new major version (a port's by default)."""
        v0, v1 = _version(old), _version(new)
        breaking = [c for c in changes if c.category == BREAKING]
        add = self.out.problems.append
        if v1 < v0:
            add(Problem("version-decreased", pid, port, f"{old} -> {new}", file))
        elif v0[0] >= 1 and v1[0] > v0[0]:
            add(
                Problem(
                    "major-bump-in-place",
                    pid,
                    port,
                    f"{pid}.{port} moves to {new} in place: "
                    + (
                        advice
                        or f"serve {new} under a new port with a new physical name and keep "
                        f"{old} served until no consumer reads it"
                    ),
                    file,
                )
            )
        elif v0[0] >= 1 and breaking:
            rules = ", ".join(sorted({c.rule for c in breaking}))
            add(
                Problem(
                    "breaking-change-in-place",
                    pid,
                    port,
                    f"{pid}.{port} carries breaking changes ({rules}) with "
                    f"{_movement(old, new)}; "
                    + (
                        advice
                        or "serve them as a new major version under a new port beside this one"
                    ),
                    file,
                )
            )
        if body_changed and v0 == v1:
            add(Problem("version-not-bumped", pid, port, f"contract changed, still {new}", file))

    def _with_blast(self, change: Change) -> Change:
        if not change.shows_reach or not change.port:
            return change
        if change.product not in self.base.products:
            return change
        if self.base.products[change.product].spec.output_port(change.port) is None:
            return change
        affected = self.before.consumers(change.product, change.port, change.column)
        elsewhere = change.readers_elsewhere or self.readers_elsewhere.get(
            (change.product, change.port), ()
        )
        return replace(change, affected=affected, readers_elsewhere=tuple(elsewhere))


def _protects(contract: Contract, port: OutputPort) -> bool:
    """A port whose readers governance vets: tenant-scoped, or serving sensitive columns."""

    def sensitive(fields: tuple[BigQueryField, ...]) -> bool:
        return any(
            (f.classification or "").lower() in SENSITIVE or sensitive(f.fields) for f in fields
        )

    return bool(port.tenant_column) or sensitive(contract.fields)


def diff_meshes(
    base: Mesh,
    head: Mesh,
    deployers: Mapping[str, tuple[str, ...]] | None = None,
    readers_elsewhere: Readers | None = None,
) -> Evolution:
    """Every change from `base` to `head`. `deployers`: product -> the stacks deploying it;
    `readers_elsewhere`: readers of ports known from stacks' registry files."""
    return _Differ(base, head, deployers or {}, readers_elsewhere or {}).run()
