"""What every input-port, transformation and output-port kind answers.

A kind is one module of this package: its spec model and, as methods and class
attributes, everything the platform does with it that needs no Pulumi (checks,
lineage facts, how a local run feeds or runs it, how the catalog describes it).
Its Pulumi part is the module of the same name in `components/kinds/`. Code
outside the kinds asks these questions instead of branching on the kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple, Protocol

from pydantic import Field

from model.spec_types import (
    Column,
    Email,
    RelativePath,
    Slug,
    SourceColumn,
    StrictModel,
    Text,
    VersionedName,
)

if TYPE_CHECKING:
    from model.contract import Contract
    from model.errors import SpecIssue
    from model.sql import SqlFile

# How `datamesh local` feeds an input port: rows of the `ext_<port>` table the SQL
# reads, messages handed to the pipeline, or nothing (an upstream product's run fills it).
LocalRows = Literal["table", "events", "upstream"]


class ProductView(Protocol):
    """What a kind's checks read of the product around it."""

    @property
    def id(self) -> str: ...

    def input_port(self, name: str) -> InputKind | None: ...

    def output_port(self, name: str) -> OutputKind | None: ...


class SpecChecks(Protocol):
    """What a kind's `check` gets: where to report, and the product's files."""

    @property
    def product(self) -> ProductView: ...

    folder: Path
    issues: list[SpecIssue]
    sql: dict[str, SqlFile]  # the SQL files loaded so far, by path as written

    def add(self, field: str, message: str, code: str = "") -> None: ...

    def load_sql(self, rel: str, field: str) -> None: ...


class Upstream(NamedTuple):
    """The output port of another product an input port reads."""

    product: str
    port: str


class InputKind(StrictModel):
    """An input port. Subclasses declare `kind`, `name` and `description`."""

    local_rows: ClassVar[LocalRows]
    sql_readable: ClassVar[bool] = False  # the product's SQL reads it as `{{ input.<port> }}`
    # Google Cloud APIs the kind's resources use in the stack's project (model/baseline.py)
    apis: ClassVar[tuple[str, ...]] = ()

    def manual_steps(self, product: str, identity: str, project: str) -> list[str]:
        """What a person must do once for this port before it works (`identity`: the
        product's service account; `project`: the stack's). Nothing by default."""
        return []

    def declared_columns(self) -> list[SourceColumn]:
        """Columns the spec declares (a sheet's, a federated query's); [] when another
        file holds them (an event contract, the upstream port's contract)."""
        return []

    def inferred_columns(self) -> list[str] | str:
        """Column names the spec tells without declaring them (a federated query's select
        list), or why it cannot; [] when it tells none."""
        return []

    def event_contract(self) -> str | None:
        """The contract file of the messages the port receives, if it receives messages."""
        return None

    def upstream(self) -> Upstream | None:
        return None

    @classmethod
    def setup_steps(cls, name: str, product: str, stack: str | None) -> list[str]:
        """What a team does by hand for a new port of this kind (`datamesh new`)."""
        return []

    def source(self) -> str:
        """Where the data comes from, in words (the catalog's input list)."""
        raise NotImplementedError


class SqlStep(NamedTuple):
    """One SQL file of a transformation: the output port it fills and the field naming it.
    `view`: the port is a view of the query; otherwise the query's rows are written to the
    port's table (`truncate`: replacing what it held) on `schedule`."""

    field: str
    sql: str
    port: str
    view: bool = False
    truncate: bool = False
    schedule: str = ""


@dataclass(frozen=True)
class PipelineStep:
    """A pipeline the platform runs: its folder, what it reads and writes, its parameters."""

    folder: str
    input_port: str
    output_port: str
    parameters: dict[str, str] = field(default_factory=dict)


class TransformationKind(StrictModel):
    """How a product turns its inputs into its outputs. Subclasses declare `kind`."""

    apis: ClassVar[tuple[str, ...]] = ()  # Google Cloud APIs its resources use

    def sql_steps(self) -> list[SqlStep]:
        return []

    def pipeline_step(self) -> PipelineStep | None:
        return None

    def writes(self) -> list[str]:
        """The output ports it fills, one entry per writer."""
        return [s.port for s in self.sql_steps()]

    def declared_lineage(self) -> dict[str, dict[str, list[str]]]:
        """Output port -> column -> `<input port>.<column>` sources, for code whose
        lineage cannot be read (a pipeline's); SQL's lineage is read from the SQL."""
        return {}

    def check(self, out: SpecChecks) -> None:
        """Rules between the transformation and the rest of its product and files."""

    def summary(self) -> str:
        """One line for the catalog."""
        raise NotImplementedError


class OutputKind(StrictModel):
    """An output port. Subclasses declare `kind`."""

    serves_rows: ClassVar[bool] = True  # a table or view BigQuery reads (a topic: False)
    stores_rows: ClassVar[bool] = False  # a table the transformation writes into
    apis: ClassVar[tuple[str, ...]] = ()  # Google Cloud APIs its resources use

    name: Slug
    physical_name: VersionedName = Field(
        description="Table, view or topic id; ends in `_v<major>` of the contract"
    )
    contract: RelativePath = Field(description="ODCS v3 contract file of this port")
    consumers: list[Email] = Field(
        default_factory=list, description="Groups allowed to read this port"
    )

    @classmethod
    def scaffold(cls, name: str, contract: str, tenant_column: str | None) -> dict[str, Any]:
        """The port's entry in product.yaml, as `datamesh new` writes it."""
        spec: dict[str, Any] = {
            "name": name,
            "kind": cls.model_fields["kind"].annotation.__args__[0],  # type: ignore[union-attr]
            "physical_name": f"{name.replace('-', '_')}_v1",
            "contract": contract,
        }
        if tenant_column and "tenant_column" in cls.model_fields:
            spec["tenant_column"] = tenant_column
        return {**spec, "consumers": []}

    def check_contract(self, out: SpecChecks, where: str, contract: Contract) -> None:
        """Rules between the port and its contract."""

    def address(self, project: str, dataset_id: str) -> str:
        """Where consumers find it."""
        return f"{project}.{dataset_id}.{self.physical_name}"

    def catalog_facts(self) -> list[tuple[str, str]]:
        """What a consumer must know of the port's physical settings, in words."""
        return []

    def required_filter_column(self) -> str | None:
        """The column every query of the port must filter on (BigQuery refuses a query
        of a table that requires a partition filter without one); None when none."""
        return None

    def settings_changes(self, new: OutputKind) -> list[tuple[str, str]]:
        """How the kind's own settings changed, as (evolution rule, detail)."""
        common = {"name", "physical_name", "consumers", "tenant_column", "declassify", "contract"}
        same = self.model_dump(exclude=common) == new.model_dump(exclude=common)
        return [] if same else [("port-settings-changed", "")]


class RowsOutput(OutputKind):
    """A table or view: rows consumers read, possibly derived from more sensitive ones."""

    declassify: dict[Column, Text] = Field(
        default_factory=dict,
        description="Column -> why it may be less sensitive than the columns it derives "
        "from (e.g. hashed, aggregated over at least 20 people); reported by the plan",
    )


def check_tenant_column(
    out: SpecChecks, where: str, contract: Contract, column: str | None
) -> None:
    if column is None:
        return
    col = contract.column(column)
    if col is None:
        out.add(
            f"{where}.tenant_column", f"column {column!r} is not in contract {contract.path.name}"
        )
    elif col.mode != "REQUIRED" or col.type != "STRING":
        out.add(
            f"{where}.tenant_column",
            f"tenant column {column!r} must be a REQUIRED STRING in the "
            f"contract (it is {col.mode} {col.type})",
        )
