"""Blast radius: which consumer ports and columns a change reaches, through lineage."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping

from model.evolution.rules import Consumer
from model.lineage import PORT, ColumnRef
from model.mesh import Mesh


class Downstream:
    """The mesh's column lineage read the other way: column -> the columns derived from it."""

    def __init__(self, mesh: Mesh, deployers: Mapping[str, tuple[str, ...]]) -> None:
        self.mesh = mesh
        self.deployers = deployers
        self.children: dict[ColumnRef, set[ColumnRef]] = defaultdict(set)
        for (pid, port), lineage in mesh.lineage.items():
            for column, parents in lineage.columns.items():
                for parent in parents:
                    if parent.kind == PORT:
                        self.children[parent].add(ColumnRef(PORT, pid, port, column))

    def derived(self, starts: Iterable[ColumnRef]) -> set[ColumnRef]:
        """Every column derived from `starts`, through every level (starts excluded)."""
        seen: set[ColumnRef] = set()
        todo = list(starts)
        while todo:
            for child in self.children.get(todo.pop(), ()):
                if child not in seen:
                    seen.add(child)
                    todo.append(child)
        return seen

    def columns_of(self, product: str, port: str, column: str = "") -> list[ColumnRef]:
        """A port's columns as lineage names them; a nested `a.b` is traced as `a`."""
        if column:
            return [ColumnRef(PORT, product, port, column.split(".")[0])]
        contract = self.mesh.products[product].contracts.get(port)
        names = [f.name for f in contract.fields] if contract else []
        return [ColumnRef(PORT, product, port, name) for name in names]

    def consumers(self, product: str, port: str, column: str = "") -> tuple[Consumer, ...]:
        """Affected consumer ports with the exact columns, and readers of the port whose
        outputs use none of it (port ""), each with the stacks that deploy it."""
        by_port: dict[tuple[str, str], set[str]] = defaultdict(set)
        for ref in self.derived(self.columns_of(product, port, column)):
            if ref.product != product:
                by_port[(ref.product, ref.port)].add(ref.column)
        out = [
            Consumer(pid, p, tuple(sorted(cols)), self.deployers.get(pid, ()))
            for (pid, p), cols in sorted(by_port.items())
        ]
        reached = {pid for pid, _ in by_port}
        for edge in self.mesh.downstream(product):
            if edge.output_port == port and edge.consumer not in reached:
                reached.add(edge.consumer)
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
