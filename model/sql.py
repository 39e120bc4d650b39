"""SQL files of a product: upstream placeholders, parsing, what a query reads.

Product SQL never names a project or dataset. Tables are written as
placeholders that the platform resolves at deploy time:

- `{{ <product-id>.<output-port> }}`: an output port of an upstream product
  (declared as a `data-product` input port) or of the product itself;
- `{{ input.<input-port> }}`: one of the product's own input ports (the
  external table over a Google Sheet, or EXTERNAL_QUERY of a federated source).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlglot import exp

from model.conventions import (
    EXTERNAL_QUERY,
    SqlSyntaxError,
    parse_query,
    table_functions,
    tables_read,
)
from model.errors import SpecIssue
from model.files import FileProblem, read_text

PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z0-9-]*)\s*\.\s*([a-z][a-z0-9-]*)\s*\}\}")
OWN_INPUT = "input"
SENTINEL_DB = "__mesh__"


@dataclass(frozen=True, order=True)
class PortRef:
    """A placeholder: `product` is a product id, or `input` for an own input port."""

    product: str
    port: str

    def __str__(self) -> str:
        return f"{{{{ {self.product}.{self.port} }}}}"


@dataclass(frozen=True)
class SqlFile:
    path: Path
    text: str
    refs: tuple[PortRef, ...]

    def render(self, resolve: Callable[[PortRef], str]) -> str:
        """Replace every placeholder with what `resolve` returns for it."""
        return PLACEHOLDER.sub(lambda m: resolve(PortRef(m.group(1), m.group(2))), self.text)

    def tree(self) -> exp.Expr:
        """The query parsed with its placeholders as sentinel tables (cached; copy it
        before changing it)."""
        return parse_probe(self.render(_sentinel))[0]

    def ref_of(self, table: exp.Table) -> PortRef | None:
        """The placeholder a sentinel table of `tree()` stands for."""
        if table.db != SENTINEL_DB:
            return None
        return next((r for r in self.refs if sentinel_table(r.product, r.port) == table.name), None)


def sentinel_table(product: str, port: str) -> str:
    """The table name a placeholder stands for while a query is parsed or traced."""
    return f"{product}__{port}"


def _sentinel(ref: PortRef) -> str:
    return f"`{SENTINEL_DB}.{sentinel_table(ref.product, ref.port)}`"


@lru_cache(maxsize=8192)
def parse_probe(probe: str) -> tuple[exp.Expr, ...]:
    """The statements of a query whose placeholders are sentinels, parsed once per text
    (checks and lineage both read it; callers copy before changing a tree)."""
    return tuple(parse_query(probe))


def load_sql(
    path: Path, field: str, root: Path | None = None
) -> tuple[SqlFile | None, list[SpecIssue]]:
    """Read a SQL file, check it is one BigQuery query, and list the ports it reads.

    `field` names the product.yaml field that points at the file, so problems
    inside the SQL are reported against the spec line that uses it too; `root`
    is the folder a link may not lead out of.
    """
    try:
        text = read_text(path, root)
    except FileProblem as problem:
        return None, [SpecIssue(path, field, problem.issue.message)]

    refs, problems = _analyse(text)
    if problems:
        return None, [SpecIssue(path, field, message) for message in problems]
    return SqlFile(path=path, text=text, refs=refs), []


@lru_cache(maxsize=8192)
def _analyse(text: str) -> tuple[tuple[PortRef, ...], tuple[str, ...]]:
    """The ports a SQL text reads and its problems; a pure function of the text, cached
    because a contract diff loads two meshes that share most files."""
    refs = tuple(sorted({PortRef(m.group(1), m.group(2)) for m in PLACEHOLDER.finditer(text)}))
    probe = PLACEHOLDER.sub(lambda m: _sentinel(PortRef(m.group(1), m.group(2))), text)
    if "{{" in probe or "}}" in probe:
        return refs, ("malformed placeholder; write `{{ product-id.port-name }}`",)
    try:
        statements = parse_probe(probe)
    except SqlSyntaxError as exc:
        return refs, (f"does not parse as BigQuery SQL: {exc}",)
    if len(statements) != 1:
        return refs, (f"must hold one query, found {len(statements)} statements",)
    query = statements[0]
    if not isinstance(query, exp.Query):
        return refs, (f"must be a query (SELECT), found {query.key.upper()}",)
    problems: list[str] = []
    for name, _ in table_functions(query):
        hint = (
            "declare a federated input port and read it as `{{ input.port-name }}`"
            if name == EXTERNAL_QUERY
            else "read declared ports (placeholders) only"
        )
        problems.append(f"reads rows from the table function {name}; {hint}")
    for table in tables_read(query):
        if table.db != SENTINEL_DB:
            problems.append(
                f"reads {str(table)!r} directly; write tables as placeholders "
                "`{{ product-id.port-name }}` or `{{ input.port-name }}`"
            )
    return refs, tuple(problems)
