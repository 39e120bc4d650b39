"""Dashboards a product declares over its own output ports (`dashboards:` in
product.yaml), rendered per tenant by the catalog: each chart reads its port as the
chosen tenant, so a tenant's dashboard holds that tenant's rows only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal, Protocol

from pydantic import Field, StringConstraints

from model.contract import Contract
from model.kinds import OutputKind
from model.spec_types import Column, Slug, StrictModel, Text

ChartType = Literal["line", "bar", "heatmap", "table"]
Label = Annotated[str, StringConstraints(min_length=1, max_length=120)]


class ReferenceLine(StrictModel):
    """A horizontal line across the chart at `value` (e.g. a threshold)."""

    value: float
    label: Label


class ReferenceBand(StrictModel):
    """A shaded band between two values on the y axis (e.g. a comfort range)."""

    low: float
    high: float
    label: Label


class Markers(StrictModel):
    """Events from another output port of the product drawn on the chart: at `x`, at the
    height `y`, labelled by `label`, on the series whose `series` columns they match."""

    port: Slug
    x: Column
    y: Column
    label: list[Column] = Field(min_length=1, description="Columns shown with each marker")
    series: list[Column] = Field(
        default_factory=list,
        description="Columns matched to the chart's series columns (same order), so a "
        "marker sits on its own line; empty: markers are their own series",
    )
    name: Label = "events"


class Chart(StrictModel):
    title: Text
    port: Slug = Field(description="A table or view output port of this product")
    type: ChartType
    x: Column | None = Field(default=None, description="Horizontal axis (line, bar, heatmap)")
    y: list[Column] = Field(
        default_factory=list,
        description="Values (line, bar: one trace per column and series); a heatmap's rows "
        "(their values joined, e.g. [building, room])",
    )
    value: Column | None = Field(default=None, description="Heatmap cell value")
    series: list[Column] = Field(
        default_factory=list, description="One line or bar group per distinct value"
    )
    columns: list[Column] = Field(default_factory=list, description="Table columns (all: [])")
    x_title: Label | None = None
    y_title: Label | None = None
    reference_lines: list[ReferenceLine] = Field(default_factory=list)
    bands: list[ReferenceBand] = Field(default_factory=list)
    markers: Markers | None = None


class Dashboard(StrictModel):
    name: Slug
    title: Text
    description: Text | None = None
    tenant_name: Column | None = Field(
        default=None,
        description="A column of the charts' ports holding the tenant's display name",
    )
    filters: list[Column] = Field(
        default_factory=list,
        description="Columns the reader can filter every chart by (a select each)",
    )
    charts: list[Chart] = Field(min_length=1)


NUMERIC = frozenset({"INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC"})


class _Report(Protocol):
    def add(self, field: str, message: str, code: str = "") -> None: ...


def check_dashboards(
    out: _Report,
    dashboards: list[Dashboard],
    ports: Mapping[str, OutputKind],
    contracts: Mapping[str, Contract],
) -> None:
    """Every chart reads a table or view port of the product and names columns its
    contract has, of a type the chart can draw."""
    for d, board in enumerate(dashboards):
        where = f"dashboards[{d}]"
        read: list[Contract] = []
        for c, chart in enumerate(board.charts):
            contract = _port_contract(
                out, f"{where}.charts[{c}].port", chart.port, ports, contracts
            )
            if contract is not None:
                read.append(contract)
                _check_chart(out, f"{where}.charts[{c}]", chart, contract)
                if chart.markers is not None:
                    _check_markers(out, f"{where}.charts[{c}].markers", chart, ports, contracts)
        for f, column in enumerate(board.filters):
            if read and not any(c.column(column) for c in read):
                out.add(f"{where}.filters[{f}]", f"no chart's port has column {column!r}")
        if board.tenant_name and read and not any(c.column(board.tenant_name) for c in read):
            out.add(f"{where}.tenant_name", f"no chart's port has column {board.tenant_name!r}")
    names = [b.name for b in dashboards]
    for name in sorted({n for n in names if names.count(n) > 1}):
        out.add("dashboards", f"dashboard name {name!r} is used twice")


def _port_contract(
    out: _Report,
    where: str,
    port: str,
    ports: Mapping[str, OutputKind],
    contracts: Mapping[str, Contract],
) -> Contract | None:
    spec = ports.get(port)
    if spec is None or not spec.serves_rows:
        known = ", ".join(sorted(n for n, p in ports.items() if p.serves_rows)) or "none"
        out.add(where, f"{port!r} is not a table or view output port of the product ({known})")
        return None
    return contracts.get(port)


def _column(
    out: _Report, where: str, contract: Contract, name: str | None, numeric: bool = False
) -> None:
    if name is None:
        return
    col = contract.column(name)
    if col is None:
        out.add(where, f"column {name!r} is not in contract {contract.path.name}")
    elif col.mode == "REPEATED" or col.type == "RECORD":
        out.add(where, f"column {name!r} is {col.mode} {col.type}; a chart draws plain values")
    elif numeric and col.type not in NUMERIC:
        out.add(where, f"column {name!r} is {col.type}; this axis needs a number")


def _check_chart(out: _Report, where: str, chart: Chart, contract: Contract) -> None:
    needs = {
        "line": ("x", "y"),
        "bar": ("x", "y"),
        "heatmap": ("x", "y", "value"),
        "table": (),
    }[chart.type]
    for name in needs:
        if not getattr(chart, name):
            out.add(f"{where}.{name}", f"a {chart.type} chart needs `{name}`")
    _column(out, f"{where}.x", contract, chart.x)
    for i, y in enumerate(chart.y):
        _column(out, f"{where}.y[{i}]", contract, y, numeric=chart.type != "heatmap")
    _column(out, f"{where}.value", contract, chart.value, numeric=True)
    for i, s in enumerate(chart.series):
        _column(out, f"{where}.series[{i}]", contract, s)
    for i, c in enumerate(chart.columns):
        _column(out, f"{where}.columns[{i}]", contract, c)
    for i, band in enumerate(chart.bands):
        if band.low >= band.high:
            out.add(f"{where}.bands[{i}]", f"low {band.low} is not below high {band.high}")
    if chart.type == "table" and (chart.reference_lines or chart.bands or chart.markers):
        out.add(where, "a table has no reference lines, bands or markers")


def _check_markers(
    out: _Report,
    where: str,
    chart: Chart,
    ports: Mapping[str, OutputKind],
    contracts: Mapping[str, Contract],
) -> None:
    markers = chart.markers
    assert markers is not None
    contract = _port_contract(out, f"{where}.port", markers.port, ports, contracts)
    if contract is None:
        return
    _column(out, f"{where}.x", contract, markers.x)
    _column(out, f"{where}.y", contract, markers.y, numeric=True)
    for i, c in enumerate(markers.label):
        _column(out, f"{where}.label[{i}]", contract, c)
    for i, c in enumerate(markers.series):
        _column(out, f"{where}.series[{i}]", contract, c)
    if markers.series and len(markers.series) != len(chart.series):
        out.add(
            f"{where}.series",
            f"matches {len(markers.series)} column(s) to the chart's {len(chart.series)} series "
            "column(s); give one per series column",
        )
