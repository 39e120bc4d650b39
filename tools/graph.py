"""Lineage rendering."""

from __future__ import annotations

from collections import defaultdict

from model import Mesh


def _node(product_id: str) -> str:
    return product_id.replace("-", "_")


def mermaid(mesh: Mesh) -> str:
    """A Mermaid flowchart: one subgraph per domain, one edge per consumed port."""
    lines = ["flowchart LR"]
    by_domain: dict[str, list[str]] = defaultdict(list)
    for bundle in mesh.ordered():
        by_domain[bundle.spec.domain].append(bundle.id)
    for domain in sorted(by_domain):
        lines.append(f"  subgraph {domain}")
        for pid in by_domain[domain]:
            spec = mesh[pid].spec
            lines.append(f'    {_node(pid)}["{spec.name}<br/>{spec.alignment.value}"]')
        lines.append("  end")
    for edge in mesh.edges:
        lines.append(f"  {_node(edge.producer)} -->|{edge.output_port}| {_node(edge.consumer)}")
    return "\n".join(lines) + "\n"
