"""An embedded DuckDB standing in for a stack's BigQuery: one schema per product
dataset, tables from the contracts, and every transformation run as the stack
deploys it (the same SQL, placeholders resolved to local tables, transpiled
from BigQuery to DuckDB with sqlglot; the pipeline's own code for Dataflow)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import sqlglot
from sqlglot import exp
from sqlglot.errors import ErrorLevel, SqlglotError

from model import ProductBundle
from model import conventions as conv
from model.contract import BigQueryField
from model.errors import InputProblem, SpecIssue
from model.kinds import PipelineStep, SqlStep
from model.sql import OWN_INPUT, PortRef, SqlFile

_DUCK = {
    "STRING": "VARCHAR",
    "BYTES": "BLOB",
    "INT64": "BIGINT",
    "FLOAT64": "DOUBLE",
    "NUMERIC": "DECIMAL(38, 9)",
    "BIGNUMERIC": "DOUBLE",
    "BOOL": "BOOLEAN",
    "DATE": "DATE",
    "DATETIME": "TIMESTAMP",
    "TIMESTAMP": "TIMESTAMPTZ",
    "TIME": "TIME",
    "JSON": "JSON",
    "GEOGRAPHY": "VARCHAR",
}


class LocalRunError(InputProblem):
    """A product cannot run locally: `file: field: message` (exit 2)."""


def duck_type(f: BigQueryField) -> str:
    if f.type == "RECORD":
        inner = ", ".join(f'"{c.name}" {duck_type(c)}' for c in f.fields)
        base = f"STRUCT({inner})"
    else:
        base = _DUCK[f.type]
    return f"{base}[]" if f.mode == "REPEATED" else base


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class Warehouse:
    def __init__(self, path: Path, clock: datetime) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
        self.path = path
        self.clock = clock
        self.con = duckdb.connect(str(path))
        self.con.execute("SET TimeZone = 'UTC'")

    @classmethod
    def open_run(cls, path: Path, clock: datetime) -> Warehouse:
        """A finished run's database, read-only (the catalog queries it)."""
        warehouse = cls.__new__(cls)
        warehouse.path, warehouse.clock = path, clock
        warehouse.con = duckdb.connect(str(path), read_only=True)
        warehouse.con.execute("SET TimeZone = 'UTC'")
        return warehouse

    def close(self) -> None:
        self.con.close()

    # ---- tables -------------------------------------------------------------------

    def create_table(
        self, schema: str, table: str, fields: Sequence[BigQueryField], comment: str = ""
    ) -> None:
        self.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
        columns = ", ".join(
            f'"{f.name}" {duck_type(f)}' + (" NOT NULL" if f.mode == "REQUIRED" else "")
            for f in fields
        )
        self.con.execute(f'CREATE OR REPLACE TABLE "{schema}"."{table}" ({columns})')
        for f in fields:
            self.con.execute(
                f'COMMENT ON COLUMN "{schema}"."{table}"."{f.name}" IS {_quote(f.description)}'
            )
        if comment:
            self.con.execute(f'COMMENT ON TABLE "{schema}"."{table}" IS {_quote(comment)}')

    def load(self, schema: str, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert rows (dicts) by column name, through a JSON file DuckDB reads."""
        if not rows:
            return
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
            handle.write("".join(json.dumps(r, default=str) + "\n" for r in rows))
            name = handle.name
        try:
            self.load_files(schema, table, name)
        finally:
            Path(name).unlink(missing_ok=True)

    def load_files(self, schema: str, table: str, pattern: str) -> None:
        """Insert the JSON lines of every file matching `pattern`, by column name, typed as
        the table's columns (DuckDB reads them; nothing passes through Python)."""
        types = dict(
            self.con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = ? AND table_name = ?",
                [schema, table],
            ).fetchall()
        )
        spec = ", ".join(f"{_quote(c)}: {_quote(t)}" for c, t in types.items())
        self.con.execute(
            f'INSERT INTO "{schema}"."{table}" BY NAME SELECT * FROM read_json('
            f"{_quote(pattern)}, format = 'newline_delimited', columns = {{{spec}}})"
        )

    def count(self, relation: str, where: str = "TRUE") -> int:
        row = self.con.execute(f"SELECT COUNT(*) FROM {relation} WHERE {where}").fetchone()
        return int(row[0]) if row else 0

    # ---- SQL ----------------------------------------------------------------------

    def to_duckdb(self, sql: str, where: str) -> str:
        """BigQuery SQL as DuckDB runs it, with the run's clock as CURRENT_TIMESTAMP."""
        clock = self.clock.isoformat()

        def fix(node: exp.Expr) -> exp.Expr:
            if isinstance(node, exp.CurrentTimestamp):
                return exp.cast(exp.Literal.string(clock), "TIMESTAMPTZ")
            if isinstance(node, exp.CurrentDate):
                return exp.cast(exp.Literal.string(clock[:10]), "DATE")
            return node

        try:
            statements = [
                s.transform(fix) for s in sqlglot.parse(sql, read="bigquery") if s is not None
            ]
            return ";\n".join(
                s.sql(dialect="duckdb", unsupported_level=ErrorLevel.RAISE) for s in statements
            )
        except SqlglotError as exc:
            raise LocalRunError(
                SpecIssue(Path(where), "", f"cannot be transpiled to DuckDB: {exc}")
            ) from None


def relation(dataset: str, table: str) -> str:
    return f'"{dataset}"."{table}"'


class ProductRun:
    """Runs one product's transformation in the warehouse."""

    def __init__(
        self,
        warehouse: Warehouse,
        bundle: ProductBundle,
        datasets: dict[str, str],  # product id -> its dataset (every product of the run)
        bundles: dict[str, ProductBundle],
        overlay: Callable[[str, str], str] | None = None,
    ) -> None:
        self.w = warehouse
        self.bundle = bundle
        self.datasets = datasets
        self.bundles = bundles
        self.overlay = overlay  # (dataset, table) -> relation, for a principal's view
        self.compiled: dict[str, str] = {}  # SQL file -> DuckDB SQL (compile())
        self.events: dict[str, list[dict[str, Any]]] = {}  # pubsub port -> its messages

    @property
    def dataset(self) -> str:
        return self.datasets[self.bundle.id]

    def resolve(self, ref: PortRef) -> str:
        if ref.product == OWN_INPUT:  # a sheet's external table, a federated query's rows
            return self._ref(self.dataset, conv.external_table_id(ref.port))
        product = self.bundles[ref.product]
        out = product.spec.output_port(ref.port)
        assert out is not None  # validated
        return self._ref(self.datasets[ref.product], out.physical_name)

    def _ref(self, dataset: str, table: str) -> str:
        if self.overlay is not None:
            return self.overlay(dataset, table)
        return f"`{dataset}.{table}`"

    def render(self, sql: SqlFile) -> str:
        return self.w.to_duckdb(sql.render(self.resolve), str(sql.path))

    def compile(self) -> dict[str, str]:
        """Every SQL file of the transformation rendered and transpiled, before anything
        runs: a construct DuckDB cannot take stops the run before it starts."""
        fields = {step.sql: step.field for step in self.bundle.spec.sql_steps()}
        for rel, sql in self.bundle.sql.items():
            try:
                self.compiled[rel] = self.render(sql)
            except LocalRunError as exc:
                raise LocalRunError(
                    SpecIssue(self.bundle.path, fields.get(rel, ""), f"{rel} {exc.issue.message}")
                ) from None
        return self.compiled

    def _sql(self, rel: str) -> str:
        return self.compiled.get(rel) or self.render(self.bundle.sql[rel])

    def create_ports(self) -> None:
        self.w.con.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.dataset}"')
        for port in self.bundle.spec.output_ports:
            if port.stores_rows:
                contract = self.bundle.contracts[port.name]
                self.w.create_table(
                    self.dataset, port.physical_name, contract.fields, contract.description
                )

    def transform(self, work: Path) -> dict[str, str]:
        """Run the transformation; returns port -> error for the queries that failed on
        the data (a column that does not exist, a type that does not fit)."""
        spec = self.bundle.spec
        failed: dict[str, str] = {}
        for step in spec.sql_steps():
            port = spec.output_port(step.port)
            assert port is not None
            target = relation(self.dataset, port.physical_name)
            try:
                self._run_step(step, target, self._sql(step.sql))
            except duckdb.Error as exc:
                failed[port.name] = f"{step.sql}: {_first_line(exc)}"
        pipeline = spec.transformation.pipeline_step()
        if pipeline is not None:
            self._pipeline(pipeline, work)
        return failed

    def _run_step(self, step: SqlStep, target: str, query: str) -> None:
        if step.view:
            self.w.con.execute(f"CREATE OR REPLACE VIEW {target} AS {query}")
            self.w.con.execute(f"SELECT * FROM {target} LIMIT 0")  # binds every column
            return
        fields = self.bundle.contracts[step.port].fields
        columns = ", ".join(f'"{f.name}"' for f in fields)
        if step.truncate:
            self.w.con.execute(f"DELETE FROM {target}")
        self.w.con.execute(f"INSERT INTO {target} ({columns}) SELECT {columns} FROM ({query})")

    def _pipeline(self, t: PipelineStep, work: Path) -> None:
        """The pipeline's own code on Beam's direct runner, in batch: its Flex Template
        parameters from the spec, and each endpoint parameter the platform sets (README:
        "Pipelines") as its local counterpart, a file of JSON lines."""
        folder = self.bundle.folder / t.folder
        work = work / conv.sql_name(self.bundle.id)
        work.mkdir(parents=True, exist_ok=True)
        events = work / "events.jsonl"
        with events.open("w") as handle:  # streamed: a week of events is large
            for message in self.events.get(t.input_port, []):
                handle.write(json.dumps(message) + "\n")
        args = [sys.executable, str(folder / "main.py"), f"--input_file={events}"]
        args += [f"--{name}={value}" for name, value in sorted(t.parameters.items())]
        for port in self.bundle.spec.input_ports:
            up = port.upstream()
            if up is not None:
                upstream = self.bundles[up.product].spec.output_port(up.port)
                assert upstream is not None
                side = work / f"{conv.sql_name(port.name)}.jsonl"
                rows = self.w.con.execute(
                    f"SELECT * FROM {relation(self.datasets[up.product], upstream.physical_name)}"
                ).fetchall()
                names = [d[0] for d in self.w.con.description or []]
                side.write_text(
                    "".join(
                        json.dumps(dict(zip(names, r, strict=True)), default=_iso) + "\n"
                        for r in rows
                    )
                )
                args.append(f"--{conv.sql_name(port.name)}_file={side}")
        out = work / "pipeline"
        args += [f"--output_path={out / 'rows'}", f"--dead_letter_path={out / 'dead'}"]
        done = subprocess.run(args, capture_output=True, text=True, cwd=folder, check=False)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["(no output)"])[-1]
            raise LocalRunError(
                SpecIssue(
                    self.bundle.path, "transformation.pipeline", f"the pipeline failed: {last}"
                )
            )
        target = self.bundle.spec.output_port(t.output_port)
        assert target is not None
        if any(out.glob("rows-*")):
            self.w.load_files(self.dataset, target.physical_name, str(out / "rows-*"))
        if any(out.glob("dead-*")):
            self.w.con.execute(
                f"CREATE OR REPLACE TABLE {relation(self.dataset, conv.DEAD_LETTER_TABLE)} AS "
                f"SELECT * FROM read_json({_quote(str(out / 'dead-*'))}, "
                "format = 'newline_delimited')"
            )


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:300]


def _iso(value: Any) -> str:
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
