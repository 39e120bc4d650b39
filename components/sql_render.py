"""Product SQL with its placeholders resolved to what the stack deployed:
fully qualified tables, or `EXTERNAL_QUERY` over a federated connection."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi

from model.sql import PortRef, SqlFile


def external_query(connection: str, query: str) -> str:
    """`EXTERNAL_QUERY("<project.location.connection>", <query>)`, the query triple-quoted."""
    escaped = query.replace('"""', '\\"\\"\\"')
    return f'EXTERNAL_QUERY("{connection}", """{escaped}""")'


def render_sql(sql: SqlFile, resolved: Mapping[PortRef, pulumi.Input[str]]) -> pulumi.Output[str]:
    """Replace each placeholder of `sql` with its resolved table expression."""
    missing = [str(ref) for ref in sql.refs if ref not in resolved]
    if missing:
        raise pulumi.RunError(f"{sql.path}: cannot resolve {', '.join(missing)}")
    values = {str(ref): resolved[ref] for ref in sql.refs}
    return pulumi.Output.all(**values).apply(
        lambda done: sql.render(lambda ref: str(done[str(ref)]))
    )


# Scheduled queries write their destination with DML, never as a query destination:
# a destination table (WRITE_TRUNCATE) gets the query result's schema, dropping the
# contract's policy tags, REQUIRED modes and descriptions, and BigQuery keeps row
# access policies only through operations that keep the schema, such as TRUNCATE
# TABLE (cloud.google.com/bigquery/docs/using-row-level-security-with-features).
# TRUNCATE and INSERT run in one transaction, so readers never see an empty table
# (cloud.google.com/bigquery/docs/transactions lists both as supported).
_SCRIPT_HEAD = "-- Written by the data mesh platform: DML keeps the contract table's schema.\n"


def write_script(
    table: pulumi.Input[str],
    columns: Sequence[str],
    query: pulumi.Input[str],
    disposition: str,
) -> pulumi.Output[str]:
    """The scheduled query's script: insert the query's rows into `table` (a
    backquoted full name) by column name; WRITE_TRUNCATE replaces the rows first."""
    names = ", ".join(f"`{c}`" for c in columns)

    def build(args: list[str]) -> str:
        target, body = args
        body = body.rstrip()
        body = body[:-1].rstrip() if body.endswith(";") else body
        insert = f"INSERT INTO {target} ({names})\nSELECT {names}\nFROM (\n{body}\n);\n"
        if disposition == "WRITE_APPEND":
            return _SCRIPT_HEAD + insert
        return (
            f"{_SCRIPT_HEAD}BEGIN TRANSACTION;\nTRUNCATE TABLE {target};\n{insert}"
            "COMMIT TRANSACTION;\n"
        )

    return pulumi.Output.all(table, query).apply(build)
