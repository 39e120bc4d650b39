"""What `datamesh new` asks of each kind: the entry it writes in product.yaml, and the
columns, files and SQL reference that come with it. Each kind answers in its own module
(`scaffold` classmethods); the command (tools/scaffold/) writes the files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from model.spec_types import SourceColumn


@dataclass(frozen=True)
class Upstream:
    """Another product's output port a new product reads."""

    product: str
    port: str
    columns: tuple[SourceColumn, ...]
    tenant_column: str | None
    classifications: dict[str, str] = field(default_factory=dict)  # column -> its class


@dataclass(frozen=True)
class NewProduct:
    """What the command line says of the product to write."""

    id: str
    domain: str
    project: str  # where its stack deploys (placeholders name it)
    region: str
    tenant_column: str | None  # of its own sources, when they hold tenants' rows
    upstream: dict[str, Upstream] = field(default_factory=dict)  # input port -> what it reads

    def source_columns(self, name: str) -> tuple[SourceColumn, ...]:
        """The example columns of a new source port: an id, a text, a number, a time."""
        columns = [
            SourceColumn(
                name="id", type="STRING", description=f"Id of the {name} record.", required=True
            ),
            SourceColumn(name="label", type="STRING", description="What the record is about."),
            SourceColumn(name="amount", type="FLOAT64", description="A measured amount."),
            SourceColumn(
                name="updated_at",
                type="TIMESTAMP",
                description="When the record changed.",
                required=True,
            ),
        ]
        if self.tenant_column:
            tenant = SourceColumn(
                name=self.tenant_column,
                type="STRING",
                description="Tenant that owns the record.",
                required=True,
            )
            columns.insert(0, tenant)
        return tuple(columns)


@dataclass(frozen=True)
class InputScaffold:
    spec: dict[str, Any]  # the port's entry in product.yaml
    columns: tuple[SourceColumn, ...]  # what its rows (or messages) hold
    fixture: str = ""  # extension of its local fixture (csv, jsonl); "" when it has none
    sql_ref: str = ""  # how the product's SQL reads it; "" when SQL cannot
    event_contract: str = ""  # path of a contract its messages follow, to write
    tenant_column: str | None = None
    classifications: dict[str, str] = field(default_factory=dict)
    reads_product: bool = False  # another product's port (its row policies apply)


@dataclass(frozen=True)
class Produced:
    """An output port a transformation fills: its kind and columns, and whose tenant."""

    kind: str
    columns: tuple[SourceColumn, ...]
    tenant_column: str | None
    classifications: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TransformationScaffold:
    spec: dict[str, Any]
    outputs: dict[str, Produced]  # output port -> what it holds
    reads: dict[str, str]  # output port -> the input port it is made from
    files: dict[str, str] = field(default_factory=dict)  # path in the product -> text


class ScaffoldRefused(ValueError):
    """The choices do not make a product (the message says which option and why)."""

    def __init__(self, option: str, message: str) -> None:
        self.option = option
        super().__init__(message)


def sql_sources(
    kind: str, wanted: str, inputs: dict[str, InputScaffold], outputs: list[tuple[str, str]]
) -> dict[str, tuple[str, InputScaffold]]:
    """For a SQL transformation: output port -> the input it selects from (the outputs
    take the inputs in turn). Refused when a port cannot be read or filled by SQL."""
    for out, out_kind in outputs:
        if out_kind != wanted:
            raise ScaffoldRefused(
                "--output", f"{out}: a {kind} transformation fills {wanted} ports, not {out_kind}"
            )
    for name, s in inputs.items():
        if not s.sql_ref:
            raise ScaffoldRefused(
                "--input",
                f"{name}: {s.spec['kind']} ports are read by a pipeline, not SQL "
                "(use --transformation dataflow-flex-template)",
            )  # the only kind SQL cannot read: its rows are messages
    if not inputs:
        raise ScaffoldRefused("--input", f"a {kind} transformation reads at least one input port")
    names = list(inputs)
    return {
        out: (names[i % len(names)], inputs[names[i % len(names)]])
        for i, (out, _) in enumerate(outputs)
    }


def select_sql(out: str, name: str, source: InputScaffold) -> str:
    columns = ",\n  ".join(c.name for c in source.columns)
    return (
        f"-- {out}: the rows of input port {name}. Shape them here (rename, filter, join,\n"
        f"-- aggregate); the output contract lists the columns this query returns.\n"
        f"SELECT\n  {columns}\nFROM {source.sql_ref}\n"
    )


def produced(kind: str, source: InputScaffold) -> Produced:
    return Produced(kind, source.columns, source.tenant_column, source.classifications)
