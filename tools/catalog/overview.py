"""The overview page: products by domain, the search index, the lineage graph."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from model.contract import Contract
from tools.catalog import graphs
from tools.catalog.context import Site


def _freshness(site: Site, pid: str) -> str:
    spec = site.mesh[pid].spec
    target = f"within {spec.slos.freshness_minutes} min"
    if site.run is None:
        return target
    ages = [site.run.age_minutes(pid, p.name) for p in spec.output_ports if p.serves_rows]
    known = [a for a in ages if a is not None]
    if not known:
        return f"{target}; no freshness column"
    worst = max(known)
    verdict = "met" if worst <= spec.slos.freshness_minutes else "missed"
    return f"{target}; {worst} min old at the run's clock ({verdict})"


def overview(site: Site) -> dict[str, Any]:
    domains: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for pid in site.products:
        spec = site.mesh[pid].spec
        domains[spec.domain].append(
            {
                "id": pid,
                "name": spec.name,
                "url": site.url(pid),
                "owner": spec.owner.team,
                "alignment": spec.alignment.value,
                "classification": spec.classification.value,
                "freshness": _freshness(site, pid),
                "deployed_by": site.deployed_by(pid),
            }
        )
    edges = [
        {
            "consumer": e.consumer,
            "consumer_url": site.url(e.consumer),
            "producer": e.producer,
            "port": e.output_port,
            "port_url": site.url(e.producer, e.output_port),
        }
        for e in site.mesh.edges
        if e.consumer in site.products and e.producer in site.products
    ]
    context: dict[str, Any] = {
        "title": "Products",
        "products": site.products,
        "domains": dict(sorted(domains.items())),
        "port_count": sum(len(site.mesh[p].spec.output_ports) for p in site.products),
        "edges": edges,
    }
    if site.run is not None:
        checks = site.run.report.get("checks") or []
        isolation = site.run.report.get("isolation") or []
        context |= {
            "checks_passed": sum(1 for c in checks if c.get("passed")),
            "checks_total": len(checks),
            "isolation_passed": sum(1 for i in isolation if i.get("passed")),
            "isolation_total": len(isolation),
        }
    return context


def mesh_graph(site: Site) -> dict[str, Any]:
    """Products and their ports, grouped by domain; arrows run downstream."""
    nodes: list[graphs.Node] = []
    edges: list[tuple[str, str]] = []
    for pid in site.products:
        domain = f"domain {site.mesh[pid].spec.domain}"
        nodes.append(graphs.Node(pid, "product", pid, site.url(pid), domain))
        for port in site.mesh[pid].spec.output_ports:
            node = f"{pid}.{port.name}"
            nodes.append(graphs.Node(node, "port", port.name, site.url(pid, port.name), domain))
            edges.append((pid, node))
    for e in site.mesh.edges:
        edges.append((f"{e.producer}.{e.output_port}", e.consumer))
    return graphs.figure(nodes, edges, "Products (squares) and their output ports (circles)")


def _contract_text(contract: Contract) -> str:
    desc = contract.model.description
    parts = [desc.usage, desc.limitations] if desc else []
    return " ".join(" ".join(str(p).split()) for p in parts if p)[:300]


def search_index(site: Site) -> list[dict[str, str]]:
    """Every product, port and column: its name, where it lives, its description, and
    what else a reader searches by (tags, owners, classification, contract text: `m`)."""
    out: list[dict[str, str]] = []
    for pid in site.products:
        bundle = site.mesh[pid]
        spec = bundle.spec
        dom = spec.domain
        owner = f"{spec.owner.team} {spec.owner.group}"
        out.append(
            {
                "k": "product",
                "n": spec.name,
                "p": pid,
                "d": spec.description[:160],
                "u": site.url(pid),
                "dom": dom,
                "m": " ".join([*spec.tags, owner, spec.classification.value, spec.alignment.value]),
            }
        )
        for port in spec.output_ports:
            contract = bundle.contracts[port.name]
            classes = sorted({f.classification for f in contract.fields if f.classification})
            out.append(
                {
                    "k": "port",
                    "n": port.name,
                    "p": pid,
                    "d": contract.description[:160],
                    "u": site.url(pid, port.name),
                    "dom": dom,
                    "m": f"{port.kind} {owner} {' '.join(classes)} {_contract_text(contract)}",
                }
            )
            for f in contract.fields:
                out.append(
                    {
                        "k": "column",
                        "n": f.name,
                        "p": f"{pid}.{port.name}",
                        "d": f.description[:160],
                        "u": site.lineage_url(pid, port.name) + f"#column-{f.name}",
                        "dom": dom,
                        "m": f"{f.type} {f.classification or ''}".strip(),
                    }
                )
    return out
