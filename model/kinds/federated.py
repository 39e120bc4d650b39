"""Input kind `federated`: a Cloud SQL database queried through a BigQuery connection."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, ClassVar, Literal

import sqlglot
from pydantic import Field, StringConstraints
from sqlglot import exp
from sqlglot.errors import SqlglotError

from model.kinds.base import InputKind, LocalRows
from model.kinds.scaffold import InputScaffold, NewProduct
from model.messages import rule
from model.spec_types import Slug, SourceColumn, Text


class CloudSqlEngine(StrEnum):
    POSTGRES = "POSTGRES"
    MYSQL = "MYSQL"


class FederatedInput(InputKind):
    """A Cloud SQL database queried through a BigQuery connection (EXTERNAL_QUERY)."""

    local_rows: ClassVar[LocalRows] = "table"
    sql_readable: ClassVar[bool] = True
    apis: ClassVar[tuple[str, ...]] = ("bigqueryconnection.googleapis.com",)

    kind: Literal["federated"]
    name: Slug
    description: Text
    engine: CloudSqlEngine
    instance: Annotated[
        str,
        StringConstraints(
            pattern=rule(
                r"^[a-z][a-z0-9-]*:[a-z0-9-]+:[a-z][a-z0-9-]*$",
                "a Cloud SQL connection name, project:region:instance",
            )
        ),
    ] = Field(description="Cloud SQL instance connection name, `project:region:instance`")
    database: Annotated[
        str,
        StringConstraints(
            pattern=rule(
                r"^[A-Za-z_][A-Za-z0-9_$-]{0,62}$",
                "a database name: up to 63 letters, digits, '_', '$' or '-'",
            )
        ),
    ]
    query: Annotated[str, StringConstraints(min_length=1)] = Field(
        description="Query run in the source database by EXTERNAL_QUERY"
    )
    columns: list[SourceColumn] = Field(
        default_factory=list,
        description="The columns the query returns, as BigQuery types (optional; used by "
        "lineage, the local run and its fixtures)",
    )

    def manual_steps(self, product: str, identity: str, project: str) -> list[str]:
        # the connection's cloudsql.client grant is made on the instance's project
        owner = self.instance.split(":")[0]
        if owner == project:
            return []
        return [
            f"grant the deploying identity roles/resourcemanager.projectIamAdmin on {owner} "
            f"(the Cloud SQL instance of {product}.{self.name})"
        ]

    def declared_columns(self) -> list[SourceColumn]:
        return self.columns

    @classmethod
    def setup_steps(cls, name: str, product: str, stack: str | None) -> list[str]:
        where = f" --stack {stack}" if stack else ""
        return [
            f"set the database of input port {name} and its credentials: pulumi config set "
            f"--secret --path 'data-mesh:federatedCredentials.{product}/{name}.password' ... "
            f"(and .username){where}"
        ]

    def source(self) -> str:
        return f"Cloud SQL {self.engine.value} {self.instance}/{self.database}"

    def inferred_columns(self) -> list[str] | str:
        """The names the query's select list gives, or why it gives none."""
        try:
            query = sqlglot.parse_one(self.query, read=self.engine.value.lower())
        except SqlglotError as exc:
            return f"query: does not parse: {exc}"
        names = list(query.named_selects) if isinstance(query, exp.Query) else []
        if names and "*" not in names:
            return names
        return "columns: declare the columns the query returns (its select list names none)"

    @classmethod
    def scaffold(cls, name: str, new: NewProduct) -> InputScaffold:
        columns = new.source_columns(name)
        table = name.replace("-", "_")
        spec = {
            "name": name,
            "kind": "federated",
            "description": f"The {table} table of the team's database.",
            "engine": "POSTGRES",
            "instance": f"{new.project}:{new.region}:{new.id}-db",
            "database": "app",
            "query": f"SELECT {', '.join(c.name for c in columns)} FROM {table}",
            "columns": [c.model_dump(exclude_defaults=True) for c in columns],
        }
        return InputScaffold(
            spec,
            columns,
            fixture="csv",
            sql_ref=f"{{{{ input.{name} }}}}",
            tenant_column=new.tenant_column,
        )
