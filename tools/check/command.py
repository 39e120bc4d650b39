"""`datamesh check`: the contract checks of `datamesh local`, run against a deployed
stack's BigQuery tables with the user's application default credentials.

The checks are the same compiled ones (`model/quality.py`: each a BigQuery query
returning `passed` and `value`) that the local run executes transpiled to DuckDB
and the Dataplex scans run; table names come from the stack's mesh registry (the
JSON `pulumi stack output --json` prints).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from model import Mesh, load_mesh
from model.contract import BigQueryField
from model.errors import InputProblem, SpecIssue
from model.quality import scan_filter
from tools.registry import RegistryProblem, read_registry, registry_ids_problem
from tools.warehouse.checks import NOTHING_SEEN, CheckResult, check_result


class CheckProblem(InputProblem):
    """A registry or credentials `datamesh check` cannot use."""


@dataclass(frozen=True)
class PortQuery:
    product: str
    port: str
    check: str
    description: str
    sql: str  # BigQuery SQL returning one row (passed, value)


def port_queries(mesh: Mesh, registry: dict[str, Any]) -> list[PortQuery]:
    """Every check of every table and view port the registry lists, on its deployed table."""
    out: list[PortQuery] = []
    for product, entry in sorted(registry.items()):
        bundle = mesh.products.get(product)
        ports = (entry or {}).get("outputPorts") or {}
        if bundle is None:
            continue
        for name, port in sorted(ports.items()):
            spec = bundle.spec.output_port(name)
            if spec is None or not spec.serves_rows:
                continue
            table = f"`{port['project']}.{port['datasetId']}.{port['resourceId']}`"
            contract = bundle.contracts[name]
            where = scan_filter(spec.required_filter_column(), contract)
            for check in contract.checks:
                out.append(
                    PortQuery(
                        product, name, check.name, check.description, check.holds_sql(table, where)
                    )
                )
    return out


BIGQUERY_SCOPE = "https://www.googleapis.com/auth/bigquery"  # jobs.insert and tables.get
EMULATOR_ENV = "BIGQUERY_EMULATOR_HOST"
ClientFactory = Callable[[str, str | None], Any]  # (billing project, identity) -> client


def default_client(project: str, identity: str | None, endpoint: str | None = None) -> Any:
    """A BigQuery client: against `endpoint` (an emulator) anonymously; else with the
    user's application default credentials, impersonating `identity` when given (the
    product's service account, which every row policy of its tables lets read all rows)."""
    import google.auth
    from google.auth import impersonated_credentials
    from google.auth.credentials import AnonymousCredentials
    from google.auth.exceptions import DefaultCredentialsError
    from google.cloud import bigquery

    endpoint = endpoint or (
        f"http://{os.environ[EMULATOR_ENV]}" if os.environ.get(EMULATOR_ENV) else None
    )
    if endpoint:
        return bigquery.Client(
            project=project,
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
            client_options={"api_endpoint": endpoint},
        )
    try:
        credentials, _ = google.auth.default(scopes=[BIGQUERY_SCOPE])
    except DefaultCredentialsError:
        raise CheckProblem(
            SpecIssue(
                Path("command line"),
                "credentials",
                "no Google Cloud application default credentials: run `gcloud auth "
                "application-default login` (or set GOOGLE_APPLICATION_CREDENTIALS)",
            )
        ) from None
    if identity:
        credentials = impersonated_credentials.Credentials(  # type: ignore[no-untyped-call]
            source_credentials=credentials,
            target_principal=identity,
            target_scopes=[BIGQUERY_SCOPE],
        )
    return bigquery.Client(project=project, credentials=credentials)


@dataclass(frozen=True)
class PortTable:
    product: str
    port: str
    table: str  # project.dataset.table
    fields: tuple[BigQueryField, ...]  # the contract's columns
    view: bool = False  # BigQuery reports every column of a view NULLABLE
    window: str | None = None  # the filter a query of it needs (a required partition filter)


def port_tables(mesh: Mesh, registry: dict[str, Any]) -> list[PortTable]:
    out: list[PortTable] = []
    for product, entry in sorted(registry.items()):
        bundle = mesh.products.get(product)
        if bundle is None:
            continue
        for name, port in sorted(((entry or {}).get("outputPorts") or {}).items()):
            spec = bundle.spec.output_port(name)
            if spec is not None and spec.serves_rows:
                table = f"{port['project']}.{port['datasetId']}.{port['resourceId']}"
                contract = bundle.contracts[name]
                window = scan_filter(spec.required_filter_column(), contract)
                out.append(
                    PortTable(product, name, table, contract.fields, not spec.stores_rows, window)
                )
    return out


_LEGACY = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "STRUCT": "RECORD"}


def schema_result(port: PortTable, deployed: Any) -> CheckResult:
    """The deployed table's columns, types and modes against the contract. A view's
    columns are all NULLABLE to BigQuery: its REQUIRED columns are proven by the not-null
    checks instead, and only REPEATED is compared."""

    def mode(m: str | None) -> str:
        m = m or "NULLABLE"
        return "NULLABLE" if port.view and m == "REQUIRED" else m

    have = {f.name: (_LEGACY.get(f.field_type, f.field_type), mode(f.mode)) for f in deployed}
    want = {f.name: (f.type, mode(f.mode)) for f in port.fields}
    problems = [f"missing {c}" for c in sorted(set(want) - set(have))]
    problems += [f"not in the contract {c}" for c in sorted(set(have) - set(want))]
    problems += [
        f"{c}: contract {' '.join(want[c])}, table {' '.join(have[c])}"
        for c in sorted(set(want) & set(have))
        if want[c] != have[c]
    ]
    return CheckResult(port.product, port.port, "schema", not problems, "; ".join(problems))


def visible_rows(port: PortTable, deployed: Any, client: Any) -> CheckResult:
    """The rows the checking identity sees against the rows the table holds (its metadata):
    a row access policy that names no policy for it hides them, and every check would
    pass on nothing."""
    where = f" WHERE {port.window}" if port.window else ""
    (count,) = client.query(f"SELECT COUNT(*) FROM `{port.table}`{where}").result()
    seen = int(count[0])
    held = getattr(deployed, "num_rows", None)
    name = "rows visible to the checks"
    if held and not seen:
        detail = f"sees 0 of the table's {held} rows: a row access policy or the window hides them"
        return CheckResult(port.product, port.port, name, False, detail, [], seen)
    if held and not port.window and seen < held:
        detail = f"sees {seen} of the table's {held} rows: the checks would miss the others"
        return CheckResult(port.product, port.port, name, False, detail, [], seen)
    if not seen:
        return CheckResult(port.product, port.port, name, False, NOTHING_SEEN, [], 0)
    return CheckResult(port.product, port.port, name, True, f"{seen} rows{where}", [], seen)


def run_checks(
    queries: list[PortQuery],
    project: str,
    client_factory: ClientFactory = default_client,
    tables: list[PortTable] | None = None,
    identities: Mapping[str, str] | None = None,
) -> list[CheckResult]:
    """Each product's checks as `identities[product]` (its service account), else as the
    user: a client per identity."""
    clients: dict[str | None, Any] = {}

    def client_of(product: str) -> Any:
        who = (identities or {}).get(product)
        if who not in clients:
            clients[who] = client_factory(project, who)
        return clients[who]

    results: list[CheckResult] = []
    for port in tables or []:
        client = client_of(port.product)
        try:
            deployed = client.get_table(port.table)
            results.append(schema_result(port, deployed.schema))
            results.append(visible_rows(port, deployed, client))
        except Exception as exc:  # a missing table is the check's answer
            results.append(CheckResult(port.product, port.port, "schema", False, str(exc)[:300]))
    for q in queries:
        try:
            rows = list(client_of(q.product).query(q.sql).result())
        except Exception as exc:  # the API's error is the check's answer
            results.append(CheckResult(q.product, q.port, q.check, False, str(exc)[:300]))
            continue
        results.append(
            check_result(q.product, q.port, q.check, q.description, rows[0] if rows else None)
        )
    return results


def to_json(results: list[CheckResult]) -> str:
    return json.dumps([r.to_json() for r in results], indent=2, default=str)


def run_check(
    registry: Path,
    products_dir: Path,
    project: str | None,
    client_factory: ClientFactory = default_client,
    as_user: bool = False,
) -> list[CheckResult]:
    """Every check of the deployed ports the registry file lists, each product's as its
    own service account (the registry's `serviceAccount`) unless `as_user`."""
    mesh = load_mesh(products_dir)
    entries = read_registry(registry)
    problem = registry_ids_problem(registry, entries, mesh)
    if problem is not None:
        raise RegistryProblem(problem)
    billing = project or next(
        (str(e.get("project")) for e in entries.values() if isinstance(e, dict)), ""
    )
    identities = {
        pid: str(e["serviceAccount"])
        for pid, e in entries.items()
        if not as_user and isinstance(e, dict) and e.get("serviceAccount")
    }
    return run_checks(
        port_queries(mesh, entries),
        billing,
        client_factory,
        tables=port_tables(mesh, entries),
        identities=identities,
    )


def render_check(results: list[CheckResult], stack: str) -> list[str]:
    lines = [
        f"{'ok    ' if r.passed else 'FAILED'} {r.product}.{r.port}: {r.check}: {r.detail}"
        for r in results
    ]
    failed = sum(not r.passed for r in results)
    return [*lines, f"{stack}: {len(results) - failed} passed, {failed} failed"]
