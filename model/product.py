"""The shape of `product.yaml`: pydantic models, strict, no Pulumi.

Only what one field can tell about itself is checked here; rules that
relate fields, files and products live in `checks.py` and `mesh.py`.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from model import conventions as conv
from model import identifiers as ids
from model.messages import rule

RESERVED_PRODUCT_IDS = frozenset({"input", "self"})


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, regex_engine="python-re")


Slug = Annotated[str, StringConstraints(pattern=rule(conv.SLUG.pattern, conv.SLUG_RULE))]
ProductId = Annotated[
    str, StringConstraints(pattern=conv.SLUG.pattern, min_length=3, max_length=63)
]
Domain = Annotated[str, StringConstraints(pattern=conv.SLUG.pattern, max_length=30)]
Email = Annotated[str, StringConstraints(pattern=rule(ids.GROUP_EMAIL.pattern, ids.EMAIL_RULE))]
Column = Annotated[str, StringConstraints(pattern=rule(ids.COLUMN_NAME.pattern, ids.COLUMN_RULE))]
VersionedName = Annotated[
    str,
    StringConstraints(
        pattern=rule(conv.VERSIONED_NAME.pattern, conv.VERSIONED_RULE), max_length=255
    ),
]
RelativePath = Annotated[
    str,
    StringConstraints(
        pattern=rule(
            r"^(?!/)(?!.*(^|/)\.\.(/|$))[A-Za-z0-9_.\-/]+$",
            "a path inside the product's folder (letters, digits, '_', '-', '.', '/'; "
            "no '..', not starting with '/')",
        ),
        max_length=255,
    ),
    Field(description="Path relative to the product's folder"),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1024)]


class Alignment(StrEnum):
    SOURCE = "source"
    AGGREGATE = "aggregate"
    CONSUMER = "consumer"


class Classification(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    CONFIDENTIAL = "confidential"
    RESTRICTED = "restricted"


class Owner(StrictModel):
    team: Slug = Field(description="Owning team; also the `mesh-owner` label")
    group: Email = Field(description="Google group of the owning team; gets write access")
    contact: Email = Field(description="Where consumers and alerts reach the team")


class Slos(StrictModel):
    freshness_minutes: int = Field(gt=0, description="Max age of the newest data served")
    availability_percent: float = Field(gt=0, le=100)
    completeness_percent: float | None = Field(default=None, gt=0, le=100)


# ---- input ports -------------------------------------------------------------------


class PubSubInput(StrictModel):
    """Events pushed to a Pub/Sub topic the product owns."""

    kind: Literal["pubsub"]
    name: Slug
    description: Text
    contract: RelativePath = Field(description="ODCS contract of the event payload")
    message_retention_days: int = Field(default=7, ge=1, le=31)
    ack_deadline_seconds: int = Field(default=60, ge=10, le=600)
    max_delivery_attempts: int = Field(default=10, ge=5, le=100)

    def declared_columns(self) -> list[SourceColumn]:
        return []  # the event payload's columns are its contract's (ProductBundle)


SheetType = Literal[
    "STRING", "INT64", "FLOAT64", "NUMERIC", "BOOL", "DATE", "DATETIME", "TIMESTAMP"
]


class SourceColumn(StrictModel):
    """A column of a source outside BigQuery (a sheet, a federated query's result)."""

    name: Column
    type: SheetType
    description: Text
    required: bool = False


class GoogleSheetInput(StrictModel):
    """A Google Sheet read through a BigQuery external table."""

    kind: Literal["google-sheet"]
    name: Slug
    description: Text
    sheet_url: Annotated[
        str,
        StringConstraints(
            pattern=rule(
                r"^https://docs\.google\.com/spreadsheets/d/[A-Za-z0-9_-]+",
                "a Google Sheets address, https://docs.google.com/spreadsheets/d/<id>",
            )
        ),
    ]
    range: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        description="Sheet and cell range, e.g. `logbook!A1:F`"
    )
    header_rows: int = Field(default=1, ge=0, le=10)
    columns: list[SourceColumn] = Field(min_length=1)

    def declared_columns(self) -> list[SourceColumn]:
        return self.columns


class CloudSqlEngine(StrEnum):
    POSTGRES = "POSTGRES"
    MYSQL = "MYSQL"


class FederatedInput(StrictModel):
    """A Cloud SQL database queried through a BigQuery connection (EXTERNAL_QUERY)."""

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

    def declared_columns(self) -> list[SourceColumn]:
        return self.columns


class DataProductInput(StrictModel):
    """Another product's output port."""

    kind: Literal["data-product"]
    name: Slug
    description: Text | None = None
    product: ProductId
    port: Slug

    def declared_columns(self) -> list[SourceColumn]:
        return []  # the upstream port's contract holds them


InputPort = Annotated[
    PubSubInput | GoogleSheetInput | FederatedInput | DataProductInput,
    Field(discriminator="kind"),
]


# ---- transformation ----------------------------------------------------------------


class DataflowFlexTemplate(StrictModel):
    """A streaming Apache Beam pipeline shipped as a Dataflow Flex Template."""

    kind: Literal["dataflow-flex-template"]
    pipeline: RelativePath = Field(description="Folder with metadata.json and Dockerfile")
    input_port: Slug = Field(description="The pubsub input port the pipeline reads")
    output_port: Slug = Field(description="The table output port the pipeline writes")
    parameters: dict[
        Annotated[
            str,
            StringConstraints(
                pattern=rule(
                    r"^[a-zA-Z][a-zA-Z0-9_]*$",
                    "a parameter name: letters, digits and '_', starting with a letter",
                )
            ),
        ],
        Annotated[str, StringConstraints(max_length=1024)],
    ] = Field(default_factory=dict)
    max_workers: int = Field(ge=1, le=1000)
    lineage: dict[Column, list[Annotated[str, StringConstraints(max_length=255)]]] = Field(
        default_factory=dict,
        description="Output column -> the input columns it derives from, as "
        "`<input port>.<column>` (nested: `<port>.<record>.<field>`); [] for values the "
        "pipeline computes from no input column. Every output column is declared.",
    )
    machine_type: Annotated[
        str,
        StringConstraints(
            pattern=rule(r"^[a-z0-9][a-z0-9-]*$", "a machine type such as n2-standard-2")
        ),
    ] = "n2-standard-2"


class ScheduledQuery(StrictModel):
    name: Slug
    sql: RelativePath
    schedule: Annotated[str, StringConstraints(min_length=1, max_length=128)] = Field(
        description="Data Transfer schedule, e.g. `every 1 hours`"
    )
    destination_port: Slug
    write_disposition: Literal["WRITE_TRUNCATE", "WRITE_APPEND"]


class ScheduledQueries(StrictModel):
    """BigQuery scheduled queries (Data Transfer Service), one per destination port."""

    kind: Literal["scheduled-query"]
    queries: list[ScheduledQuery] = Field(min_length=1)


class ViewQuery(StrictModel):
    port: Slug
    sql: RelativePath


class Views(StrictModel):
    """SQL views, one per view output port."""

    kind: Literal["views"]
    views: list[ViewQuery] = Field(min_length=1)


class SqlStep(NamedTuple):
    """One SQL file of a transformation: the output port it fills and the field naming it."""

    field: str
    sql: str
    port: str


Transformation = Annotated[
    DataflowFlexTemplate | ScheduledQueries | Views, Field(discriminator="kind")
]


# ---- output ports ------------------------------------------------------------------


class Partitioning(StrictModel):
    field: Column
    type: Literal["HOUR", "DAY", "MONTH", "YEAR"] = "DAY"
    expiration_days: int | None = Field(default=None, ge=1)


class _OutputBase(StrictModel):
    name: Slug
    physical_name: VersionedName = Field(
        description="Table, view or topic id; ends in `_v<major>` of the contract"
    )
    contract: RelativePath = Field(description="ODCS v3 contract file of this port")
    consumers: list[Email] = Field(
        default_factory=list, description="Groups allowed to read this port"
    )


class _Declassifiable(_OutputBase):
    declassify: dict[Column, Text] = Field(
        default_factory=dict,
        description="Column -> why it may be less sensitive than the columns it derives "
        "from (e.g. hashed, aggregated over at least 20 people); reported by the plan",
    )


class TableOutput(_Declassifiable):
    kind: Literal["table"]
    partitioning: Partitioning | None = None
    clustering: list[Column] = Field(default_factory=list, max_length=4)
    require_partition_filter: bool = False
    tenant_column: Column | None = Field(
        default=None, description="Multi-tenant column; tenants only see their own rows"
    )


class ViewOutput(_Declassifiable):
    kind: Literal["view"]
    tenant_column: Column | None = None


class TopicOutput(_OutputBase):
    kind: Literal["topic"]
    message_retention_days: int = Field(default=7, ge=1, le=31)


OutputPort = Annotated[TableOutput | ViewOutput | TopicOutput, Field(discriminator="kind")]


# ---- the product -------------------------------------------------------------------


class CrossTenant(StrictModel):
    """A product that combines the rows of several tenants, on purpose."""

    reason: Text = Field(description="Why the product aggregates across tenants")


class Product(StrictModel):
    """One data product, as its team declares it in `products/<id>/product.yaml`."""

    id: ProductId
    name: Text
    description: Text
    domain: Domain
    owner: Owner
    alignment: Alignment
    classification: Classification
    tags: list[Slug] = Field(default_factory=list)
    slos: Slos
    input_ports: list[InputPort] = Field(default_factory=list)
    transformation: Transformation
    output_ports: list[OutputPort] = Field(min_length=1)
    cross_tenant: CrossTenant | None = Field(
        default=None,
        description="Set when the product aggregates across tenants: its ports then carry "
        "no tenant column and are never served to tenant groups",
    )

    def output_port(self, name: str) -> TableOutput | ViewOutput | TopicOutput | None:
        return next((p for p in self.output_ports if p.name == name), None)

    def input_port(
        self, name: str
    ) -> PubSubInput | GoogleSheetInput | FederatedInput | DataProductInput | None:
        return next((p for p in self.input_ports if p.name == name), None)

    def sql_steps(self) -> list[SqlStep]:
        """The SQL files of a views or scheduled-query transformation, in spec order."""
        t = self.transformation
        if isinstance(t, ScheduledQueries):
            return [
                SqlStep(f"transformation.queries[{i}].sql", q.sql, q.destination_port)
                for i, q in enumerate(t.queries)
            ]
        if isinstance(t, Views):
            return [
                SqlStep(f"transformation.views[{i}].sql", v.sql, v.port)
                for i, v in enumerate(t.views)
            ]
        return []

    @property
    def data_product_inputs(self) -> list[DataProductInput]:
        return [p for p in self.input_ports if isinstance(p, DataProductInput)]

    @property
    def dataset_id(self) -> str:
        return conv.dataset_id(self.domain, self.id)

    @property
    def service_account_id(self) -> str:
        return conv.service_account_id(self.id)


# Kind tags pydantic puts into error locations of tagged unions; dropped when shown.
UNION_TAGS = frozenset(
    {
        "pubsub",
        "google-sheet",
        "federated",
        "data-product",
        "dataflow-flex-template",
        "scheduled-query",
        "views",
        "table",
        "view",
        "topic",
    }
)
