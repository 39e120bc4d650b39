"""The registry of kinds: every input-port, transformation and output-port kind the
platform knows, one module each (`base.py` says what a kind answers). A new kind is
a module here, its Pulumi part in `components/kinds/`, and one line below."""

from __future__ import annotations

from typing import Annotated, get_args

from pydantic import Field

from model.kinds.base import (
    InputKind,
    LocalRows,
    OutputKind,
    PipelineStep,
    SqlStep,
    TransformationKind,
    Upstream,
)
from model.kinds.data_product import DataProductInput
from model.kinds.dataflow_flex_template import DataflowFlexTemplate
from model.kinds.federated import CloudSqlEngine, FederatedInput
from model.kinds.google_sheet import GoogleSheetInput
from model.kinds.pubsub import PubSubInput
from model.kinds.scheduled_query import ScheduledQueries, ScheduledQuery
from model.kinds.table import Partitioning, TableOutput
from model.kinds.topic import TopicOutput
from model.kinds.view import ViewOutput
from model.kinds.views import ViewQuery, Views
from model.spec_types import StrictModel

InputPort = Annotated[
    PubSubInput | GoogleSheetInput | FederatedInput | DataProductInput,
    Field(discriminator="kind"),
]
Transformation = Annotated[
    DataflowFlexTemplate | ScheduledQueries | Views, Field(discriminator="kind")
]
OutputPort = Annotated[TableOutput | ViewOutput | TopicOutput, Field(discriminator="kind")]

INPUT_KINDS: tuple[type[InputKind], ...] = get_args(get_args(InputPort)[0])
TRANSFORMATION_KINDS: tuple[type[TransformationKind], ...] = get_args(get_args(Transformation)[0])
OUTPUT_KINDS: tuple[type[OutputKind], ...] = get_args(get_args(OutputPort)[0])


def kind_name(cls: type[StrictModel]) -> str:
    return str(cls.model_fields["kind"].annotation.__args__[0])  # type: ignore[union-attr]


# Kind tags pydantic puts into error locations of tagged unions; dropped when shown.
UNION_TAGS = frozenset(kind_name(k) for k in (*INPUT_KINDS, *TRANSFORMATION_KINDS, *OUTPUT_KINDS))

__all__ = [
    "INPUT_KINDS",
    "OUTPUT_KINDS",
    "TRANSFORMATION_KINDS",
    "UNION_TAGS",
    "CloudSqlEngine",
    "DataProductInput",
    "DataflowFlexTemplate",
    "FederatedInput",
    "GoogleSheetInput",
    "InputKind",
    "InputPort",
    "LocalRows",
    "OutputKind",
    "OutputPort",
    "Partitioning",
    "PipelineStep",
    "PubSubInput",
    "ScheduledQueries",
    "ScheduledQuery",
    "SqlStep",
    "TableOutput",
    "TopicOutput",
    "Transformation",
    "TransformationKind",
    "Upstream",
    "ViewOutput",
    "ViewQuery",
    "Views",
    "kind_name",
]
