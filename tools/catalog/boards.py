"""Dashboards the products declare (`dashboards:` in product.yaml), drawn per tenant:
each chart reads its port as the chosen tenant (its row access policies applied through
every view), so a tenant's page holds that tenant's rows and nothing else. The catalog
names no product: any product's declared dashboards are drawn the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from model.contract import Contract
from model.dashboard import Chart, Dashboard
from model.mesh import Mesh
from tools.catalog.run_reads import Row, RunReads

MAX_ROWS = 20_000  # per chart and tenant: more is said, not silently cut
TIME_TYPES = {"TIMESTAMP": "time", "DATETIME": "time", "DATE": "date"}


@dataclass(frozen=True)
class Board:
    """One declared dashboard: its spec for the page, and each tenant's data."""

    product: str
    spec: Dashboard
    charts: list[dict[str, Any]]  # what site.js needs to draw each chart
    tenants: dict[str, dict[str, Any]] = field(default_factory=dict)  # tenant -> its data

    @property
    def key(self) -> str:
        return f"{self.product}--{self.spec.name}"

    @property
    def url(self) -> str:
        return f"dashboards/{self.key}.html"


def declared(mesh: Mesh, products: list[str]) -> list[tuple[str, Dashboard]]:
    return [(pid, board) for pid in products for board in mesh[pid].spec.dashboards]


def boards(reads: RunReads, products: list[str], tenants: list[str]) -> list[Board]:
    """Every dashboard of the products the run includes, with each tenant's rows."""
    out = []
    for pid, spec in declared(reads.mesh, [p for p in products if p in reads.products]):
        bundle = reads.mesh[pid]
        charts = []
        for chart in spec.charts:
            drawn = _chart_spec(chart, bundle.contracts[chart.port])
            drawn["tenant_column"] = _tenant_column(reads.mesh, pid, chart.port)
            if chart.markers is not None:
                drawn["marker_tenant_column"] = _tenant_column(reads.mesh, pid, chart.markers.port)
            charts.append(drawn)
        board = Board(pid, spec, charts)
        for tenant in tenants:
            board.tenants[tenant] = _tenant_data(reads, pid, spec, dict(bundle.contracts), tenant)
        out.append(board)
    return out


def _tenant_column(mesh: Mesh, pid: str, port: str) -> str | None:
    spec = mesh[pid].spec.output_port(port)
    return spec.tenant_column if spec else None


def _kind(contract: Contract, column: str | None) -> str:
    col = contract.column(column) if column else None
    if col is None:
        return "text"
    if col.type in TIME_TYPES:
        return TIME_TYPES[col.type]
    return "number" if col.type in {"INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC"} else "text"


def _chart_spec(chart: Chart, contract: Contract) -> dict[str, Any]:
    spec = chart.model_dump(exclude_none=True)
    spec["x_kind"] = _kind(contract, chart.x)
    spec["y_kind"] = _kind(contract, chart.y[0] if chart.y else None)
    spec["kinds"] = {f.name: _kind(contract, f.name) for f in contract.fields}
    spec["descriptions"] = {f.name: f.description for f in contract.fields}
    return spec


def _columns(
    chart: Chart, board: Dashboard, contract: Contract, tenant_column: str | None
) -> list[str]:
    wanted = [
        tenant_column,
        chart.x,
        *chart.y,
        chart.value,
        *chart.series,
        *(chart.columns or ([] if chart.type != "table" else [f.name for f in contract.fields])),
        *board.filters,
        board.tenant_name,
    ]
    have = {f.name for f in contract.fields}
    return list(dict.fromkeys(c for c in wanted if c and c in have))


def _tenant_data(
    reads: RunReads, pid: str, board: Dashboard, contracts: dict[str, Contract], tenant: str
) -> dict[str, Any]:
    charts = []
    name = ""
    for chart in board.charts:
        contract = contracts[chart.port]
        columns = _columns(chart, board, contract, _tenant_column(reads.mesh, pid, chart.port))
        order = [c for c in (chart.x, *chart.series) if c] or columns[:1]
        rows = reads.as_tenant(pid, chart.port, tenant, columns, order, MAX_ROWS + 1)
        data: dict[str, Any] = _by_column(rows[:MAX_ROWS], columns)
        data["truncated"] = len(rows) > MAX_ROWS
        if chart.markers is not None:
            m = chart.markers
            marker_contract = contracts[m.port]
            marker_tenant = _tenant_column(reads.mesh, pid, m.port)
            marker_columns = [
                c
                for c in dict.fromkeys(
                    [marker_tenant, m.x, m.y, *m.label, *m.series, *board.filters]
                )
                if c and marker_contract.column(c)
            ]
            markers = reads.as_tenant(pid, m.port, tenant, marker_columns, [m.x], MAX_ROWS)
            data["markers"] = _by_column(markers, marker_columns)
        if board.tenant_name and not name:
            name = next((str(r[board.tenant_name]) for r in rows if r.get(board.tenant_name)), "")
        charts.append(data)
    return {"tenant": tenant, "name": name, "charts": charts}


def _by_column(rows: list[Row], columns: list[str]) -> dict[str, Any]:
    return {"rows": len(rows), "columns": {c: [r[c] for r in rows] for c in columns}}
