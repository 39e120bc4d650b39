"""`datamesh local`: run a stack's mesh on an embedded DuckDB and prove its contracts
and tenant isolation on data: each input port's fixture, or rows generated from its
declared columns. Writes `mesh.duckdb` and `report.json`."""

from __future__ import annotations

import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from model import Mesh
from model.fingerprint import mesh_digest
from tools.local.inputs import LocalContext, PortData, input_data
from tools.local.inputs.kinds import holds_rows, materialise
from tools.stack import load_stack
from tools.warehouse.checks import CheckResult, contract_checks, tenant_isolation
from tools.warehouse.engine import LocalRunError, ProductRun, Warehouse, relation
from tools.warehouse.report import LocalReport


class _Clock:
    def __init__(self, report: LocalReport) -> None:
        self.report, self.started = report, time.perf_counter()

    def lap(self, name: str, since: float) -> float:
        now = time.perf_counter()
        self.report.seconds[name] = round(now - since, 3)
        return now


def run_local(
    project_dir: Path,
    stack: str,
    products_dir: Path | None,
    out: Path,
    days: int,
    scale: int,
    seed: int,
    progress: Callable[[str], None] = lambda _: None,
) -> LocalReport:
    """Build `out/mesh.duckdb` for `stack` and check it (raises an InputProblem subclass
    or SpecError on bad input: exit 2)."""
    context = load_stack(project_dir, stack, products_dir)
    mesh, settings = context.mesh, context.settings
    tenants = [t.id for t in settings.tenants]
    ctx = LocalContext.of(tenants, days, seed, scale)
    report = LocalReport(stack, ctx.clock.isoformat(), days, scale, seed)
    clock = _Clock(report)
    order = mesh.closure(settings.products)
    report.products, report.mesh_digest = order, mesh_digest(mesh, order)
    data = input_data(mesh, order, ctx)
    report.inputs = {key: _input_summary(d) for key, d in data.items()}
    step = clock.lap("inputs", clock.started)
    datasets = {pid: mesh[pid].spec.dataset_id for pid in mesh.products}
    warehouse = Warehouse(out / "mesh.duckdb", ctx.clock)
    try:
        runs = {
            pid: ProductRun(warehouse, mesh[pid], datasets, dict(mesh.products)) for pid in order
        }
        for run in runs.values():  # every query transpiled before anything runs
            run.compile()
        step = clock.lap("compile", step)
        broken = _run_products(mesh, runs, data, report, progress)
        progress("checking contracts and tenant isolation")
        step = time.perf_counter()
        for pid in order:
            report.checks += contract_checks(warehouse, mesh[pid], datasets[pid], broken)
        report.isolation = tenant_isolation(warehouse, runs, tenants, broken)
        report.freshness = _freshness(warehouse, runs, broken)
        clock.lap("checks", step)
    finally:
        warehouse.close()
    clock.lap("total", clock.started)
    (out / "report.json").write_text(json.dumps(report.to_json(), indent=2, default=str) + "\n")
    return report


def _input_summary(data: PortData) -> dict[str, Any]:
    return {"source": data.source, "rows": len(data.rows), "notes": list(data.notes)}


def _run_products(
    mesh: Mesh,
    runs: dict[str, ProductRun],
    data: dict[str, PortData],
    report: LocalReport,
    progress: Callable[[str], None],
) -> set[tuple[str, str]]:
    """Each product's inputs materialised and its transformation run, in lineage order;
    returns the (product, port) pairs whose query failed on the data."""
    broken: set[tuple[str, str]] = set()
    with tempfile.TemporaryDirectory() as scratch:
        for pid, run in runs.items():
            progress(f"running {pid}")
            run.create_ports()
            for port in mesh[pid].spec.input_ports:
                if holds_rows(port):
                    materialise(run, port, data[f"{pid}.{port.name}"].rows)
            started = time.perf_counter()  # the transformation alone, as DuckDB would run it
            failed = run.transform(Path(scratch))
            report.seconds[f"{pid} transformation"] = round(time.perf_counter() - started, 3)
            report.checks += [CheckResult(pid, p, "runs", False, e) for p, e in failed.items()]
            broken |= {(pid, p) for p in failed}
            for out in mesh[pid].spec.output_ports:
                if out.serves_rows and out.name not in failed:
                    rel = relation(run.dataset, out.physical_name)
                    report.rows[f"{pid}.{out.name}"] = run.w.count(rel)
    return broken


def _freshness(
    warehouse: Warehouse, runs: dict[str, ProductRun], broken: set[tuple[str, str]]
) -> dict[str, str]:
    """Newest value of each port's freshness column (the contract's freshness SLA)."""
    out: dict[str, str] = {}
    for pid, run in runs.items():
        for port in run.bundle.spec.output_ports:
            if not port.serves_rows or (pid, port.name) in broken:
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


__all__ = ["LocalReport", "LocalRunError", "run_local"]
