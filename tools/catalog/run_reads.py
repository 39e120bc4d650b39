"""The local run's database read as BigQuery would serve it: a port as one tenant reads
it (its row access policies applied, through every view), or as its owning product
sees it (every row). What the dashboards and the data profiles are drawn from."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb

from model.errors import SpecIssue
from model.mesh import Mesh
from tools.catalog.run_data import CatalogProblem, RunData
from tools.warehouse.checks import TenantReads
from tools.warehouse.engine import LocalRunError, ProductRun, Warehouse, relation

Row = dict[str, Any]


class RunReads:
    def __init__(self, mesh: Mesh, run: RunData, tenants: list[str], w: Warehouse) -> None:
        self.mesh, self.run, self.w = mesh, run, w
        datasets = {pid: mesh[pid].spec.dataset_id for pid in mesh.products}
        self.products = [p for p in run.report["products"] if p in mesh.products]
        runs = {
            pid: ProductRun(w, mesh[pid], datasets, dict(mesh.products)) for pid in self.products
        }
        self.tenant_reads = TenantReads(w, runs, tenants)

    def as_tenant(
        self, pid: str, port: str, tenant: str, columns: list[str], order: list[str], limit: int
    ) -> list[Row]:
        """The rows of `port` that `tenant` reads: `columns`, ordered, at most `limit`."""
        spec = self.mesh[pid].spec.output_port(port)
        assert spec is not None
        source = self.tenant_reads.source(pid, spec, tenant)
        return self._select(source, columns, order, limit)

    def as_owner(self, pid: str, port: str) -> str:
        """The relation of `port` as its product's identity reads it: every row."""
        spec = self.mesh[pid].spec.output_port(port)
        assert spec is not None
        return relation(self.mesh[pid].spec.dataset_id, spec.physical_name)

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        return self.w.con.execute(sql, params or []).fetchall()

    def _select(self, source: str, columns: list[str], order: list[str], limit: int) -> list[Row]:
        names = ", ".join(f'"{c}"' for c in columns)
        by = f" ORDER BY {', '.join(chr(34) + c + chr(34) for c in order)}" if order else ""
        cursor = self.w.con.execute(f"SELECT {names} FROM {source} AS t{by} LIMIT {int(limit)}")
        return [
            {c: plain(v) for c, v in zip(columns, row, strict=True)} for row in cursor.fetchall()
        ]


@contextmanager
def run_reads(mesh: Mesh, run: RunData, tenants: list[str]) -> Iterator[RunReads]:
    """Raises CatalogProblem when the run's database cannot be read as a run of this mesh."""
    try:
        w = Warehouse.open_run(run.database, run.clock)
    except duckdb.Error as exc:
        raise CatalogProblem(
            SpecIssue(run.database, "", f"not a readable DuckDB database: {_first(exc)}")
        ) from None
    try:
        yield RunReads(mesh, run, tenants, w)
    except (duckdb.Error, LocalRunError) as exc:
        raise CatalogProblem(
            SpecIssue(
                run.database,
                "",
                f"does not hold this mesh's ports as the catalog reads them ({_first(exc)}); "
                "run datamesh local again",
            )
        ) from None
    finally:
        w.close()


def plain(value: Any) -> Any:
    """A value as JSON holds it: times as ISO text (UTC), decimals as floats."""
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _first(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
