"""The shape of `product.yaml`: pydantic models, strict, no Pulumi.

Only what one field can tell about itself is checked here; rules that
relate fields, files and products live in `checks.py` and `mesh.py`.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from model import conventions as conv
from model.dashboard import Dashboard
from model.kinds import (
    UNION_TAGS,
    CloudSqlEngine,
    DataflowFlexTemplate,
    DataProductInput,
    FederatedInput,
    GoogleSheetInput,
    InputPort,
    OutputPort,
    Partitioning,
    PubSubInput,
    ScheduledQueries,
    ScheduledQuery,
    SqlStep,
    TableOutput,
    TopicOutput,
    Transformation,
    ViewOutput,
    ViewQuery,
    Views,
)
from model.kinds.data_product import data_product_inputs
from model.spec_types import (
    Column,
    Domain,
    Email,
    ProductId,
    RelativePath,
    SheetType,
    Slug,
    SourceColumn,
    StrictModel,
    Text,
    VersionedName,
)

RESERVED_PRODUCT_IDS = frozenset({"input", "self"})


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
    dashboards: list[Dashboard] = Field(
        default_factory=list,
        description="Dashboards over the product's own table and view ports, drawn per "
        "tenant by the catalog (each chart reads its port as the chosen tenant)",
    )
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
        """The SQL files of the transformation, in spec order."""
        return self.transformation.sql_steps()

    @property
    def data_product_inputs(self) -> list[DataProductInput]:
        return data_product_inputs(self.input_ports)

    @property
    def dataset_id(self) -> str:
        return conv.dataset_id(self.domain, self.id)

    @property
    def service_account_id(self) -> str:
        return conv.service_account_id(self.id)


__all__ = [
    "UNION_TAGS",
    "Alignment",
    "Classification",
    "CloudSqlEngine",
    "Column",
    "CrossTenant",
    "DataProductInput",
    "DataflowFlexTemplate",
    "Domain",
    "Email",
    "FederatedInput",
    "GoogleSheetInput",
    "InputPort",
    "OutputPort",
    "Owner",
    "Partitioning",
    "Product",
    "ProductId",
    "PubSubInput",
    "RelativePath",
    "ScheduledQueries",
    "ScheduledQuery",
    "SheetType",
    "Slos",
    "Slug",
    "SourceColumn",
    "SqlStep",
    "StrictModel",
    "TableOutput",
    "Text",
    "TopicOutput",
    "Transformation",
    "VersionedName",
    "ViewOutput",
    "ViewQuery",
    "Views",
]
