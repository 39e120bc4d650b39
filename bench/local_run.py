"""Benchmark of `datamesh local` (the IoT mesh of iot-prod).

    .venv/bin/python bench/local_run.py [--large]

1 day x 100 devices (target: at most 60 s end to end on 2 cores) and, with
--large, 7 days x 1,000 devices (target: within 4 GiB). For the SQL products
the time `datamesh local` spends per product (render, transpile, run) is set
against DuckDB running the same transpiled statements directly on the same data,
measured in the same run (target: within 2x). Peak memory is the process's and
its children's (the pipeline runs as a child) high-water mark.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

import duckdb

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from model import load_mesh  # noqa: E402
from model.product import ScheduledQueries, Views  # noqa: E402
from tools.local.command import run_local  # noqa: E402
from tools.local.inputs import CLOCK  # noqa: E402
from tools.warehouse.engine import ProductRun, Warehouse, relation  # noqa: E402


def _peak_mib() -> tuple[float, float]:
    """Peak resident memory of this process (DuckDB, the checks) and of its largest child
    (the pipeline on Beam's direct runner), in MiB."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return own / 1024, children / 1024


def _direct_sql_seconds(db: Path, products: list[str]) -> dict[str, float]:
    """DuckDB alone: the same transpiled statements, timed on the finished database."""
    mesh = load_mesh(REPO / "products")
    datasets = {pid: mesh[pid].spec.dataset_id for pid in mesh.products}
    w = Warehouse.__new__(Warehouse)
    w.con = duckdb.connect(str(db))
    w.clock = CLOCK
    w.con.execute("SET TimeZone = 'UTC'")
    out: dict[str, float] = {}
    for pid in products:
        bundle = mesh[pid]
        run = ProductRun(w, bundle, datasets, dict(mesh.products))
        run.compile()  # transpiled once, outside the timing, as the local run does
        t = bundle.spec.transformation
        statements: list[str] = []
        # The same work the local run does: write the query's rows; create and bind views.
        if isinstance(t, ScheduledQueries):
            statements = [
                f"CREATE OR REPLACE TEMP TABLE bench_rows AS {run.compiled[q.sql]}"
                for q in t.queries
            ]
        elif isinstance(t, Views):
            for v in t.views:
                port = bundle.spec.output_port(v.port)
                assert port is not None
                view = relation(run.dataset, f"bench_{port.physical_name}")
                statements += [
                    f"CREATE OR REPLACE VIEW {view} AS {run.compiled[v.sql]}",
                    f"SELECT * FROM {view} LIMIT 0",
                ]
        if not statements:
            continue
        start = time.perf_counter()
        for sql in statements:
            w.con.execute(sql).fetchall()
        out[pid] = time.perf_counter() - start
    w.con.close()
    return out


def bench(days: int, devices: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        start = time.perf_counter()
        report = run_local(REPO, "iot-prod", None, out, days, devices, seed=0)
        total = time.perf_counter() - start
        direct = _direct_sql_seconds(out / "mesh.duckdb", report.products)
    rows = sum(report.rows.values())
    print(
        f"\n{days} day(s) x {devices} devices: {total:.1f} s end to end, "
        f"{rows:,} rows ({rows / total:,.0f} rows/s), peak MiB run {_peak_mib()[0]:,.0f}, "
        f"pipeline {_peak_mib()[1]:,.0f}, "
        f"{'passed' if not report.failures else 'FAILED'}"
    )
    for step, seconds in report.seconds.items():
        print(f"  {step:<20} {seconds:8.2f} s")
    for pid, seconds in direct.items():
        ours = report.seconds[f"{pid} transformation"]
        print(
            f"  SQL {pid:<16} local {ours:.3f} s, DuckDB alone {seconds:.3f} s, "
            f"ratio {ours / max(seconds, 1e-6):.1f}"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--large", action="store_true", help="also 7 days x 1,000 devices")
    args = parser.parse_args()
    bench(1, 100)
    if args.large:
        bench(7, 1000)
