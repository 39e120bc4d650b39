"""Contracts and tenant isolation, proven on the local run's data.

Contracts: every port's columns, types and modes against its contract, REQUIRED
columns without NULLs, and the contract's compiled quality checks (the same
`model.quality` checks the Dataplex scans run), relative to the run's clock.

Tenant isolation, with BigQuery's semantics: a row access policy applies to a
base table whichever view reads it. For each tenant principal, every port it
may read is queried with that tenant's filter applied to every base table the
query touches; every row it sees must be its own, and it must see all of its
own rows. A principal named in no policy of a filtered table sees nothing.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from model import ProductBundle
from model import conventions as conv
from model.contract import BigQueryField, Contract
from model.kinds import OutputPort
from model.quality import scan_filter
from tools.warehouse.engine import ProductRun, Warehouse, duck_type, relation

NO_POLICY = "(no policy)"  # a principal named in no row access policy


@dataclass(frozen=True)
class CheckResult:
    product: str
    port: str
    check: str
    passed: bool
    detail: str = ""
    samples: list[Any] = field(default_factory=list)
    examined: int | None = None  # rows the check read (None: it reads no rows)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


NOTHING_SEEN = "examined no rows: nothing is proven on rows the check cannot see"


def check_result(pid: str, port: str, name: str, description: str, row: Any) -> CheckResult:
    """A check's row (passed, value, examined) as its result: no row examined fails."""
    examined = int(row[2]) if row and row[2] is not None else 0
    if examined == 0:
        return CheckResult(pid, port, name, False, f"{description}: {NOTHING_SEEN}", [], 0)
    passed = bool(row and row[0])
    value = row[1] if row else None
    return CheckResult(pid, port, name, passed, f"{description}: value {value}", [], examined)


@dataclass(frozen=True)
class Isolation:
    principal: str
    product: str
    port: str
    rows_seen: int
    own_rows: int
    leaked: int

    @property
    def proven(self) -> bool:
        """A tenant with no rows of its own proves nothing about what it would see."""
        return self.own_rows > 0 or self.principal == NO_POLICY

    @property
    def passed(self) -> bool:
        return self.proven and self.leaked == 0 and self.rows_seen == self.own_rows

    @property
    def verdict(self) -> str:
        if not self.proven:
            return f"{self.principal} has no rows here: isolation not proven (no data)"
        return (
            f"{self.principal} saw {self.rows_seen} rows, {self.leaked} not its own "
            f"(owns {self.own_rows})"
        )

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "proven": self.proven, "passed": self.passed}


def _family(type_name: str) -> str:
    t = type_name.upper()
    for prefix, family in (
        ("STRUCT", "RECORD"),
        ("TIMESTAMP WITH TIME ZONE", "TIMESTAMP"),
        ("TIMESTAMPTZ", "TIMESTAMP"),
        ("TIMESTAMP", "DATETIME"),
        ("VARCHAR", "STRING"),
        ("BIGINT", "INT64"),
        ("INTEGER", "INT64"),
        ("HUGEINT", "INT64"),
        ("DOUBLE", "FLOAT64"),
        ("FLOAT", "FLOAT64"),
        ("DECIMAL", "NUMERIC"),
        ("BOOLEAN", "BOOL"),
        ("DATE", "DATE"),
        ("TIME", "TIME"),
        ("BLOB", "BYTES"),
        ("JSON", "JSON"),
    ):
        if t.startswith(prefix):
            return family + ("[]" if t.endswith("[]") else "")
    return t


def _expected_family(f: BigQueryField) -> str:
    return _family(duck_type(f))


def contract_checks(
    w: Warehouse, bundle: ProductBundle, dataset: str, broken: set[tuple[str, str]]
) -> list[CheckResult]:
    """Each table and view port against its contract: its schema, then (on rows) every
    compiled rule. A port with no rows proves none of them."""
    out: list[CheckResult] = []
    for port in bundle.spec.output_ports:
        if not port.serves_rows or (bundle.id, port.name) in broken:
            continue
        contract = bundle.contracts[port.name]
        schema, complete = _schema_check(
            w, bundle.id, port.name, dataset, port.physical_name, contract
        )
        out.append(schema)
        if not complete:
            continue
        rows = w.count(relation(dataset, port.physical_name))
        out.append(
            CheckResult(
                bundle.id, port.name, "has rows", rows > 0, _EMPTY if rows == 0 else f"{rows} rows"
            )
        )
        if rows == 0:  # every rule holds on no rows: none of them is proven
            continue
        table = f"`{dataset}.{port.physical_name}`"
        where = scan_filter(port.required_filter_column(), contract)
        if where is not None:  # the window every check reads, as BigQuery requires
            seen = w.count(relation(dataset, port.physical_name), w.to_duckdb(where, "scan filter"))
            out.append(
                CheckResult(
                    bundle.id,
                    port.name,
                    "rows in the checks' window",
                    seen > 0,
                    f"{seen} of {rows} rows where {where}",
                )
            )
            if seen == 0:
                continue
        out += _rule_checks(w, bundle.id, port.name, table, contract, where)
    return out


def _schema_check(
    w: Warehouse, pid: str, port: str, dataset: str, table: str, contract: Contract
) -> tuple[CheckResult, bool]:
    """The port's columns and their types against the contract; whether none is missing."""
    actual = {
        name: _family(kind)
        for name, kind in w.con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_schema = ? AND table_name = ? ORDER BY ordinal_position",
            [dataset, table],
        ).fetchall()
    }
    expected = {f.name: _expected_family(f) for f in contract.fields}
    missing = sorted(set(expected) - set(actual))
    extra = sorted(set(actual) - set(expected))
    mismatched = sorted(
        f"{c}: contract {expected[c]}, data {actual[c]}"
        for c in set(expected) & set(actual)
        if expected[c] != actual[c] and (expected[c], actual[c]) not in _COMPATIBLE
    )
    detail = "; ".join(
        [f"missing {', '.join(missing)}"] * bool(missing)
        + [f"not in the contract {', '.join(extra)}"] * bool(extra)
        + mismatched
    )
    return CheckResult(pid, port, "schema", not detail, detail), not missing


def _rule_checks(
    w: Warehouse, pid: str, port: str, table: str, contract: Contract, where: str | None
) -> list[CheckResult]:
    """Every compiled rule of the contract (REQUIRED columns are its `not-null` checks),
    on the rows `where` keeps (the partition filter the table requires)."""
    out: list[CheckResult] = []
    for check in contract.checks:
        sql = w.to_duckdb(check.holds_sql(table, where), str(contract.path))
        try:
            row = w.con.execute(sql).fetchone()
        except Exception as exc:  # a check the data cannot answer is a failed check
            out.append(CheckResult(pid, port, check.name, False, str(exc)[:300]))
            continue
        out.append(check_result(pid, port, check.name, check.description, row))
    return out


_EMPTY = (
    "no rows: its checks are not proven (give its inputs fixtures, or see why the "
    "transformation kept none)"
)

# DuckDB types that hold what the contract's BigQuery type promises.
_COMPATIBLE = {("FLOAT64", "NUMERIC"), ("NUMERIC", "FLOAT64"), ("INT64", "FLOAT64")}


class TenantReads:
    """Ports as a principal reads them in BigQuery: a table through its row access
    policy; a view over the base tables' policies (an authorized view applies them to
    its readers); a principal named in no policy sees nothing."""

    def __init__(self, w: Warehouse, runs: dict[str, ProductRun], tenants: list[str]) -> None:
        self.w, self.runs, self.tenants = w, runs, tenants
        # (dataset, table) -> tenant column, for every table the run's row policies filter
        self.filtered = {
            (run.dataset, port.physical_name): port.tenant_column
            for run in runs.values()
            for port in run.bundle.spec.output_ports
            if port.stores_rows and port.tenant_column
        }

    def source(self, pid: str, port: OutputPort, principal: str) -> str:
        """A relation (SQL) holding the rows of `port` that `principal` sees."""
        run = self.runs[pid]
        keeps = principal in self.tenants
        view = next(
            (s for s in run.bundle.spec.sql_steps() if s.port == port.name and s.view), None
        )
        if view is not None:

            def overlay(dataset: str, table: str) -> str:
                tenant = self.filtered.get((dataset, table))
                if tenant is None:
                    return f"`{dataset}.{table}`"
                keep = f"{tenant} = '{principal}'" if keeps else "FALSE"
                return f"(SELECT * FROM `{dataset}.{table}` WHERE {keep})"

            as_them = ProductRun(self.w, run.bundle, run.datasets, run.bundles, overlay)
            return f"({as_them.render(run.bundle.sql[view.sql])})"
        rel = relation(run.dataset, port.physical_name)
        column = port.tenant_column
        keep = f"\"{column}\" = '{principal}'" if column and keeps else "FALSE"
        return f"(SELECT * FROM {rel} WHERE {keep})"


def tenant_isolation(
    w: Warehouse,
    runs: dict[str, ProductRun],
    tenants: list[str],
    broken: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
) -> list[Isolation]:
    """Every tenant principal against every port it can read (tenant-scoped ports)."""
    reads = TenantReads(w, runs, tenants)
    results: list[Isolation] = []
    for principal in [*tenants, NO_POLICY]:
        for pid, run in runs.items():
            for port in run.bundle.spec.output_ports:
                column = port.tenant_column
                if not column or not port.serves_rows:
                    continue
                if (pid, port.name) in broken:
                    continue
                rel = relation(run.dataset, port.physical_name)
                source = reads.source(pid, port, principal)
                seen = w.count(source)
                leaked = w.count(source, f"\"{column}\" IS DISTINCT FROM '{principal}'")
                own = w.count(rel, f"\"{column}\" = '{principal}'") if principal in tenants else 0
                results.append(Isolation(principal, pid, port.name, seen, own, leaked))
    return results


__all__ = ["CheckResult", "Isolation", "contract_checks", "conv", "tenant_isolation"]
