"""Lineage graphs laid out by networkx (layers by topological generation) and drawn with
Plotly: the mesh's products and ports, and one port's columns with their upstream columns.
Each node carries the page it links to (customdata) so a click opens it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import networkx as nx

_KIND_STYLE = {
    "product": {"symbol": "square", "color": "#1f4e79", "size": 16},
    "port": {"symbol": "circle", "color": "#2e7d32", "size": 11},
    "column": {"symbol": "circle", "color": "#6a1b9a", "size": 10},
    "input": {"symbol": "diamond", "color": "#8d6e00", "size": 11},
}


_LABELLED = 150  # nodes up to which labels are drawn; larger graphs label on hover


def _positions(graph: nx.DiGraph[str]) -> dict[Any, tuple[float, float]]:
    for layer, nodes in enumerate(nx.topological_generations(graph)):
        for node in nodes:
            graph.nodes[node]["layer"] = layer
    laid = nx.multipartite_layout(graph, subset_key="layer", align="vertical", scale=1.0)
    return {node: (float(x), float(y)) for node, (x, y) in laid.items()}


def figure(
    nodes: Iterable[tuple[str, str, str, str]],  # (id, kind, label, url)
    edges: Iterable[tuple[str, str]],
    title: str,
    height: Callable[[int], int] = lambda n: max(320, min(2400, 26 * n)),
) -> dict[str, Any]:
    """A Plotly figure of a DAG: one trace per node kind, one for all edges."""
    graph: nx.DiGraph[str] = nx.DiGraph()
    info: dict[str, tuple[str, str, str]] = {}
    for node_id, kind, label, url in nodes:
        graph.add_node(node_id)
        info[node_id] = (kind, label, url)
    graph.add_edges_from((a, b) for a, b in edges if a in info and b in info)
    pos = _positions(graph)
    xs: list[float | None] = []
    ys: list[float | None] = []
    for a, b in graph.edges:
        xs += [pos[a][0], pos[b][0], None]
        ys += [pos[a][1], pos[b][1], None]
    # Plain Plotly JSON (what plotly.js draws): graph_objects validate every property,
    # which costs ~35 ms a figure, 50 s for the lineage pages of a 1,000-product mesh.
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "x": xs,
            "y": ys,
            "mode": "lines",
            "hoverinfo": "skip",
            "line": {"color": "#9e9e9e", "width": 1},
            "showlegend": False,
        }
    ]
    labelled = graph.number_of_nodes() <= _LABELLED
    for kind, style in _KIND_STYLE.items():
        members = [n for n in graph.nodes if info[n][0] == kind]
        if not members:
            continue
        traces.append(
            {
                "type": "scatter",
                "x": [pos[n][0] for n in members],
                "y": [pos[n][1] for n in members],
                "mode": "markers+text" if labelled else "markers",
                "text": [info[n][1] for n in members],
                "textposition": "middle right",
                "customdata": [info[n][2] for n in members],
                "marker": {
                    "symbol": style["symbol"],
                    "color": style["color"],
                    "size": style["size"],
                },
                "name": kind,
                "hovertemplate": "%{text}<extra>" + kind + "</extra>",
            }
        )
    left = min((x for x, _ in pos.values()), default=0.0)
    right = max((x for x, _ in pos.values()), default=1.0)
    span = (right - left) or 1.0
    layout = {
        "title": {"text": title},
        "height": height(max(1, _widest_layer(graph))),
        # room on the right for the last layer's labels
        "xaxis": {"visible": False, "range": [left - 0.05 * span, right + 0.35 * span]},
        "yaxis": {"visible": False},
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "legend": {"orientation": "h"},
    }
    return {"data": traces, "layout": layout}


def _widest_layer(graph: nx.DiGraph[str]) -> int:
    layers: dict[int, int] = {}
    for _, data in graph.nodes(data=True):
        layers[data["layer"]] = layers.get(data["layer"], 0) + 1
    return max(layers.values(), default=1)
