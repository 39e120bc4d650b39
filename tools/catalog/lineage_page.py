"""A port's column lineage page: every column's direct and transitive upstream columns,
as a table and a graph."""

from __future__ import annotations

from typing import Any

from model.lineage import INPUT, PORT, ColumnRef, upstream_columns
from tools.catalog import graphs
from tools.catalog.context import Site, script_json
from tools.catalog.product_page import column_ref


def downstream_columns(site: Site, ref: ColumnRef) -> set[tuple[ColumnRef, ColumnRef]]:
    """(parent, child) edges from `ref` down to every column that derives from it."""
    children = site.readers
    out: set[tuple[ColumnRef, ColumnRef]] = set()
    todo = [ref]
    while todo:
        at = todo.pop()
        for child in children.get(at, set()):
            if (at, child) not in out:
                out.add((at, child))
                todo.append(child)
    return out


def lineage_page(site: Site, pid: str, port: str) -> dict[str, Any]:
    contract = site.mesh[pid].contracts[port]
    lineage = site.mesh.lineage.get((pid, port))
    columns = []
    nodes: dict[str, graphs.Node] = {}
    edges: set[tuple[str, str]] = set()

    def node(ref: ColumnRef) -> str:
        key = str(ref)
        kind = "input" if ref.kind == INPUT else "column"
        url = column_ref(site, ref)["url"]
        group = (
            f"{ref.product} input {ref.port}" if ref.kind == INPUT else f"{ref.product}.{ref.port}"
        )
        link = url[3:] if url.startswith("../") else url
        nodes.setdefault(key, graphs.Node(key, kind, key, link, group))
        return key

    for f in contract.fields:
        me = ColumnRef(PORT, pid, port, f.name)
        direct = sorted(lineage.columns.get(f.name, frozenset())) if lineage else []
        everything = sorted(upstream_columns(site.mesh.lineage, me))
        below = downstream_columns(site, me)
        columns.append(
            {
                "name": f.name,
                "direct": [column_ref(site, r) for r in direct],
                "all": [column_ref(site, r) for r in everything],
                "downstream": [column_ref(site, c) for c in sorted({c for _, c in below})],
            }
        )
        node(me)
        for parent in everything:
            node(parent)
        for child in [me, *everything]:
            parent_port = site.mesh.lineage.get((child.product, child.port))
            if child.kind != PORT or parent_port is None:
                continue
            for parent in parent_port.columns.get(child.column, frozenset()):
                edges.add((node(parent), node(child)))
        edges |= {(node(a), node(b)) for a, b in below}
    figure = graphs.figure(
        nodes.values(), sorted(edges), f"Columns of {pid}.{port}: their sources and readers"
    )
    return {
        "product": pid,
        "port": port,
        "columns": columns,
        "source": lineage.source if lineage else "source data: no upstream",
        "graph_json": script_json(figure),
    }
