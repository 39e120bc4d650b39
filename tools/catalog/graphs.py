"""Lineage graphs laid out by networkx (layers by topological generation) and drawn with
Plotly: the mesh's products and ports, and one port's columns with their upstream and
downstream columns. Edges end in arrows; nodes are grouped (one legend entry and colour
per product, or per port) and carry the page they link to (customdata), so a click opens
it. Labels are escaped: Plotly reads a subset of HTML in them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

import networkx as nx

SYMBOLS = {"product": "square", "port": "circle", "column": "circle", "input": "diamond"}
SIZES = {"product": 16, "port": 11, "column": 10, "input": 11}
PALETTE = ["#1f4e79", "#2e7d32", "#6a1b9a", "#8d6e00", "#b00020", "#00695c", "#4e342e", "#283593"]
_LABELLED = 150  # nodes up to which labels are drawn; larger graphs label on hover
_ARROW_AT = 0.92  # where along an edge its arrowhead sits (short of the node it points to)


class Node(NamedTuple):
    id: str
    kind: str  # product | port | column | input
    label: str
    url: str
    group: str  # legend entry: the product (mesh graph) or product.port (column graph)


def plotly_text(value: str) -> str:
    """Text Plotly shows as written (it reads <a href>, <b>, <br> and entities)."""
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _positions(graph: nx.DiGraph[str]) -> dict[Any, tuple[float, float]]:
    for layer, nodes in enumerate(nx.topological_generations(graph)):
        for node in nodes:
            graph.nodes[node]["layer"] = layer
    laid = nx.multipartite_layout(graph, subset_key="layer", align="vertical", scale=1.0)
    return {node: (float(x), float(y)) for node, (x, y) in laid.items()}


def _edge_trace(graph: nx.DiGraph[str], pos: dict[Any, tuple[float, float]]) -> dict[str, Any]:
    """Every edge as a line from its source to just short of its target, with an arrowhead
    there (one trace: 1,000-product meshes stay cheap)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    sizes: list[int] = []
    for a, b in graph.edges:
        (x0, y0), (x1, y1) = pos[a], pos[b]
        tip = (x0 + _ARROW_AT * (x1 - x0), y0 + _ARROW_AT * (y1 - y0))
        xs += [x0, tip[0], None]
        ys += [y0, tip[1], None]
        sizes += [0, 9, 0]
    return {
        "type": "scatter",
        "x": xs,
        "y": ys,
        "mode": "lines+markers",
        "hoverinfo": "skip",
        "line": {"color": "#9e9e9e", "width": 1},
        "marker": {"symbol": "arrow", "angleref": "previous", "size": sizes, "color": "#757575"},
        "showlegend": False,
    }


def _node_traces(graph: nx.DiGraph[str], info: dict[str, Node], pos: dict[Any, Any]) -> list[Any]:
    labelled = graph.number_of_nodes() <= _LABELLED
    groups = sorted({info[n].group for n in graph.nodes})
    traces = []
    for i, group in enumerate(groups):
        members = [n for n in graph.nodes if info[n].group == group]
        traces.append(
            {
                "type": "scatter",
                "x": [pos[n][0] for n in members],
                "y": [pos[n][1] for n in members],
                "mode": "markers+text" if labelled else "markers",
                "text": [plotly_text(info[n].label) for n in members],
                "textposition": "middle right",
                "customdata": [info[n].url for n in members],
                "marker": {
                    "symbol": [SYMBOLS[info[n].kind] for n in members],
                    "size": [SIZES[info[n].kind] for n in members],
                    "color": PALETTE[i % len(PALETTE)],
                },
                "name": plotly_text(group),
                "legendgroup": plotly_text(group),
                "hovertemplate": "%{text}<extra>" + plotly_text(group) + "</extra>",
            }
        )
    return traces


def figure(
    nodes: Iterable[Node],
    edges: Iterable[tuple[str, str]],
    title: str,
    height: Callable[[int], int] = lambda n: max(320, min(2400, 26 * n)),
) -> dict[str, Any]:
    """A Plotly figure of a DAG: edges with arrows, nodes grouped (plain Plotly JSON:
    graph_objects validate every property, 50 s for a 1,000-product mesh's pages)."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    info = {n.id: n for n in nodes}
    graph.add_nodes_from(info)
    graph.add_edges_from((a, b) for a, b in edges if a in info and b in info)
    pos = _positions(graph)
    left = min((x for x, _ in pos.values()), default=0.0)
    right = max((x for x, _ in pos.values()), default=1.0)
    span = (right - left) or 1.0
    layout = {
        "title": {"text": plotly_text(title)},
        "height": height(max(1, _widest_layer(graph))),
        # room on the right for the last layer's labels
        "xaxis": {"visible": False, "range": [left - 0.05 * span, right + 0.35 * span]},
        "yaxis": {"visible": False},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "legend": {"orientation": "h"},
    }
    return {"data": [_edge_trace(graph, pos), *_node_traces(graph, info, pos)], "layout": layout}


def _widest_layer(graph: nx.DiGraph[str]) -> int:
    layers: dict[int, int] = {}
    for _, data in graph.nodes(data=True):
        layers[data["layer"]] = layers.get(data["layer"], 0) + 1
    return max(layers.values(), default=1)
