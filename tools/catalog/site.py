"""The catalog's pages: the overview with search and the lineage graph, a page per
product, a column lineage page per output port, and the IoT dashboard."""

from __future__ import annotations

import shutil
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from tools.catalog import dashboard
from tools.catalog.context import Site, script_json, script_var
from tools.catalog.lineage_page import lineage_page
from tools.catalog.overview import mesh_graph, overview, search_index
from tools.catalog.product_page import product_page

ASSETS = Path(__file__).parent / "assets"


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("tools.catalog", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def dashboards(site: Site) -> list[dashboard.TenantDashboard]:
    """The dashboard's data, queried before anything is written (a run database that
    cannot be read stops the build with nothing half-written)."""
    if site.run is None or not dashboard.available(site.mesh, site.run):
        return []
    ids = [t.id for t in site.settings.tenants]
    return dashboard.tenant_dashboards(site.mesh, site.run, ids)


def build(site: Site, out: Path, boards: list[dashboard.TenantDashboard]) -> list[Path]:
    """Write the whole site into `out` (an empty folder)."""
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

    write("data/index.js", script_var("MESH_INDEX", search_index(site)))
    write("data/graph.js", script_var("MESH_GRAPH", mesh_graph(site)))
    write("index.html", env.get_template("index.html").render(common, root="", **overview(site)))
    for pid in site.products:
        context = product_page(site, pid)
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
                    **lineage_page(site, pid, port.name),
                ),
            )
    if has_dashboard:
        tenants: list[str] = []
        for board in boards:
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
                f"window.MESH_DASHBOARD[{script_json(board.tenant)}] = {script_json(value)};\n",
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
