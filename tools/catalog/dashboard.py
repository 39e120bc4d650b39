"""The IoT dashboard: per tenant, CO2 per room and hour with the actions taken as markers
on the same time axis, and the daily climate per building. Drawn from the local run's
analytics views queried as that tenant (its row filters applied to every base table the
views read), so a tenant's page holds that tenant's rows and nothing else."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import duckdb
import plotly.graph_objects as go

from model.errors import SpecIssue
from model.kinds import OutputPort
from model.mesh import Mesh
from tools.catalog.run_data import CatalogProblem, RunData
from tools.warehouse.checks import TenantReads
from tools.warehouse.engine import LocalRunError, ProductRun, Warehouse

PRODUCT = "iot-analytics"
UNPLACED = "(devices no longer placed)"
CO2_PORT = "co2-per-room-hourly"
CLIMATE_PORT = "climate-daily"


@dataclass(frozen=True)
class TenantDashboard:
    tenant: str
    co2: dict[str, Any]  # Plotly figure (data, layout)
    climate: dict[str, Any]
    climate_rows: list[dict[str, Any]]
    points: int  # CO2 points drawn
    actions: int  # action markers drawn


def available(mesh: Mesh, run: RunData | None) -> bool:
    if run is None or PRODUCT not in run.report.get("products", []):
        return False
    spec = mesh[PRODUCT].spec
    return all(spec.output_port(p) is not None for p in (CO2_PORT, CLIMATE_PORT))


def _rows(w: Warehouse, source: str, columns: str, order: str) -> list[dict[str, Any]]:
    cursor = w.con.execute(f"SELECT {columns} FROM {source} AS t ORDER BY {order}")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def tenant_dashboards(mesh: Mesh, run: RunData, tenants: list[str]) -> list[TenantDashboard]:
    """Raises CatalogProblem when the run's database cannot be read as a run of this mesh."""
    try:
        w = Warehouse.open_run(run.database, run.clock)
    except duckdb.Error as exc:
        raise CatalogProblem(
            SpecIssue(run.database, "", f"not a readable DuckDB database: {_first(exc)}")
        ) from None
    try:
        products = list(run.report["products"])
        datasets = {pid: mesh[pid].spec.dataset_id for pid in mesh.products}
        runs = {pid: ProductRun(w, mesh[pid], datasets, dict(mesh.products)) for pid in products}
        reads = TenantReads(w, runs, tenants)
        return [_one(w, mesh, reads, tenant) for tenant in tenants]
    except (duckdb.Error, LocalRunError) as exc:
        raise CatalogProblem(
            SpecIssue(
                run.database,
                "",
                f"does not hold this mesh's iot-analytics ports ({_first(exc)}); "
                "run datamesh local again",
            )
        ) from None
    finally:
        w.close()


def _first(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]


def _port(mesh: Mesh, name: str) -> OutputPort:
    port = mesh[PRODUCT].spec.output_port(name)
    assert port is not None
    assert port.serves_rows
    return port


def _one(w: Warehouse, mesh: Mesh, reads: TenantReads, tenant: str) -> TenantDashboard:
    co2_source = reads.source(PRODUCT, _port(mesh, CO2_PORT), tenant)
    climate_source = reads.source(PRODUCT, _port(mesh, CLIMATE_PORT), tenant)
    co2 = _rows(
        w,
        co2_source,
        "tenant_id, building, floor, room, device_id, hour, avg_co2_ppm, actions",
        "building, floor, room, hour",
    )
    climate = _rows(
        w,
        climate_source,
        "tenant_id, building, day, avg_co2_ppm, avg_temperature_c, avg_humidity_pct, "
        "max_occupancy, devices",
        "building, day",
    )
    co2_figure, points, actions = _co2_figure(co2)
    return TenantDashboard(
        tenant,
        co2_figure,
        _climate_figure(climate),
        [_plain(r | {"building": r["building"] or UNPLACED}) for r in climate],
        points,
        actions,
    )


def _room(row: dict[str, Any]) -> str:
    """Rooms as the device's placement names them; a device the tenant no longer has is
    unplaced (its readings of the time it was the tenant's are still the tenant's)."""
    if row["building"] is None:
        return f"unplaced device {row['device_id']}"
    floor = "" if row["floor"] is None else f" floor {row['floor']}"
    return f"{row['building']}{floor} {row['room'] or row['device_id']}"


def _co2_figure(rows: list[dict[str, Any]]) -> tuple[dict[str, Any], int, int]:
    by_room: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_room[_room(row)].append(row)
    fig = go.Figure()
    action_x, action_y, action_text, action_data = [], [], [], []
    for room, points in sorted(by_room.items()):
        fig.add_trace(
            go.Scatter(
                x=[p["hour"].isoformat() for p in points],
                y=[p["avg_co2_ppm"] for p in points],
                customdata=[[p["tenant_id"], room] for p in points],
                mode="lines+markers",
                name=room,
                hovertemplate="%{customdata[1]}<br>%{x}<br>%{y:.0f} ppm<extra></extra>",
            )
        )
        for p in points:
            for action in p["actions"] or []:
                action_x.append(action["taken_at"].isoformat())
                action_y.append(p["avg_co2_ppm"])
                action_text.append(f"{room}: {action['category']}: {action['action']}")
                action_data.append([p["tenant_id"], room])
    fig.add_trace(
        go.Scatter(
            x=action_x,
            y=action_y,
            text=action_text,
            customdata=action_data,
            mode="markers",
            name="action taken",
            marker={"symbol": "star", "size": 14, "color": "#b00020", "line": {"width": 1}},
            hovertemplate="%{text}<br>%{x}<extra></extra>",
        )
    )
    fig.update_layout(
        title="CO2 per room and hour, with the actions taken",
        xaxis_title="hour (UTC)",
        yaxis_title="mean CO2 (ppm)",
        legend_title="room (click to hide, double-click to isolate)",
        height=560,
        margin={"t": 50, "r": 10},
        template="plotly_white",
    )
    return fig.to_plotly_json(), len(rows), len(action_x)


def _climate_figure(rows: list[dict[str, Any]]) -> dict[str, Any]:
    by_building: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_building[row["building"] or UNPLACED].append(row)
    fig = go.Figure()
    for building, points in sorted(by_building.items()):
        fig.add_trace(
            go.Bar(
                x=[str(p["day"]) for p in points],
                y=[p["avg_co2_ppm"] for p in points],
                customdata=[[p["tenant_id"], building] for p in points],
                name=building,
                hovertemplate="%{customdata[1]}<br>%{x}<br>%{y:.0f} ppm<extra></extra>",
            )
        )
    fig.update_layout(
        title="Daily mean CO2 per building",
        xaxis_title="day (UTC)",
        xaxis_type="category",
        yaxis_title="mean CO2 (ppm)",
        barmode="group",
        legend_title="building",
        margin={"t": 50, "r": 10},
        template="plotly_white",
    )
    figure: dict[str, Any] = fig.to_plotly_json()
    return figure


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    return {
        k: (round(v, 1) if isinstance(v, float) else str(v) if v is not None else "")
        for k, v in row.items()
    }
