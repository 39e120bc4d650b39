"""Product SQL with its placeholders resolved to what the stack deployed:
fully qualified tables, or `EXTERNAL_QUERY` over a federated connection."""

from __future__ import annotations

from collections.abc import Mapping

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
