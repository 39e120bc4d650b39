"""What each kind of product provisions, and what each stack holds."""

from __future__ import annotations

from collections import Counter

from model import conventions as conv
from tests.components.inspect import custom_resources_of
from tools.plan.runner import ProgramRun

COMMON = {
    "gcp:serviceaccount/account:Account": 1,
    "gcp:bigquery/dataset:Dataset": 1,
    "gcp:dataplex/dataProduct:DataProduct": 1,
    "gcp:monitoring/notificationChannel:NotificationChannel": 2,  # owner + on-call
}


def _inventory(run: ProgramRun, product: str) -> Counter[str]:
    return Counter(r.type for r in custom_resources_of(run, product))


def _has(inventory: Counter[str], expected: dict[str, int]) -> None:
    for type_token, count in expected.items():
        assert inventory[type_token] == count, (type_token, inventory[type_token], count)


def test_streaming_product_with_pubsub_input_and_dataflow(runs: dict[str, ProgramRun]) -> None:
    inv = _inventory(runs["iot-prod"], "iot-telemetry")
    _has(inv, COMMON)
    _has(
        inv,
        {
            "gcp:pubsub/schema:Schema": 1,
            "gcp:pubsub/topic:Topic": 2,  # events + dead letters
            "gcp:pubsub/subscription:Subscription": 2,  # pipeline + dead-letter keeper
            "gcp:artifactregistry/repository:Repository": 1,
            "gcp:storage/bucket:Bucket": 1,
            "gcp:storage/bucketObject:BucketObject": 1,
            "gcp:dataflow/flexTemplateJob:FlexTemplateJob": 1,
            "gcp:bigquery/table:Table": 2,  # metrics_v1 + dead_letters
            "gcp:dataplex/dataProductDataAsset:DataProductDataAsset": 1,
            "gcp:dataplex/datascan:Datascan": 1,
            "gcp:monitoring/alertPolicy:AlertPolicy": 3,  # backlog, dead letters, dataflow
            # 3 tenants + its own TRUE + the quality scanner's TRUE + an upstream TRUE
            "gcp:bigquery/rowAccessPolicy:RowAccessPolicy": 6,
            "gcp:bigquery/dataTransferConfig:DataTransferConfig": 0,
        },
    )


def test_sheet_product_with_two_scheduled_queries(runs: dict[str, ProgramRun]) -> None:
    inv = _inventory(runs["iot-prod"], "iot-metadata")
    _has(inv, COMMON)
    _has(
        inv,
        {
            "gcp:bigquery/table:Table": 3,  # external sheet table + two ports
            "gcp:bigquery/dataTransferConfig:DataTransferConfig": 2,
            "gcp:serviceaccount/iAMMember:IAMMember": 1,  # transfer agent token creator
            "gcp:dataplex/datascan:Datascan": 2,
            "gcp:logging/metric:Metric": 1,
            "gcp:monitoring/alertPolicy:AlertPolicy": 1,
            # (3 tenants + TRUE + the quality scanner's TRUE) x 2 ports
            "gcp:bigquery/rowAccessPolicy:RowAccessPolicy": 10,
            "gcp:dataflow/flexTemplateJob:FlexTemplateJob": 0,
        },
    )


def test_federated_product(runs: dict[str, ProgramRun]) -> None:
    inv = _inventory(runs["crm-prod"], "customers")
    _has(inv, COMMON)
    _has(
        inv,
        {
            "gcp:bigquery/connection:Connection": 1,
            "gcp:bigquery/connectionIamMember:ConnectionIamMember": 1,
            "gcp:bigquery/dataTransferConfig:DataTransferConfig": 1,
            "gcp:bigquery/table:Table": 1,
            "gcp:projects/iAMMember:IAMMember": 3,  # jobUser, readSessionUser, cloudsql.client
        },
    )


def test_consumer_product_with_views(runs: dict[str, ProgramRun]) -> None:
    inv = _inventory(runs["iot-prod"], "iot-analytics")
    _has(inv, COMMON)
    _has(
        inv,
        {
            "gcp:bigquery/table:Table": 3,  # three views, no tables
            # writers + each view authorized on each upstream dataset it reads (4 + 3 + 4)
            "gcp:bigquery/datasetAccess:DatasetAccess": 2 + 11,
            "gcp:bigquery/rowAccessPolicy:RowAccessPolicy": 4,  # its TRUE filter on 4 upstreams
            "gcp:dataplex/dataProductDataAsset:DataProductDataAsset": 3,
            "gcp:dataplex/datascan:Datascan": 0,
            "gcp:bigquery/dataTransferConfig:DataTransferConfig": 0,
        },
    )


def test_stacks_deploy_exactly_their_products(runs: dict[str, ProgramRun]) -> None:
    def products(run: ProgramRun) -> set[str]:
        return {r.name for r in run.by_type(conv.DATA_PRODUCT)}

    iot = {"iot-metadata", "iot-actions-taken", "iot-telemetry", "iot-analytics"}
    assert products(runs["iot-prod"]) == iot
    assert products(runs["iot-dev"]) == iot
    assert products(runs["crm-prod"]) == {"customers"}
    counts = {stack: len(run.resources) for stack, run in runs.items()}
    assert counts["iot-prod"] > 150
    assert counts["crm-prod"] > 30


def test_each_product_owns_exactly_its_dataset_and_identity(runs: dict[str, ProgramRun]) -> None:
    for run in runs.values():
        for product in {r.name for r in run.by_type(conv.DATA_PRODUCT)}:
            mine = custom_resources_of(run, product)
            datasets = [r for r in mine if r.type == "gcp:bigquery/dataset:Dataset"]
            accounts = [r for r in mine if r.type == "gcp:serviceaccount/account:Account"]
            assert len(datasets) == 1
            assert len(accounts) == 1
            assert datasets[0].inputs["labels"]["mesh-product"] == product
            assert accounts[0].inputs["accountId"] == conv.service_account_id(product)
            for r in mine:
                labels = r.inputs.get("labels") or r.inputs.get("userLabels")
                if isinstance(labels, dict) and "mesh-product" in labels:
                    assert labels["mesh-product"] == product, r.name
