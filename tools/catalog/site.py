"""The catalog's pages: the overview with search and the lineage graph, a page per
product, a column lineage page per output port, and the IoT dashboard."""

from __future__ import annotations

import shutil
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs

from model.lineage import INPUT, PORT, ColumnRef, upstream_columns
from model.mesh import Mesh
from model.product import DataProductInput, FederatedInput, GoogleSheetInput, PubSubInput
from model.stack_settings import StackSettings
from tools.catalog import dashboard, graphs
from tools.catalog.run_data import RunData

ASSETS = Path(__file__).parent / "assets"


@dataclass(frozen=True)
class Site:
    mesh: Mesh
    settings: StackSettings
    stack: str
    run: RunData | None
    products: list[str]  # the stack's products and the ones they read, in lineage order

    def url(self, product: str, port: str = "") -> str:
        """A page, relative to the site's root."""
        return f"products/{product}.html" + (f"#port-{port}" if port else "")

    def lineage_url(self, product: str, port: str) -> str:
        return f"lineage/{product}--{port}.html"

    def deployed_by(self, product: str) -> str:
        if product in self.settings.products:
            return f"this stack ({self.stack})"
        external = self.settings.external_products.get(product)
        return f"stack {external.stack}" if external else "not deployed by this stack"


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("tools.catalog", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _json(value: Any) -> str:
    """JSON safe inside a <script> element: no `</script>` can close it early."""
    text: str = to_json_plotly(value)
    return text.replace("<", "\\u003c")


def _js(name: str, value: Any) -> str:
    return f"window.{name} = {_json(value)};\n"


def build(site: Site, out: Path) -> list[Path]:
    """Write the whole site into `out` (created; files of an earlier build replaced)."""
    env = _env()
    for folder in ("assets", "data", "products", "lineage"):
        (out / folder).mkdir(parents=True, exist_ok=True)
    written: list[Path] = []

    def write(rel: str, text: str) -> None:
        path = out / rel
        path.write_text(text, encoding="utf-8")
        written.append(path)

    for asset in sorted(ASSETS.iterdir()):
        shutil.copy(asset, out / "assets" / asset.name)
    write("assets/plotly.min.js", get_plotlyjs())
    has_dashboard = dashboard.PRODUCT in site.products
    common = {"stack": site.stack, "run": site.run, "has_dashboard": has_dashboard}

    write("data/index.js", _js("MESH_INDEX", _search_index(site)))
    write("data/graph.js", _js("MESH_GRAPH", _mesh_graph(site)))
    write("index.html", env.get_template("index.html").render(common, root="", **_overview(site)))
    for pid in site.products:
        context = _product(site, pid)
        write(
            f"products/{pid}.html",
            env.get_template("product.html").render(common, root="../", title=pid, p=context),
        )
        for port in site.mesh[pid].spec.output_ports:
            write(
                site.lineage_url(pid, port.name),
                env.get_template("lineage.html").render(
                    common,
                    root="../",
                    title=f"{pid}.{port.name} lineage",
                    **_lineage(site, pid, port.name),
                ),
            )
    if has_dashboard:
        tenants: list[str] = []
        if site.run is not None and dashboard.available(site.mesh, site.run):
            ids = [t.id for t in site.settings.tenants]
            for board in dashboard.tenant_dashboards(site.mesh, site.run, ids):
                value = {
                    "tenant": board.tenant,
                    "co2": board.co2,
                    "climate": board.climate,
                    "climateRows": board.climate_rows,
                    "points": board.points,
                    "actions": board.actions,
                }
                write(
                    f"data/dashboard-{board.tenant}.js",
                    f"window.MESH_DASHBOARD = window.MESH_DASHBOARD || {{}};\n"
                    f"window.MESH_DASHBOARD[{_json(board.tenant)}] = {_json(value)};\n",
                )
                tenants.append(board.tenant)
        window = ""
        if site.run is not None:
            report = site.run.report
            window = f"{report.get('windowDays')} day(s) up to {report.get('clock')}"
        write(
            "dashboard.html",
            env.get_template("dashboard.html").render(
                common, root="", title="IoT dashboard", tenants=tenants, window=window
            ),
        )
    return written


# ---- overview ----------------------------------------------------------------------------


def _freshness(site: Site, pid: str) -> str:
    spec = site.mesh[pid].spec
    target = f"within {spec.slos.freshness_minutes} min"
    if site.run is None:
        return target
    ages = [site.run.age_minutes(pid, p.name) for p in spec.output_ports if p.kind != "topic"]
    known = [a for a in ages if a is not None]
    if not known:
        return f"{target}; no freshness column"
    worst = max(known)
    verdict = "met" if worst <= spec.slos.freshness_minutes else "missed"
    return f"{target}; {worst} min old at the run's clock ({verdict})"


def _overview(site: Site) -> dict[str, Any]:
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


def _mesh_graph(site: Site) -> dict[str, Any]:
    nodes: list[tuple[str, str, str, str]] = []
    edges: list[tuple[str, str]] = []
    for pid in site.products:
        nodes.append((pid, "product", pid, site.url(pid)))
        for port in site.mesh[pid].spec.output_ports:
            node = f"{pid}.{port.name}"
            nodes.append((node, "port", port.name, site.url(pid, port.name)))
            edges.append((pid, node))
    for e in site.mesh.edges:
        edges.append((f"{e.producer}.{e.output_port}", e.consumer))
    return graphs.figure(nodes, edges, "Products (squares) and their output ports (circles)")


def _search_index(site: Site) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for pid in site.products:
        bundle = site.mesh[pid]
        spec = bundle.spec
        dom = spec.domain
        out.append(
            {
                "k": "product",
                "n": spec.name,
                "p": pid,
                "d": spec.description[:160],
                "u": site.url(pid),
                "dom": dom,
            }
        )
        for port in spec.output_ports:
            contract = bundle.contracts[port.name]
            out.append(
                {
                    "k": "port",
                    "n": port.name,
                    "p": pid,
                    "d": contract.description[:160],
                    "u": site.url(pid, port.name),
                    "dom": dom,
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
                    }
                )
    return out


# ---- product pages -----------------------------------------------------------------------


def _ref(site: Site, ref: ColumnRef) -> dict[str, str]:
    if ref.kind == INPUT:
        return {
            "label": f"{ref.product} input {ref.port}.{ref.column}".rstrip("."),
            "url": "../" + site.url(ref.product),
        }
    url = site.lineage_url(ref.product, ref.port) + f"#column-{ref.column}"
    return {
        "label": f"{ref.product}.{ref.port}.{ref.column}",
        "url": "../" + url if ref.product in site.products else "",
    }


def _inputs(site: Site, pid: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for port in site.mesh[pid].spec.input_ports:
        url = ""
        description = getattr(port, "description", None) or ""
        if isinstance(port, DataProductInput):
            source = f"{port.product}.{port.port}"
            url = "../" + site.url(port.product, port.port)
            upstream = site.mesh[port.product].contracts.get(port.port)
            description = description or (upstream.description if upstream else "")
        elif isinstance(port, GoogleSheetInput):
            source = f"Google Sheet {port.sheet_url}"
        elif isinstance(port, FederatedInput):
            source = f"Cloud SQL {port.engine.value} {port.instance}/{port.database}"
        elif isinstance(port, PubSubInput):
            source = f"Pub/Sub events, contract {Path(port.contract).name}"
        else:  # pragma: no cover - every input kind is listed above
            source = port.kind
        out.append(
            {
                "name": port.name,
                "kind": port.kind,
                "source": source,
                "url": url,
                "description": description,
            }
        )
    return out


def _check_rows(site: Site, pid: str, port: str) -> list[dict[str, str]]:
    contract = site.mesh[pid].contracts[port]
    results = {
        c.get("check"): c for c in (site.run.checks.get((pid, port), []) if site.run else [])
    }
    rows = []
    for check in contract.checks:
        result = results.get(check.name)
        status = "" if result is None else "passed" if result.get("passed") else "failed"
        text = "not run" if result is None else f"{status}: {result.get('detail', '')}"
        rows.append(
            {
                "name": check.name,
                "dimension": check.dimension,
                "column": check.column or "",
                "description": check.description,
                "status": status,
                "result": text,
            }
        )
    return rows


def _product(site: Site, pid: str) -> dict[str, Any]:
    bundle = site.mesh[pid]
    spec = bundle.spec
    project = site.settings.project_of(pid)
    outputs = []
    for port in spec.output_ports:
        contract = bundle.contracts[port.name]
        lineage = site.mesh.lineage.get((pid, port.name))
        tenant_column = getattr(port, "tenant_column", None)
        columns = []
        for f in contract.fields:
            refs = sorted(lineage.columns.get(f.name, frozenset())) if lineage else []
            columns.append(
                {
                    "name": f.name,
                    "type": f.type,
                    "mode": f.mode,
                    "description": f.description,
                    "classification": f.classification or "",
                    "upstream": [_ref(site, r) for r in refs],
                    "upstream_note": "computed here" if lineage else "source data",
                }
            )
        fqn = (
            f"projects/{project}/topics/{port.physical_name}"
            if port.kind == "topic"
            else f"{project}.{spec.dataset_id}.{port.physical_name}"
        )
        outputs.append(
            {
                "name": port.name,
                "kind": port.kind,
                "version": contract.version,
                "status": contract.model.status,
                "contract_id": contract.id,
                "description": contract.description,
                "fqn": fqn,
                "tenant_column": tenant_column,
                "consumers": list(port.consumers),
                "tenant_groups": [{"id": t.id, "group": t.group} for t in site.settings.tenants]
                if tenant_column
                else [],
                "rows": site.run.rows(pid, port.name) if site.run else None,
                "freshness": _port_freshness(site, pid, port.name),
                "columns": columns,
                "checks": _check_rows(site, pid, port.name),
                "lineage_url": "../" + site.lineage_url(pid, port.name),
            }
        )
    return {
        "id": pid,
        "name": spec.name,
        "description": spec.description,
        "domain": spec.domain,
        "owner": spec.owner,
        "alignment": spec.alignment.value,
        "classification": spec.classification.value,
        "slos": spec.slos,
        "tags": spec.tags,
        "deployed_by": site.deployed_by(pid),
        "cross_tenant": spec.cross_tenant.reason if spec.cross_tenant else "",
        "dataplex": f"projects/{project}/locations/{site.settings.region}/dataProducts/{pid}",
        "inputs": _inputs(site, pid),
        "outputs": outputs,
    }


def _port_freshness(site: Site, pid: str, port: str) -> str:
    if site.run is None:
        return ""
    newest, age = site.run.newest(pid, port), site.run.age_minutes(pid, port)
    return f"newest {newest}, {age} min before the run's clock" if newest else ""


# ---- lineage pages -----------------------------------------------------------------------


def _lineage(site: Site, pid: str, port: str) -> dict[str, Any]:
    contract = site.mesh[pid].contracts[port]
    lineage = site.mesh.lineage.get((pid, port))
    columns = []
    nodes: dict[str, tuple[str, str, str, str]] = {}
    edges: set[tuple[str, str]] = set()

    def node(ref: ColumnRef) -> str:
        key = str(ref)
        kind = "input" if ref.kind == INPUT else "column"
        url = _ref(site, ref)["url"]
        nodes.setdefault(key, (key, kind, key, url[3:] if url.startswith("../") else url))
        return key

    for f in contract.fields:
        me = ColumnRef(PORT, pid, port, f.name)
        direct = sorted(lineage.columns.get(f.name, frozenset())) if lineage else []
        everything = sorted(upstream_columns(site.mesh.lineage, me))
        columns.append(
            {
                "name": f.name,
                "direct": [_ref(site, r) for r in direct],
                "all": [_ref(site, r) for r in everything],
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
    figure = graphs.figure(
        nodes.values(), sorted(edges), f"Columns of {pid}.{port} and their sources"
    )
    return {
        "product": pid,
        "port": port,
        "columns": columns,
        "source": lineage.source if lineage else "source data: no upstream",
        "graph_json": _json(figure),
    }
