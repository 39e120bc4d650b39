"""`datamesh local`: run a stack's mesh on an embedded DuckDB and prove its contracts
and tenant isolation on generated data. Writes `mesh.duckdb` and `report.json`."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from model import Mesh
from model.fingerprint import mesh_digest
from model.product import DataflowFlexTemplate, GoogleSheetInput, TableOutput
from tools.local.checks import (
    CheckResult,
    Isolation,
    contract_checks,
    tenant_at_event_time,
    tenant_isolation,
)
from tools.local.sources import Sources, generate
from tools.local.warehouse import LocalRunError, ProductRun, Warehouse, relation
from tools.plan.stack_config import load_stack

REPORT_VERSION = 2  # 2: meshDigest and freshness


@dataclass
class LocalReport:
    stack: str
    clock: str
    window_days: int
    devices: int
    seed: int
    products: list[str] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)  # product.port -> rows
    checks: list[CheckResult] = field(default_factory=list)
    isolation: list[Isolation] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    mesh_digest: str = ""  # model/fingerprint.py over the products run
    freshness: dict[str, str] = field(default_factory=dict)  # product.port -> newest time

    @property
    def failures(self) -> list[str]:
        out = [f"{c.product}.{c.port}: {c.check}: {c.detail}" for c in self.checks if not c.passed]
        out += [
            f"{i.product}.{i.port}: {i.principal} saw {i.rows_seen} rows, {i.leaked} not its own "
            f"(owns {i.own_rows})"
            for i in self.isolation
            if not i.passed
        ]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "stack": self.stack,
            "clock": self.clock,
            "windowDays": self.window_days,
            "devices": self.devices,
            "seed": self.seed,
            "products": self.products,
            "rows": self.rows,
            "checks": [c.to_json() for c in self.checks],
            "isolation": [i.to_json() for i in self.isolation],
            "seconds": self.seconds,
            "meshDigest": self.mesh_digest,
            "freshness": self.freshness,
            "passed": not self.failures,
        }


def _sheet_rows(port: GoogleSheetInput, sources: Sources) -> list[dict[str, Any]]:
    """The generated source whose records carry this sheet's required columns."""
    needed = {c.name for c in port.columns if c.required}
    for rows in (sources.placements, sources.logbook):
        if rows and needed <= set(rows[0]):
            return rows
    return []


def run_local(
    project_dir: Path,
    stack: str,
    products_dir: Path | None,
    out: Path,
    days: int,
    devices: int,
    seed: int,
    progress: Callable[[str], None] = lambda _: None,
) -> LocalReport:
    """Build `out/mesh.duckdb` for `stack` and check it (raises SpecError, ConfigProblem,
    LocalRunError on bad input)."""
    _, mesh, settings = load_stack(project_dir, stack, products_dir)
    tenants = [t.id for t in settings.tenants]
    report = LocalReport(stack, "", days, devices, seed)
    started = time.perf_counter()
    sources = generate(tenants, days, devices, seed)
    report.clock = sources.clock.isoformat()
    report.seconds["generate"] = round(time.perf_counter() - started, 3)

    order = mesh.closure(settings.products)
    report.products = order
    report.mesh_digest = mesh_digest(mesh, order)
    datasets = {pid: mesh[pid].spec.dataset_id for pid in mesh.products}
    warehouse = Warehouse(out / "mesh.duckdb", sources.clock)
    runs = {pid: ProductRun(warehouse, mesh[pid], datasets, dict(mesh.products)) for pid in order}
    step = time.perf_counter()
    for run in runs.values():  # every query transpiled before anything runs
        try:
            run.compile()
        except LocalRunError:
            warehouse.close()
            raise
    report.seconds["compile"] = round(time.perf_counter() - step, 3)
    try:
        with tempfile.TemporaryDirectory() as scratch:
            work = Path(scratch)
            events = work / "events.jsonl"
            with events.open("w") as handle:  # streamed: a week of events is large
                for message in sources.messages:
                    handle.write(json.dumps(message) + "\n")
            for pid in order:
                step = time.perf_counter()
                progress(f"running {pid}")
                bundle = mesh[pid]
                run = runs[pid]
                run.create_ports()
                run.load_sheets(
                    {
                        p.name: _sheet_rows(p, sources)
                        for p in bundle.spec.input_ports
                        if isinstance(p, GoogleSheetInput)
                    }
                )
                run.load_federated({p.name: sources.customers for p in bundle.spec.input_ports})
                pipeline = isinstance(bundle.spec.transformation, DataflowFlexTemplate)
                transformed = time.perf_counter()
                failed = run.transform(events if pipeline else None, work)
                report.seconds[f"{pid} transformation"] = round(
                    time.perf_counter() - transformed, 3
                )
                report.checks += [
                    CheckResult(pid, port, "runs", False, error) for port, error in failed.items()
                ]
                for port in bundle.spec.output_ports:
                    if port.kind != "topic" and port.name not in failed:
                        report.rows[f"{pid}.{port.name}"] = warehouse.count(
                            relation(run.dataset, port.physical_name)
                        )
                report.seconds[pid] = round(time.perf_counter() - step, 3)
        step = time.perf_counter()
        progress("checking contracts")
        broken = {(c.product, c.port) for c in report.checks if c.check == "runs"}
        for pid in order:
            report.checks += contract_checks(warehouse, mesh[pid], datasets[pid], broken)
        report.checks += _tenant_at_event_time(warehouse, mesh, runs)
        progress("checking tenant isolation")
        report.isolation = tenant_isolation(warehouse, runs, tenants, broken)
        report.freshness = _freshness(warehouse, runs, broken)
        report.seconds["checks"] = round(time.perf_counter() - step, 3)
    finally:
        warehouse.close()
    report.seconds["total"] = round(time.perf_counter() - started, 3)
    (out / "report.json").write_text(json.dumps(report.to_json(), indent=2, default=str) + "\n")
    return report


def _tenant_at_event_time(
    warehouse: Warehouse, mesh: Mesh, runs: dict[str, ProductRun]
) -> list[CheckResult]:
    """For pipelines whose tenant comes from a validity-interval port (device -> tenant)."""
    out: list[CheckResult] = []
    for run in runs.values():
        t = run.bundle.spec.transformation
        if not isinstance(t, DataflowFlexTemplate):
            continue
        port = run.bundle.spec.output_port(t.output_port)
        if not isinstance(port, TableOutput) or not port.tenant_column:
            continue
        for source in t.lineage.get(port.tenant_column, []):
            name = source.split(".")[0]
            inp = run.bundle.spec.input_port(name)
            upstream = getattr(inp, "product", None)
            if upstream in runs and inp is not None:
                target = mesh[upstream].spec.output_port(inp.port)  # type: ignore[union-attr]
                if target is not None:
                    out.append(
                        tenant_at_event_time(
                            warehouse,
                            relation(run.dataset, port.physical_name),
                            relation(runs[upstream].dataset, target.physical_name),
                        )
                    )
    return out


def _freshness(
    warehouse: Warehouse, runs: dict[str, ProductRun], broken: set[tuple[str, str]]
) -> dict[str, str]:
    """Newest value of each port's freshness column (the contract's freshness SLA)."""
    out: dict[str, str] = {}
    for pid, run in runs.items():
        for port in run.bundle.spec.output_ports:
            if port.kind == "topic" or (pid, port.name) in broken:
                continue
            check = next(
                (c for c in run.bundle.contracts[port.name].checks if c.dimension == "FRESHNESS"),
                None,
            )
            if check is None or check.column is None:
                continue
            rel = relation(run.dataset, port.physical_name)
            row = warehouse.con.execute(f'SELECT MAX("{check.column}") FROM {rel}').fetchone()
            if row and row[0] is not None:
                out[f"{pid}.{port.name}"] = row[0].isoformat()
    return out
