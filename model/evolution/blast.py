"""Blast radius: which consumer ports and columns a change reaches, through lineage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from model.column_use import HOWS, SELECTS
from model.evolution.rules import Consumer
from model.lineage import PORT, ColumnRef
from model.mesh import Mesh


@dataclass
class _Reach:
    """How one consumer port is reached: its columns that change, and how."""

    columns: set[str] = field(default_factory=set)
    uses: set[str] = field(default_factory=set)  # column_use.HOWS
    through: set[str] = field(default_factory=set)  # the ports it is reached through


class Downstream:
    """The mesh's column lineage read the other way: column -> the columns derived from
    it, and the ports whose rows depend on it (filtered, joined, grouped on)."""

    def __init__(self, mesh: Mesh, deployers: Mapping[str, tuple[str, ...]]) -> None:
        self.mesh = mesh
        self.deployers = deployers
        self.children: dict[ColumnRef, set[ColumnRef]] = defaultdict(set)
        self.row_users: dict[ColumnRef, set[tuple[str, str, str]]] = defaultdict(set)
        for (pid, port), lineage in mesh.lineage.items():
            for column, parents in lineage.columns.items():
                for parent in parents:
                    if parent.kind == PORT:
                        self.children[parent].add(ColumnRef(PORT, pid, port, column))
            for used, hows in lineage.uses.items():
                if used.kind == PORT:
                    self.row_users[used] |= {(pid, port, how) for how in hows}

    def _port_columns(self, product: str, port: str) -> list[ColumnRef]:
        lineage = self.mesh.lineage.get((product, port))
        names = sorted(lineage.columns) if lineage else []
        return [ColumnRef(PORT, product, port, name) for name in names]

    def reach(self, starts: Iterable[ColumnRef]) -> dict[tuple[str, str], _Reach]:
        """Every port reached from `starts` through every level: by a column derived from
        one of them (it selects it), or by a query whose rows depend on one (all its
        columns change). Keyed by port; the starts' own port only when reached again."""
        out: dict[tuple[str, str], _Reach] = defaultdict(_Reach)
        todo = list(starts)
        home = {ref.product for ref in todo}  # the changed product: its readers read it
        seen: set[ColumnRef] = set(todo)
        while todo:
            ref = todo.pop()
            steps = [(child, SELECTS) for child in self.children.get(ref, ())]
            for pid, port, how in sorted(self.row_users.get(ref, ())):
                steps += [(child, how) for child in self._port_columns(pid, port)]
            for child, how in steps:
                reached = out[(child.product, child.port)]
                reached.columns.add(child.column)
                if ref.product in home:
                    reached.uses.add(how)
                else:
                    reached.through.add(f"{ref.product}.{ref.port}")
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return out

    def derived(self, starts: Iterable[ColumnRef]) -> set[ColumnRef]:
        """Every column derived from `starts` or computed on rows that depend on them."""
        return {
            ColumnRef(PORT, pid, port, column)
            for (pid, port), reached in self.reach(starts).items()
            for column in reached.columns
        }

    def columns_of(self, product: str, port: str, column: str = "") -> list[ColumnRef]:
        """A port's columns as lineage names them; a nested `a.b` is traced as `a`."""
        if column:
            return [ColumnRef(PORT, product, port, column.split(".")[0])]
        contract = self.mesh.products[product].contracts.get(port)
        names = [f.name for f in contract.fields] if contract else []
        return [ColumnRef(PORT, product, port, name) for name in names]

    def consumers(self, product: str, port: str, column: str = "") -> tuple[Consumer, ...]:
        """Affected consumer ports with the exact columns and how they use the change,
        and readers of the port whose outputs use none of it (port ""), each with the
        stacks that deploy it."""
        reached = self.reach(self.columns_of(product, port, column))
        out = [
            Consumer(
                pid,
                p,
                tuple(sorted(r.columns)),
                self.deployers.get(pid, ()),
                tuple(h for h in HOWS if h in r.uses),
                tuple(sorted(r.through)),
            )
            for (pid, p), r in sorted(reached.items())
            if pid != product
        ]
        readers = {pid for pid, _ in reached}
        for edge in self.mesh.downstream(product):
            if edge.output_port == port and edge.consumer not in readers:
                readers.add(edge.consumer)
                out.append(Consumer(edge.consumer, "", (), self.deployers.get(edge.consumer, ())))
        return tuple(out)

    def required_downstream(self, product: str, port: str, column: str) -> list[str]:
        """REQUIRED columns (in their contracts) derived from a column."""
        out: list[str] = []
        for ref in sorted(self.derived(self.columns_of(product, port, column))):
            contract = self.mesh.products[ref.product].contracts.get(ref.port)
            field = contract.column(ref.column) if contract else None
            if field is not None and field.mode == "REQUIRED":
                out.append(f"{ref.product}.{ref.port}.{ref.column}")
        return out
