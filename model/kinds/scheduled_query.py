"""Transformation kind `scheduled-query`: BigQuery scheduled queries (Data Transfer)."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from model.kinds.base import SpecChecks, SqlStep, TransformationKind
from model.kinds.scaffold import (
    InputScaffold,
    NewProduct,
    TransformationScaffold,
    produced,
    select_sql,
    sql_sources,
)
from model.kinds.table import TableOutput
from model.spec_types import RelativePath, Slug, StrictModel


class ScheduledQuery(StrictModel):
    name: Slug
    sql: RelativePath
    schedule: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="Data Transfer schedule, e.g. `every 1 hours`"
    )
    destination_port: Slug
    write_disposition: Literal["WRITE_TRUNCATE", "WRITE_APPEND"]


class ScheduledQueries(TransformationKind):
    """BigQuery scheduled queries (Data Transfer Service), one per destination port."""

    apis: ClassVar[tuple[str, ...]] = ("bigquerydatatransfer.googleapis.com",)

    kind: Literal["scheduled-query"]
    queries: list[ScheduledQuery] = Field(min_length=1)

    def sql_steps(self) -> list[SqlStep]:
        return [
            SqlStep(
                f"transformation.queries[{i}].sql",
                q.sql,
                q.destination_port,
                truncate=q.write_disposition == "WRITE_TRUNCATE",
                schedule=q.schedule,
            )
            for i, q in enumerate(self.queries)
        ]

    def summary(self) -> str:
        return "BigQuery scheduled queries: " + ", ".join(
            f"{q.name} ({q.schedule})" for q in self.queries
        )

    def check(self, out: SpecChecks) -> None:
        for i, q in enumerate(self.queries):
            where = f"transformation.queries[{i}]"
            if not isinstance(out.product.output_port(q.destination_port), TableOutput):
                out.add(
                    f"{where}.destination_port",
                    f"{q.destination_port!r} is not a table output port of {out.product.id}",
                )
            out.load_sql(q.sql, f"{where}.sql")
        for name, count in Counter(q.name for q in self.queries).items():
            if count > 1:
                out.add("transformation.queries", f"query name {name!r} is used {count} times")

    @classmethod
    def scaffold(
        cls, new: NewProduct, inputs: dict[str, InputScaffold], outputs: list[tuple[str, str]]
    ) -> TransformationScaffold:
        sources = sql_sources("scheduled-query", "table", inputs, outputs)
        files, queries = {}, []
        for out, (name, source) in sources.items():
            path = f"sql/{out.replace('-', '_')}.sql"
            files[path] = select_sql(out, name, source)
            queries.append(
                {
                    "name": out,
                    "sql": path,
                    "schedule": "every 1 hours",
                    "destination_port": out,
                    "write_disposition": "WRITE_TRUNCATE",
                }
            )
        return TransformationScaffold(
            {"kind": "scheduled-query", "queries": queries},
            {out: produced("table", source) for out, (_, source) in sources.items()},
            {out: name for out, (name, _) in sources.items()},
            files,
        )
