"""Each part of a data product is built alone from its own arguments, with no
DataProduct around it: what it registers, under its own type token, from
nothing but what its XArgs say."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pytest

from components.control import ControlPort, ControlPortArgs, Watched
from components.discovery import Discovery, DiscoveryArgs
from components.kinds.data_product import DataProductInputPort, DataProductInputPortArgs
from components.kinds.dataflow_flex_template import (
    DataflowTransformation,
    DataflowTransformationArgs,
    PipelineSource,
    PipelineWiring,
)
from components.kinds.federated import FederatedInputPort, FederatedInputPortArgs
from components.kinds.google_sheet import GoogleSheetInputPort, GoogleSheetInputPortArgs
from components.kinds.pubsub import PubSubInputPort, PubSubInputPortArgs
from components.kinds.scheduled_query import (
    ScheduledQueryTransformation,
    ScheduledQueryTransformationArgs,
)
from components.kinds.table import TableOutputPort, TableOutputPortArgs
from components.kinds.topic import TopicOutputPort, TopicOutputPortArgs
from components.kinds.view import ViewOutputPort, ViewOutputPortArgs
from components.kinds.views import ViewsTransformation, ViewsTransformationArgs
from components.placement import Placement
from components.references import PortReference
from components.scanner import QualityScanner, QualityScannerArgs
from components.storage import ProductStorage, ProductStorageArgs
from model import Mesh, load_mesh
from model import conventions as conv
from model.product import DataflowFlexTemplate, ScheduledQueries
from model.stack_settings import Tenant
from tests.helpers import PRODUCTS, REPO
from tools.plan.mocks import GcpMocks
from tools.plan.recorder import RecordedResource
from tools.plan.runner import record
from tools.stack import load_stack

AT = Placement(
    product="lab-product",
    domain="lab",
    owner_team="lab",
    environment="prod",
    project="lab-project",
    region="europe-west1",
    location="europe-west1",
)
IDENTITY = "serviceAccount:dp-lab-product@lab-project.iam.gserviceaccount.com"
TENANTS = (Tenant(id="acme", group="tenant-acme@example.com"),)


@cache
def _mesh() -> Mesh:
    return load_mesh(PRODUCTS)


def _alone(build: Callable[[], Any]) -> list[RecordedResource]:
    mocks = GcpMocks("lab-project", "europe-west1", stack_outputs=lambda _: {})
    return record(build, project="data-mesh", stack="lab", mocks=mocks).resources


def _types(resources: list[RecordedResource]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in resources:
        out[r.type] = out.get(r.type, 0) + 1
    return out


def _dataset() -> pulumi.Output[str]:
    return pulumi.Output.from_input("lab_lab_product")


def _table(name: str) -> gcp.bigquery.Table:
    return gcp.bigquery.Table(
        name, project=AT.project, dataset_id="lab_lab_product", table_id=name, schema="[]"
    )


def _storage() -> None:
    ProductStorage("lab", ProductStorageArgs(AT, "Lab", "A lab product", "lab@example.com"))


def _pubsub() -> None:
    telemetry = _mesh()["iot-telemetry"]
    port = telemetry.spec.input_ports[0]
    PubSubInputPort(
        "lab-in",
        PubSubInputPortArgs(AT, port, telemetry.event_contracts[port.name], IDENTITY, "123"),  # type: ignore[arg-type]
    )


def _sheet() -> None:
    port = _mesh()["iot-actions-taken"].spec.input_ports[0]
    GoogleSheetInputPort("lab-in", GoogleSheetInputPortArgs(AT, port, _dataset()))  # type: ignore[arg-type]


def _federated() -> None:
    port = _mesh()["customers"].spec.input_ports[0]
    creds = pulumi.Output.secret({"username": "u", "password": "p"})
    FederatedInputPort("lab-in", FederatedInputPortArgs(AT, port, creds, IDENTITY))  # type: ignore[arg-type]


def _upstream(tenant_column: str | None) -> PortReference:
    return PortReference(
        "iot-telemetry",
        "metrics",
        "table",
        "up-project",
        "iot_iot_telemetry",
        "metrics_v1",
        tenant_column,
    )


def _data_product_input() -> None:
    port = _mesh()["iot-analytics"].spec.data_product_inputs[0]
    DataProductInputPort(
        "lab-in", DataProductInputPortArgs(AT, port, _upstream("tenant_id"), IDENTITY)
    )


def _table_port() -> None:
    telemetry = _mesh()["iot-telemetry"]
    port = telemetry.spec.output_ports[0]
    TableOutputPort(
        "lab-out",
        TableOutputPortArgs(
            AT,
            port,
            telemetry.contracts[port.name],
            _dataset(),
            IDENTITY,
            TENANTS,  # type: ignore[arg-type]
        ),
    )


def _view_port() -> None:
    analytics = _mesh()["iot-analytics"]
    port = analytics.spec.output_ports[0]
    ViewOutputPort(
        "lab-out",
        ViewOutputPortArgs(
            AT,
            port,
            analytics.contracts[port.name],
            _dataset(),
            "SELECT 1 AS x",
            TENANTS,  # type: ignore[arg-type]
        ),
    )


def _topic_port() -> None:
    from model.product import TopicOutput

    telemetry = _mesh()["iot-telemetry"]
    port = TopicOutput(
        kind="topic",
        name="alerts",
        physical_name="metrics_v1",
        contract="c.yaml",
        consumers=["readers@example.com"],
    )
    TopicOutputPort("lab-out", TopicOutputPortArgs(AT, port, telemetry.contracts["metrics"]))


def _dataflow() -> None:
    spec = _mesh()["iot-telemetry"].spec.transformation
    assert isinstance(spec, DataflowFlexTemplate)
    source = PipelineSource("products/iot-telemetry/pipeline", "src-0123456789abcdef", {})
    wiring = PipelineWiring("projects/p/subscriptions/s", "p:d.t", {"x_table": "p:d.x"}, source)
    DataflowTransformation(
        "lab-transform",
        DataflowTransformationArgs(AT, spec, wiring, _dataset(), IDENTITY, None),
    )


def _baseline() -> None:
    from components.baseline import ProjectBaseline, ProjectBaselineArgs
    from model.baseline import baseline

    stack = load_stack(REPO, "iot-prod")
    settings = stack.settings
    ProjectBaseline(
        "lab-baseline",
        ProjectBaselineArgs(
            settings.project, baseline(stack.mesh, settings), "123456789012", settings.kms_key
        ),
    )


def _scheduled_queries() -> None:
    spec = _mesh()["iot-metadata"].spec.transformation
    assert isinstance(spec, ScheduledQueries)
    tables = {q.destination_port: _table(f"{q.destination_port}_v1") for q in spec.queries}
    ScheduledQueryTransformation(
        "lab-transform",
        ScheduledQueryTransformationArgs(
            AT, spec, {q.name: "SELECT 1" for q in spec.queries}, tables, "projects/p/sa", "123"
        ),
    )


def _views() -> None:
    view = _table("v_v1")
    ViewsTransformation(
        "lab-transform",
        ViewsTransformationArgs("lab-product", {"v": view}, {"v": [_upstream(None)]}),
    )


def _discovery() -> None:
    analytics = _mesh()["iot-analytics"]
    Discovery(
        "lab-discovery",
        DiscoveryArgs(
            AT,
            "Lab",
            "A lab product",
            "lab@example.com",
            analytics.spec.output_ports,
            {p.name: _table(p.physical_name) for p in analytics.spec.output_ports},
        ),
    )


def _scanner() -> None:
    QualityScanner(
        "lab-scanner",
        QualityScannerArgs(
            "serviceAccount:service-1@gcp-sa-dataplex.iam.gserviceaccount.com",
            {"pii": "projects/s/locations/l/taxonomies/1/policyTags/2"},
        ),
    )


def _control() -> None:
    telemetry = _mesh()["iot-telemetry"]
    ControlPort(
        "lab-control",
        ControlPortArgs(
            AT,
            "lab@example.com",
            "oncall@example.com",
            ["ops@example.com"],
            15,
            telemetry.spec.output_ports,
            telemetry.contracts,
            Watched(tables={"metrics": _table("metrics_v1")}),
        ),
    )


CASES: list[tuple[str, Callable[[], None], dict[str, int]]] = [
    (
        conv.PRODUCT_STORAGE,
        _storage,
        {"gcp:bigquery/dataset:Dataset": 1, "gcp:bigquery/datasetAccess:DatasetAccess": 2},
    ),
    (
        conv.PUBSUB_INPUT_PORT,
        _pubsub,
        {"gcp:pubsub/topic:Topic": 2, "gcp:pubsub/subscription:Subscription": 2},
    ),
    (conv.GOOGLE_SHEET_INPUT_PORT, _sheet, {"gcp:bigquery/table:Table": 1}),
    (conv.FEDERATED_INPUT_PORT, _federated, {"gcp:bigquery/connection:Connection": 1}),
    (
        conv.DATA_PRODUCT_INPUT_PORT,
        _data_product_input,
        {"gcp:bigquery/iamMember:IamMember": 1, "gcp:bigquery/rowAccessPolicy:RowAccessPolicy": 1},
    ),
    (
        conv.TABLE_OUTPUT_PORT,
        _table_port,
        {"gcp:bigquery/table:Table": 1, "gcp:bigquery/rowAccessPolicy:RowAccessPolicy": 2},
    ),
    (conv.VIEW_OUTPUT_PORT, _view_port, {"gcp:bigquery/table:Table": 1}),
    (
        conv.TOPIC_OUTPUT_PORT,
        _topic_port,
        {"gcp:pubsub/topic:Topic": 1, "gcp:pubsub/topicIAMMember:TopicIAMMember": 1},
    ),
    (conv.DATAFLOW_TRANSFORMATION, _dataflow, {"gcp:dataflow/flexTemplateJob:FlexTemplateJob": 1}),
    (
        conv.SCHEDULED_QUERY_TRANSFORMATION,
        _scheduled_queries,
        {"gcp:bigquery/dataTransferConfig:DataTransferConfig": 2},
    ),
    (conv.VIEWS_TRANSFORMATION, _views, {"gcp:bigquery/datasetAccess:DatasetAccess": 1}),
    (
        conv.QUALITY_SCANNER,
        _scanner,
        {"gcp:datacatalog/policyTagIamMember:PolicyTagIamMember": 1},
    ),
    (
        conv.DISCOVERY,
        _discovery,
        {
            "gcp:dataplex/dataProduct:DataProduct": 1,
            "gcp:dataplex/dataProductDataAsset:DataProductDataAsset": 3,  # one per view port
        },
    ),
    (
        conv.PROJECT_BASELINE,
        _baseline,
        {
            "gcp:projects/service:Service": 12,  # what iot-prod's products use
            "gcp:projects/serviceIdentity:ServiceIdentity": 3,  # pubsub, registry, dataflow
            "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember": 6,
        },
    ),
    (
        conv.CONTROL_PORT,
        _control,
        {
            "gcp:dataplex/datascan:Datascan": 1,
            "gcp:monitoring/notificationChannel:NotificationChannel": 2,
        },
    ),
]


@pytest.mark.parametrize(("token", "build", "expected"), CASES, ids=[c[0] for c in CASES])
def test_part_builds_alone(token: str, build: Callable[[], None], expected: dict[str, int]) -> None:
    resources = _alone(build)
    components = [r for r in resources if r.type == token]
    assert len(components) == 1
    inside = [r for r in resources if r.parent == components[0].urn]
    counts = _types(inside)
    for type_token, count in expected.items():
        assert counts.get(type_token) == count, (type_token, counts)
    # Every labelable resource it made carries the placement's labels.
    for r in inside:
        labels = r.inputs.get("userLabels") or r.inputs.get("labels") or {}
        if labels:
            assert labels[conv.LABEL_PRODUCT] == AT.product, r.name


def test_every_part_has_a_case() -> None:
    tokens = {
        getattr(conv, name)
        for name in dir(conv)
        if isinstance(getattr(conv, name), str)
        and getattr(conv, name).startswith(conv.TOKEN_PREFIX)
        and getattr(conv, name) != conv.DATA_PRODUCT
        and name != "TOKEN_PREFIX"
    }
    assert tokens == {token for token, _, _ in CASES}
