"""The catalog's pages: the overview with search and the lineage graph, a page per
product (with each port's data profile), a column lineage page per output port, and
the dashboards the products declare, per tenant."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from tools.catalog.boards import Board, boards, declared
from tools.catalog.context import Site, script_json, script_var
from tools.catalog.lineage_page import lineage_page
from tools.catalog.overview import mesh_graph, overview, search_index
from tools.catalog.product_page import product_page
from tools.catalog.profiles import PortProfile, port_profile
from tools.catalog.run_reads import run_reads

ASSETS = Path(__file__).parent / "assets"


@dataclass
class RunPages:
    """What the pages draw from the local run's data, read before anything is written
    (a run database that cannot be read stops the build with nothing half-written)."""

    boards: list[Board] = field(default_factory=list)
    profiles: dict[tuple[str, str], PortProfile] = field(default_factory=dict)


def read_run_pages(site: Site) -> RunPages:
    if site.run is None:
        return RunPages()
    tenants = [t.id for t in site.settings.tenants]
    with run_reads(site.mesh, site.run, tenants) as reads:
        pages = RunPages(boards(reads, site.products, tenants))
        for pid in (p for p in site.products if p in reads.products):
            for port in site.mesh[pid].spec.output_ports:
                if port.serves_rows and site.run.rows(pid, port.name) is not None:
                    pages.profiles[(pid, port.name)] = port_profile(
                        reads, site.settings, pid, port.name, tenants
                    )
    return pages


def _env() -> Environment:
    return Environment(
        loader=PackageLoader("tools.catalog", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )


class _Writer:
    def __init__(self, out: Path) -> None:
        self.out, self.env, self.written = out, _env(), list[Path]()

    def text(self, rel: str, text: str) -> None:
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        self.written.append(path)

    def page(self, rel: str, template: str, **context: Any) -> None:
        self.text(rel, self.env.get_template(template).render(**context))


def build(site: Site, out: Path, pages: RunPages) -> list[Path]:
    """Write the whole site into `out` (an empty folder)."""
    w = _Writer(out)
    (out / "assets").mkdir(parents=True, exist_ok=True)
    for asset in sorted(ASSETS.iterdir()):
        shutil.copy(asset, out / "assets" / asset.name)
    w.text("assets/plotly.min.js", get_plotlyjs())
    common = {
        "stack": site.stack,
        "run": site.run,
        "dashboards": [
            {"product": pid, "title": d.title, "url": f"dashboards/{pid}--{d.name}.html"}
            for pid, d in declared(site.mesh, site.products)
        ],
    }
    w.text("data/index.js", script_var("MESH_INDEX", search_index(site)))
    w.text("data/graph.js", script_var("MESH_GRAPH", mesh_graph(site)))
    w.page("index.html", "index.html", **common, root="", **overview(site))
    for pid in site.products:
        context = product_page(site, pid, pages.profiles)
        w.page(f"products/{pid}.html", "product.html", **common, root="../", title=pid, p=context)
        for port in site.mesh[pid].spec.output_ports:
            w.page(
                site.lineage_url(pid, port.name),
                "lineage.html",
                **common,
                root="../",
                title=f"{pid}.{port.name} lineage",
                **lineage_page(site, pid, port.name),
            )
    _dashboards(site, w, pages.boards, common)
    return w.written


def _dashboards(site: Site, w: _Writer, drawn: list[Board], common: dict[str, Any]) -> None:
    w.page("dashboards/index.html", "dashboards.html", **common, root="../", title="Dashboards")
    window = ""
    if site.run is not None:
        report = site.run.report
        window = f"{report.get('windowDays')} day(s) up to {report.get('clock')}"
    for board in drawn:
        for tenant, data in board.tenants.items():
            w.text(
                f"data/board--{board.key}--{tenant}.js",
                f"window.MESH_BOARD = window.MESH_BOARD || {{}};\n"
                f"window.MESH_BOARD[{script_json(board.key)}] = "
                f"window.MESH_BOARD[{script_json(board.key)}] || {{}};\n"
                f"window.MESH_BOARD[{script_json(board.key)}][{script_json(tenant)}] = "
                f"{script_json(data)};\n",
            )
        spec = {"key": board.key, "filters": board.spec.filters, "charts": board.charts}
        w.page(
            board.url,
            "dashboard.html",
            **common,
            root="../",
            title=board.spec.title,
            board=board,
            tenants=[(t, d["name"]) for t, d in board.tenants.items()],
            window=window,
            spec=script_var("MESH_BOARD_SPEC", spec),
        )
