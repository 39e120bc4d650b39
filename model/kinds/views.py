"""Transformation kind `views`: SQL views, one per view output port."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from model.kinds.base import SpecChecks, SqlStep, TransformationKind
from model.kinds.scaffold import (
    InputScaffold,
    NewProduct,
    ScaffoldRefused,
    TransformationScaffold,
    produced,
    select_sql,
    sql_sources,
)
from model.kinds.view import ViewOutput
from model.spec_types import RelativePath, Slug, StrictModel


class ViewQuery(StrictModel):
    port: Slug
    sql: RelativePath


class Views(TransformationKind):
    """SQL views, one per view output port."""

    kind: Literal["views"]
    views: list[ViewQuery] = Field(min_length=1)

    def sql_steps(self) -> list[SqlStep]:
        return [
            SqlStep(f"transformation.views[{i}].sql", v.sql, v.port, view=True)
            for i, v in enumerate(self.views)
        ]

    def summary(self) -> str:
        return "BigQuery views"

    def check(self, out: SpecChecks) -> None:
        for i, v in enumerate(self.views):
            where = f"transformation.views[{i}]"
            if not isinstance(out.product.output_port(v.port), ViewOutput):
                out.add(
                    f"{where}.port", f"{v.port!r} is not a view output port of {out.product.id}"
                )
            out.load_sql(v.sql, f"{where}.sql")
        self._check_cycles(out)

    def _check_cycles(self, out: SpecChecks) -> None:
        """A view may read the product's tables, never itself or a view that reads it back."""
        index = {v.port: i for i, v in enumerate(self.views)}
        reads: dict[str, list[str]] = {
            v.port: sorted(
                {r.port for r in sql.refs if r.product == out.product.id and r.port in index}
            )
            for v in self.views
            if (sql := out.sql.get(v.sql)) is not None
        }
        reported: set[frozenset[str]] = set()
        for start in sorted(reads):
            path = _cycle_from(start, reads)
            if path is None or frozenset(path) in reported:
                continue
            reported.add(frozenset(path))
            field = f"transformation.views[{index[start]}].sql"
            if len(path) == 1:
                out.add(field, f"view {start!r} reads itself")
            else:
                out.add(field, "views form a cycle: " + " -> ".join([*path, path[0]]))

    @classmethod
    def scaffold(
        cls, new: NewProduct, inputs: dict[str, InputScaffold], outputs: list[tuple[str, str]]
    ) -> TransformationScaffold:
        sources = sql_sources("views", "view", inputs, outputs)
        for name, source in sources.values():
            if source.tenant_column and not source.reads_product:
                raise ScaffoldRefused(
                    "--tenant-column",
                    f"a view filters no rows itself, so it cannot serve the tenants of input "
                    f"port {name}: use --transformation scheduled-query (a table gets a row "
                    "access policy per tenant)",
                )
        files, views = {}, []
        for out, (name, source) in sources.items():
            path = f"sql/{out.replace('-', '_')}.sql"
            files[path] = select_sql(out, name, source)
            views.append({"port": out, "sql": path})
        return TransformationScaffold(
            {"kind": "views", "views": views},
            {out: produced("view", source) for out, (_, source) in sources.items()},
            {out: name for out, (name, _) in sources.items()},
            files,
        )


def _cycle_from(start: str, reads: dict[str, list[str]]) -> list[str] | None:
    """The views on a cycle through `start`, in reading order, or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        for nxt in reads.get(node, []):
            if nxt == start:
                return path
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None
