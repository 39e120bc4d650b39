"""Each part provisions what the issue describes, with the arguments that keep
it safe on real Google Cloud."""

from __future__ import annotations

import json

import sqlglot
from sqlglot import exp

from model import load_mesh
from tests.helpers import PRODUCTS
from tools.plan.mocks import project_number
from tools.plan.runner import ProgramRun

BASE_LABELS = {"mesh-domain", "mesh-product", "mesh-owner", "mesh-env"}
PORT_TYPES = {
    "gcp:pubsub/topic:Topic",
    "gcp:pubsub/subscription:Subscription",
    "gcp:bigquery/table:Table",
}


def test_dataset_per_product(runs: dict[str, ProgramRun]) -> None:
    ds = runs["iot-prod"].named("iot-telemetry-storage-dataset").inputs
    assert ds["datasetId"] == "iot_iot_telemetry"
    assert ds["location"] == "europe-west1"
    assert ds["description"].startswith("Sensor readings")
    assert ds["labels"] == {
        "mesh-domain": "iot",
        "mesh-product": "iot-telemetry",
        "mesh-owner": "iot",
        "mesh-env": "prod",
    }


def test_every_labelable_resource_carries_mesh_labels(runs: dict[str, ProgramRun]) -> None:
    for run in runs.values():
        labelled = 0
        for r in run.resources:
            labels = r.inputs.get("labels") if r.custom else None
            if r.type == "gcp:monitoring/notificationChannel:NotificationChannel":
                labels = r.inputs.get("userLabels")
            if labels is None or (
                r.type.endswith("notificationChannel:NotificationChannel")
                and "email_address" in labels
            ):
                continue
            labelled += 1
            assert set(labels) >= BASE_LABELS, r.name
            if r.type in PORT_TYPES:
                assert {"mesh-port", "mesh-port-kind"} <= set(labels), r.name
                assert labels["mesh-port-kind"] in {"input", "output", "internal"}
        assert labelled > 5
        # Everything that takes labels got them.
        for r in run.resources:
            if r.type in PORT_TYPES | {
                "gcp:bigquery/dataset:Dataset",
                "gcp:storage/bucket:Bucket",
                "gcp:dataflow/flexTemplateJob:FlexTemplateJob",
                "gcp:dataplex/datascan:Datascan",
            }:
                assert "labels" in r.inputs, r.name


def test_pubsub_input_port(runs: dict[str, ProgramRun]) -> None:
    run = runs["iot-prod"]
    topic = run.named("iot-telemetry-in-device-events-topic").inputs
    assert topic["messageRetentionDuration"] == "604800s"
    assert topic["schemaSettings"]["encoding"] == "JSON"
    assert topic["messageStoragePolicy"] == {"allowedPersistenceRegions": ["europe-west1"]}
    schema = run.named("iot-telemetry-in-device-events-schema").inputs
    assert schema["type"] == "PROTOCOL_BUFFER"  # plain JSON with optional fields absent
    assert schema["name"] == "iot-telemetry-device-events-v1-pb"
    assert "required string device_id = 1;" in schema["definition"]
    assert "repeated Metrics metrics = 3;" in schema["definition"]
    sub = run.named("iot-telemetry-in-device-events-subscription").inputs
    assert sub["ackDeadlineSeconds"] == 60
    assert sub["expirationPolicy"] == {"ttl": ""}  # never expires
    assert sub["retryPolicy"] == {"minimumBackoff": "10s", "maximumBackoff": "600s"}
    assert sub["deadLetterPolicy"]["maxDeliveryAttempts"] == 10
    assert sub["deadLetterPolicy"]["deadLetterTopic"].endswith(
        "/topics/iot-telemetry-device-events-dead-letters"
    )
    keeper = run.named("iot-telemetry-in-device-events-dlq-subscription").inputs
    assert keeper["topic"].endswith("iot-telemetry-device-events-dead-letters")
    assert keeper["expirationPolicy"] == {"ttl": ""}
    agent = (
        f"serviceAccount:service-{project_number('example-iot-prod')}@gcp-sa-pubsub"
        ".iam.gserviceaccount.com"
    )
    assert run.named("iot-telemetry-in-device-events-dlq-agent-publisher").inputs["member"] == agent
    assert run.named("iot-telemetry-in-device-events-agent-subscriber").inputs["member"] == agent


def test_google_sheet_input_port(runs: dict[str, ProgramRun]) -> None:
    ext = runs["iot-prod"].named("iot-metadata-in-placements-sheet-external-table").inputs
    cfg = ext["externalDataConfiguration"]
    assert cfg["sourceFormat"] == "GOOGLE_SHEETS"
    assert cfg["autodetect"] is False
    assert cfg["googleSheetsOptions"] == {"range": "placements!A1:I", "skipLeadingRows": 1}
    assert [c["name"] for c in json.loads(cfg["schema"])][:2] == ["device_id", "tenant_id"]
    assert ext["labels"]["mesh-port-kind"] == "input"
    # The owner shares the sheet with this identity, published in the registry.
    entry = runs["iot-prod"].outputs["meshRegistry"]["iot-metadata"]
    assert entry["serviceAccount"] == "dp-iot-metadata@example-iot-prod.iam.gserviceaccount.com"


def test_federated_input_port(runs: dict[str, ProgramRun]) -> None:
    run = runs["crm-prod"]
    conn = run.named("customers-in-crm-db-connection").inputs
    assert conn["location"] == "europe-west1"
    assert conn["cloudSql"]["instanceId"] == "example-crm-prod:europe-west1:crm-db"
    assert conn["cloudSql"]["type"] == "POSTGRES"
    assert conn["cloudSql"]["credential"]["username"] == "bq_federated_reader"
    assert conn["cloudSql"]["credential"]["password"] == "[secret]"  # never the ciphertext
    client = run.named("customers-in-crm-db-connection-cloudsql-client").inputs
    assert (client["project"], client["role"]) == ("example-crm-prod", "roles/cloudsql.client")
    assert client["member"].endswith("@gcp-sa-bigqueryconnection.iam.gserviceaccount.com")
    user = run.named("customers-in-crm-db-connection-user").inputs
    assert user["role"] == "roles/bigquery.connectionUser"
    query = run.named("customers-transform-customers").inputs["params"]["query"]
    assert 'EXTERNAL_QUERY("example-crm-prod.europe-west1.customers-crm-db", """SELECT' in query


def test_scheduled_query_transformation(runs: dict[str, ProgramRun]) -> None:
    run = runs["iot-prod"]
    cfg = run.named("iot-metadata-transform-device-tenants").inputs
    assert cfg["dataSourceId"] == "scheduled_query"
    assert cfg["location"] == "europe-west1"  # the dataset's, not the US default
    assert cfg["schedule"] == "every 1 hours"
    assert cfg["serviceAccountName"] == "dp-iot-metadata@example-iot-prod.iam.gserviceaccount.com"
    assert cfg["emailPreferences"] == {"enableFailureEmail": True}
    # A DML script, not a query destination: BigQuery keeps the contract table's schema,
    # policy tags and row access policies (no destination dataset, table or disposition).
    assert "destinationDatasetId" not in cfg
    assert set(cfg["params"]) == {"query"}
    script = cfg["params"]["query"]
    target = "`example-iot-prod.iot_iot_metadata.device_tenants_v1`"
    statements = [s for s in sqlglot.parse(script, read="bigquery") if s is not None]
    assert [type(s).__name__ for s in statements] == [
        "Transaction",
        "TruncateTable",
        "Insert",
        "Commit",
    ]
    assert f"TRUNCATE TABLE {target};" in script
    contract_columns = [
        f.name for f in load_mesh(PRODUCTS)["iot-metadata"].contracts["device-tenants"].fields
    ]
    insert = statements[2]
    assert isinstance(insert, exp.Insert)
    assert [c.name for c in insert.this.expressions] == contract_columns
    assert "`example-iot-prod.iot_iot_metadata.ext_placements_sheet`" in script
    token = run.named("iot-metadata-transform-agent-token-creator").inputs
    assert token["role"] == "roles/iam.serviceAccountTokenCreator"
    assert token["member"].endswith("@gcp-sa-bigquerydatatransfer.iam.gserviceaccount.com")
    assert token["serviceAccountId"].endswith(
        "dp-iot-metadata@example-iot-prod.iam.gserviceaccount.com"
    )


def test_dataflow_transformation(runs: dict[str, ProgramRun]) -> None:
    run = runs["iot-prod"]
    job = run.named("iot-telemetry-transform-job").inputs
    assert job["serviceAccountEmail"] == "dp-iot-telemetry@example-iot-prod.iam.gserviceaccount.com"
    assert job["ipConfiguration"] == "WORKER_IP_PRIVATE"
    assert job["onDelete"] == "drain"
    assert job["region"] == "europe-west1"
    assert job["maxWorkers"] == 5
    assert job["enableStreamingEngine"] is True
    assert job["labels"]["mesh-product"] == "iot-telemetry"
    params = job["parameters"]
    assert params["input_subscription"] == (
        "projects/example-iot-prod/subscriptions/iot-telemetry-device-events-pipeline"
    )
    assert params["output_table"] == "example-iot-prod:iot_iot_telemetry.metrics_v1"
    assert params["dead_letter_table"] == "example-iot-prod:iot_iot_telemetry.dead_letters"
    assert params["device_tenants_table"] == "example-iot-prod:iot_iot_metadata.device_tenants_v1"
    assert not {"maxWorkers", "serviceAccountEmail", "network", "subnetwork"} & set(params)
    spec = json.loads(run.named("iot-telemetry-transform-template-spec").inputs["content"])
    image = run.named("iot-telemetry-transform-image").inputs
    (tag,) = image["tags"]
    assert tag.startswith(
        "europe-west1-docker.pkg.dev/example-iot-prod/iot-telemetry-images/"
        "iot-telemetry-pipeline:src-"
    )
    assert spec["image"].startswith(f"{tag}@sha256:")  # the pushed digest
    assert image["push"] is True
    assert image["buildOnPreview"] is False
    assert image["context"] == {"location": "products/iot-telemetry/pipeline"}
    assert image["platforms"] == ["linux/amd64"]
    repo = run.named("iot-telemetry-transform-images").inputs
    assert repo["dockerConfig"] == {"immutableTags": True}
    declared = {p["name"] for p in spec["metadata"]["parameters"]}
    assert set(params) <= declared  # every parameter passed is declared by the template
    bucket = run.named("iot-telemetry-transform-bucket").inputs
    assert bucket["publicAccessPrevention"] == "enforced"
    assert bucket["uniformBucketLevelAccess"] is True


def test_table_output_port_from_contract(runs: dict[str, ProgramRun]) -> None:
    table = runs["iot-prod"].named("iot-telemetry-out-metrics-table").inputs
    mesh = load_mesh(PRODUCTS)
    contract = mesh["iot-telemetry"].contracts["metrics"]
    assert json.loads(table["schema"]) == [f.to_api() for f in contract.fields]
    assert table["timePartitioning"] == {
        "type": "DAY",
        "field": "event_ts",
        "expirationMs": 400 * 86_400_000,
    }
    assert table["clusterings"] == ["tenant_id", "device_id", "metric"]
    assert table["requirePartitionFilter"] is True
    assert table["description"].startswith("One row per metric")
    assert table["labels"]["mesh-contract"] == "iot-iot-telemetry-metrics"
    assert table["labels"]["mesh-contract-version"] == "1-0-0"


def test_pii_columns_get_policy_tags(runs: dict[str, ProgramRun]) -> None:
    schema = json.loads(runs["crm-prod"].named("customers-out-customers-table").inputs["schema"])
    email = next(c for c in schema if c["name"] == "contact_email")
    assert email["policyTags"] == {
        "names": [
            "projects/example-security/locations/europe-west1/taxonomies/1001/policyTags/2001"
        ]
    }
    assert all("policyTags" not in c for c in schema if c["name"] != "contact_email")


def test_views_are_rendered_with_fully_qualified_upstream_tables(
    runs: dict[str, ProgramRun],
) -> None:
    view = runs["iot-prod"].named("iot-analytics-out-co2-per-room-hourly-view").inputs
    query = view["view"]["query"]
    assert view["view"]["useLegacySql"] is False
    assert "`example-iot-prod.iot_iot_telemetry.metrics_v1`" in query
    assert "`example-iot-prod.iot_iot_actions_taken.actions_v1`" in query
    assert "{{" not in query


def test_discovery_port(runs: dict[str, ProgramRun]) -> None:
    run = runs["iot-prod"]
    dp = run.named("iot-telemetry-discovery-dataplex-product").inputs
    assert dp["dataProductId"] == "iot-telemetry"
    assert dp["ownerEmails"] == ["iot-team@example.com"]
    groups = {g["principal"]["googleGroup"] for g in dp["accessGroups"]}
    assert "analytics-team@example.com" in groups
    assert "tenant-acme-readers@example.com" in groups
    asset = run.named("iot-telemetry-discovery-dataplex-asset-metrics").inputs
    assert asset["resource"] == (
        "//bigquery.googleapis.com/projects/example-iot-prod/datasets/"
        "iot_iot_telemetry/tables/metrics_v1"
    )
    assert "accessGroupConfigs" not in asset  # grants stay with the output ports


def test_control_port(runs: dict[str, ProgramRun]) -> None:
    run = runs["iot-prod"]
    channels = {
        r.inputs["labels"]["email_address"]
        for r in run.by_type("gcp:monitoring/notificationChannel:NotificationChannel")
        if r.name.startswith("iot-telemetry-")
    }
    assert channels == {"iot-oncall@example.com", "data-platform-oncall@example.com"}
    backlog = run.named("iot-telemetry-control-alert-device-events-backlog").inputs
    condition = backlog["conditions"][0]["conditionThreshold"]
    assert "oldest_unacked_message_age" in condition["filter"]
    assert condition["thresholdValue"] == 15 * 60  # the freshness SLO
    flow = run.named("iot-telemetry-control-alert-dataflow").inputs["conditions"]
    assert {"is_failed", "system_lag"} <= {
        c["conditionThreshold"]["filter"].rsplit("/", 1)[-1].rstrip('"') for c in flow
    }
    failures = run.named("iot-metadata-control-scheduled-query-failures").inputs
    assert failures["filter"].startswith('resource.type = "bigquery_dts_config"')
    scan = run.named("iot-telemetry-control-dq-metrics").inputs
    rules = {r["name"]: r for r in scan["dataQualitySpec"]["rules"]}
    assert rules["tenant-id-not-null"]["nonNullExpectation"] == {}
    assert rules["metric-in-set"]["setExpectation"]["values"] == [
        "co2",
        "temperature",
        "humidity",
        "occupancy",
    ]
    assert rules["value-in-range"]["rangeExpectation"] == {"minValue": "-50", "maxValue": "10000"}
    fresh = rules["event-ts-fresh"]["tableConditionExpectation"]["sqlExpression"]
    assert fresh == (
        "COALESCE(MAX(`event_ts`) >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 15 MINUTE), FALSE)"
    )
    assert scan["dataQualitySpec"]["rowFilter"].startswith("event_ts >= TIMESTAMP_SUB")
