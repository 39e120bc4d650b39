"""Every policy blocks (or warns about) what it exists for, through a real plan of a
stack: a product spec, a stack or pack config, or a faulty component (a stack
transformation) breaks it, and the violation names the resource and the fix.
Each policy's compliant case is the clean stacks of test_pack.py."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import pulumi_gcp as gcp
import pytest

from tests.helpers import yaml_edit
from tests.policies.conftest import PACK_DIR, alter, check, plan_stack
from tools.plan.pack_config import read_pack_config
from tools.plan.pack_loader import LoadedPack
from tools.plan.runner import ProgramRun

TELEMETRY = "iot-telemetry/product.yaml"
PROD = read_pack_config(PACK_DIR / "config" / "prod.json")


@dataclass(frozen=True)
class Case:
    policy: str
    level: str
    message: str  # fragment of the violation
    resource: str  # name of the resource the violation is about ("" for any)
    stack: str = "iot-prod"
    spec: Callable[[Path], None] | None = None
    config: Mapping[str, str] | None = None
    transform: Any = None
    pack_config: str | dict[str, Any] = "prod"
    extra: Any = None  # adds resources beside the mesh (a hostile or careless change)


def _metrics_port(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    return yaml_edit(TELEMETRY, lambda d: change(d["output_ports"][0]))


def _replace_query(old: str, new: str) -> Any:
    def transform(args: pulumi.ResourceTransformationArgs) -> Any:
        if args.name != "iot-analytics-out-co2-per-room-hourly-view":
            return None
        view = dict(args.props["view"])
        view["query"] = pulumi.Output.from_input(view["query"]).apply(lambda q: q.replace(old, new))
        return pulumi.ResourceTransformationResult({**args.props, "view": view}, args.opts)

    return transform


CASES = [
    Case(
        "mesh-labels",
        "mandatory",
        "add the labels mesh-owner",
        "iot-telemetry-storage-dataset",
        transform=alter(
            "dataset:Dataset",
            "iot-telemetry-storage-dataset",
            labels={"mesh-domain": "iot", "mesh-product": "iot-telemetry", "mesh-env": "prod"},
        ),
    ),
    Case(
        "no-public-principals",
        "mandatory",
        "grants allUsers",
        "iot-telemetry-out-metrics-reader-group-analytics-team",
        transform=alter(
            "iamMember:IamMember", "metrics-reader-group-analytics-team", member="allUsers"
        ),
    ),
    Case(
        "no-basic-roles",
        "mandatory",
        "grants roles/editor",
        "iot-telemetry-out-metrics-reader-group-analytics-team",
        transform=alter(
            "iamMember:IamMember", "metrics-reader-group-analytics-team", role="roles/editor"
        ),
    ),
    Case(
        "principal-kinds",
        "mandatory",
        "outside the allowed domains (example.com)",
        "iot-telemetry-out-metrics-reader-group-partner",
        spec=_metrics_port(lambda p: p["consumers"].append("partner@other.org")),
    ),
    Case(
        "principal-kinds",
        "mandatory",
        "grants the user ann@example.com",
        "iot-telemetry-out-metrics-reader-group-analytics-team",
        transform=alter(
            "iamMember:IamMember",
            "metrics-reader-group-analytics-team",
            member="user:ann@example.com",
        ),
    ),
    Case(
        "allowed-locations",
        "mandatory",
        "keeps data in US",
        "iot-telemetry-storage-dataset",
        config={"data-mesh:location": "US"},
    ),
    Case(
        "cmek",
        "mandatory",
        "name the stack's KMS key",
        "iot-telemetry-storage-dataset",
        stack="iot-dev",
    ),
    Case(
        "output-port-protection",
        "mandatory",
        "protect it",
        "iot-telemetry-out-metrics-table",
        stack="iot-dev",
    ),
    Case(
        "output-port-protection",
        "mandatory",
        "set up to be replaced delete-first",
        "iot-telemetry-out-metrics-table",
        transform=alter(
            "table:Table",
            "out-metrics-table",
            opts=pulumi.ResourceOptions(delete_before_replace=True),
        ),
    ),
    Case(
        "output-port-contract",
        "mandatory",
        "add the contract's description",
        "iot-telemetry-out-metrics-table",
        transform=alter("table:Table", "out-metrics-table", description=""),
    ),
    Case(
        "consumers-read-output-ports-only",
        "mandatory",
        "on the internal table dead_letters",
        "iot-telemetry-out-metrics-reader-group-analytics-team",
        transform=alter(
            "iamMember:IamMember", "metrics-reader-group-analytics-team", table_id="dead_letters"
        ),
    ),
    Case(
        "consumers-read-output-ports-only",
        "mandatory",
        "on the whole dataset iot_iot_telemetry",
        "iot-telemetry-storage-dataset-writer-owner",
        transform=alter(
            "datasetAccess:DatasetAccess",
            "iot-telemetry-storage-dataset-writer-owner",
            role="READER",
            group_by_email="analytics-team@example.com",
        ),
    ),
    Case(
        "owner-only-writes",
        "mandatory",
        "grants WRITER to group:analytics-team@example.com",
        "iot-telemetry-storage-dataset-writer-owner",
        transform=alter(
            "datasetAccess:DatasetAccess",
            "iot-telemetry-storage-dataset-writer-owner",
            group_by_email="analytics-team@example.com",
        ),
    ),
    Case(
        "sql-reads-declared-ports",
        "mandatory",
        "reads example-iot-prod.iot_iot_telemetry.dead_letters",
        "iot-analytics-out-co2-per-room-hourly-view",
        transform=_replace_query("iot_iot_telemetry.metrics_v1", "iot_iot_telemetry.dead_letters"),
    ),
    Case(
        "sql-reads-declared-ports",
        "mandatory",
        "does not parse as BigQuery SQL",
        "iot-analytics-out-co2-per-room-hourly-view",
        transform=_replace_query("SELECT", "SELEC"),
    ),
    Case(
        "tenant-isolation",
        "mandatory",
        "no row access policy for tenant 'initech'",
        "iot-telemetry-out-metrics-table",
        transform=alter(
            "rowAccessPolicy:RowAccessPolicy",
            "out-metrics-rls-initech",
            filter_predicate='tenant_id = "globex"',
        ),
    ),
    Case(
        "tenant-isolation",
        "mandatory",
        "grants tenant 'acme' (group:tenant-acme-readers@example.com) the filter 'TRUE'",
        "iot-telemetry-out-metrics-rls-full-access",
        transform=alter(
            "rowAccessPolicy:RowAccessPolicy",
            "out-metrics-rls-full-access",
            grantees=["group:tenant-acme-readers@example.com"],
        ),
    ),
    Case(
        "tenant-isolation",
        "mandatory",
        "the filter 'tenant_id = \"acme\" OR TRUE'",
        "iot-telemetry-out-metrics-rls-acme",
        transform=alter(
            "rowAccessPolicy:RowAccessPolicy",
            "out-metrics-rls-acme",
            filter_predicate='tenant_id = "acme" OR TRUE',
        ),
    ),
    Case(
        "tenant-isolation",
        "mandatory",
        "re-serves tenant-scoped iot-metadata.device-tenants without a tenant column",
        "iot-telemetry-out-metrics-table",
        transform=alter("TableOutputPort", "iot-telemetry-out-metrics", tenantColumn=None),
    ),
    Case(
        "tenant-isolation",
        "mandatory",
        "also owns iot-analytics",
        "",
        config={
            "data-mesh:teams": json.dumps(
                {"iot": "iot-team@example.com", "analytics": "tenant-acme-readers@example.com"}
            )
        },
    ),
    Case(
        "tenant-isolation",
        "mandatory",
        "share the group tenant-shared@example.com",
        "",
        config={
            "data-mesh:tenants": json.dumps(
                [
                    {"id": "acme", "group": "tenant-shared@example.com"},
                    {"id": "globex", "group": "tenant-shared@example.com"},
                ]
            )
        },
    ),
    Case(
        "tenant-isolation",
        "mandatory",
        "serves the cross-tenant port",
        "iot-analytics-out-climate-daily-reader-group-analytics-team",
        spec=yaml_edit(
            "iot-analytics/product.yaml",
            lambda d: (
                d.update(cross_tenant={"reason": "benchmarks"}),
                [p.pop("tenant_column", None) for p in d["output_ports"]],
                d["output_ports"][1].update(consumers=["analytics-team@example.com"]),
            ),
        ),
        transform=alter(
            "iamMember:IamMember",
            "out-climate-daily-reader-group-analytics-team",
            member="group:tenant-acme-readers@example.com",
        ),
    ),
    Case(
        "declassified-columns",
        "advisory",
        "column tenant_name is declassified below what it derives from: public CRM names",
        "iot-analytics-out-climate-daily-view",
        spec=yaml_edit(
            "iot-analytics/product.yaml",
            lambda d: d["output_ports"][1].update(declassify={"tenant_name": "public CRM names"}),
        ),
    ),
    Case(
        "owner-only-writes",
        "mandatory",
        "grants OWNER to group:iot-team@example.com on iot-telemetry's dataset; admin roles",
        "iot-telemetry-storage-dataset-writer-owner",
        transform=alter(
            "datasetAccess:DatasetAccess", "storage-dataset-writer-owner", role="OWNER"
        ),
    ),
    Case(
        "project-iam",
        "mandatory",
        "grants roles/bigquery.dataEditor on project example-iot-prod",
        "iot-telemetry-storage-sa-jobuser",
        transform=alter(
            "projects/iAMMember:IAMMember", "storage-sa-jobuser", role="roles/bigquery.dataEditor"
        ),
    ),
    Case(
        "project-iam",
        "mandatory",
        "on another team's project example-crm-prod",
        "iot-telemetry-storage-sa-jobuser",
        transform=alter(
            "projects/iAMMember:IAMMember", "storage-sa-jobuser", project="example-crm-prod"
        ),
    ),
    Case(
        "no-authoritative-iam",
        "mandatory",
        "removes every grant it does not list",
        "mesh-viewers",
        extra=lambda: gcp.projects.IAMBinding(
            "mesh-viewers",
            project="example-iot-prod",
            role="roles/bigquery.dataViewer",
            members=["group:iot-team@example.com"],
        ),
    ),
    Case(
        "no-authoritative-iam",
        "mandatory",
        "creates a service account key",
        "pipeline-key",
        extra=lambda: gcp.serviceaccount.Key(
            "pipeline-key",
            service_account_id=(
                "projects/example-iot-prod/serviceAccounts/"
                "dp-iot-telemetry@example-iot-prod.iam.gserviceaccount.com"
            ),
        ),
    ),
    Case(
        "no-impersonation",
        "mandatory",
        "grants roles/iam.serviceAccountTokenCreator to group:iot-team@example.com",
        "iot-team-acts-as-pipeline",
        extra=lambda: gcp.serviceaccount.IAMMember(
            "iot-team-acts-as-pipeline",
            service_account_id=(
                "projects/example-iot-prod/serviceAccounts/"
                "dp-iot-telemetry@example-iot-prod.iam.gserviceaccount.com"
            ),
            role="roles/iam.serviceAccountTokenCreator",
            member="group:iot-team@example.com",
        ),
    ),
    Case(
        "service-account-grantees",
        "mandatory",
        "a service account of project evil-project",
        "iot-telemetry-out-metrics-reader-group-analytics-team",
        transform=alter(
            "iamMember:IamMember",
            "metrics-reader-group-analytics-team",
            member="serviceAccount:exfil@evil-project.iam.gserviceaccount.com",
        ),
    ),
    Case(
        "dataset-authorizations",
        "mandatory",
        "authorizes dataset example-iot-prod.scratch on iot_iot_telemetry",
        "iot-analytics-transform-co2-per-room-hourly-authorized-on-iot-telemetry",
        transform=alter(
            "datasetAccess:DatasetAccess",
            "co2-per-room-hourly-authorized-on-iot-telemetry",
            view=None,
            authorized_dataset={  # the provider's property: every view of scratch reads it all
                "dataset": {"project_id": "example-iot-prod", "dataset_id": "scratch"},
                "target_types": ["VIEWS"],
            },
        ),
    ),
    Case(
        "sql-reads-declared-ports",
        "mandatory",
        "reads rows from EXTERNAL_QUERY('example-iot-prod.europe-west1.side-door')",
        "iot-analytics-out-co2-per-room-hourly-view",
        transform=_replace_query(
            "`example-iot-prod.iot_iot_telemetry.metrics_v1`",
            'EXTERNAL_QUERY("example-iot-prod.europe-west1.side-door", "SELECT 1")',
        ),
    ),
    Case(
        "dataflow-hardening",
        "mandatory",
        "template parameters service_account_email would override",
        "iot-telemetry-transform-job",
        transform=alter(
            "flexTemplateJob:FlexTemplateJob",
            "-job",
            parameters={"service_account_email": "other@example-iot-prod.iam.gserviceaccount.com"},
        ),
    ),
    Case(
        "pubsub-reliability",
        "mandatory",
        "dead letters are kept 3600s",
        "iot-telemetry-in-device-events-dlq-topic",
        transform=alter("pubsub/topic:Topic", "dlq-topic", message_retention_duration="3600s"),
    ),
    Case(
        "pubsub-reliability",
        "mandatory",
        "pushes every message to https://collector.example.net/in",
        "iot-telemetry-in-device-events-subscription",
        transform=alter(
            "pubsub/subscription:Subscription",
            "device-events-subscription",
            push_config={"push_endpoint": "https://collector.example.net/in"},
        ),
    ),
    Case(
        "production-settings",
        "mandatory",
        "labelled mesh-env=dev in a production stack",
        "iot-telemetry-storage-dataset",
        config={"data-mesh:environment": "dev"},
    ),
    Case(
        "production-settings",
        "mandatory",
        "runs the image tag 'latest'",
        "iot-telemetry-transform-template-spec",
        config={"data-mesh:pipelineImageTag": "latest"},
    ),
    Case(
        "production-settings",
        "mandatory",
        "a key outside the key projects (example-security)",
        "iot-telemetry-storage-dataset",
        config={
            "data-mesh:kmsKey": "projects/other/locations/europe-west1/keyRings/r/cryptoKeys/k"
        },
    ),
    Case(
        "dataflow-hardening",
        "mandatory",
        "set ipConfiguration=WORKER_IP_PRIVATE",
        "iot-telemetry-transform-job",
        transform=alter(
            "flexTemplateJob:FlexTemplateJob", "-job", ip_configuration="WORKER_IP_PUBLIC"
        ),
    ),
    Case(
        "dataflow-hardening",
        "mandatory",
        "set onDelete=drain",
        "iot-telemetry-transform-job",
        transform=alter("flexTemplateJob:FlexTemplateJob", "-job", on_delete="cancel"),
    ),
    Case(
        "pubsub-reliability",
        "mandatory",
        "expires after 31 days",
        "iot-telemetry-in-device-events-subscription",
        transform=alter(
            "subscription:Subscription", "device-events-subscription", expiration_policy=None
        ),
    ),
    Case(
        "pubsub-reliability",
        "mandatory",
        "add a deadLetterPolicy",
        "iot-telemetry-in-device-events-subscription",
        transform=alter(
            "subscription:Subscription", "device-events-subscription", dead_letter_policy=None
        ),
    ),
    Case(
        "scheduled-query-hardening",
        "mandatory",
        "runs in US but writes a dataset in europe-west1",
        "iot-metadata-transform-devices",
        transform=alter(
            "dataTransferConfig:DataTransferConfig", "transform-devices", location=None
        ),
    ),
    Case(
        "scheduled-query-hardening",
        "mandatory",
        "writes the output port devices_v1 as a query destination (WRITE_TRUNCATE)",
        "iot-metadata-transform-devices",
        transform=alter(
            "dataTransferConfig:DataTransferConfig",
            "transform-devices",
            destination_dataset_id="iot_iot_metadata",
            params={
                "query": "SELECT 1 AS device_id",
                "destination_table_name_template": "devices_v1",
                "write_disposition": "WRITE_TRUNCATE",
            },
        ),
    ),
    Case(
        "iam-replacement-safety",
        "mandatory",
        "set delete_before_replace=True",
        "iot-telemetry-out-metrics-reader-group-analytics-team",
        transform=alter(
            "iamMember:IamMember",
            "metrics-reader-group-analytics-team",
            opts=pulumi.ResourceOptions(delete_before_replace=False),
        ),
    ),
    Case(
        "time-series-partitioning",
        "advisory",
        "partition it by that column",
        "iot-telemetry-out-metrics-table",
        spec=_metrics_port(lambda p: p.update(partitioning=None, require_partition_filter=False)),
    ),
    Case(
        "pii-policy-tags",
        "mandatory",
        "column contact_email is pii by its contract",
        "customers-out-customers-table",
        stack="crm-prod",
        config={"data-mesh:policyTags": "{}"},
    ),
    Case(
        "project-iam",
        "mandatory",
        "a federated source reads a database of the stack's project",
        "customers-in-crm-db-connection-cloudsql-client",
        stack="crm-prod",
        spec=yaml_edit(
            "customers/product.yaml",
            lambda d: d["input_ports"][0].update(instance="hr-payroll:europe-west1:payroll"),
        ),
    ),
    Case(
        "baseline-apis",
        "mandatory",
        "enables sqladmin.googleapis.com, which no resource of the stack uses",
        "baseline-compute",
        transform=alter("service:Service", "baseline-compute", service="sqladmin.googleapis.com"),
    ),
    Case(
        "key-grants",
        "mandatory",
        "not a Google service agent",
        "baseline-pubsub-agent-key",
        transform=alter(
            "cryptoKeyIAMMember:CryptoKeyIAMMember",
            "baseline-pubsub-agent-key",
            member="user:mallory@example.com",
        ),
    ),
    Case(
        "quality-scans-see-every-row",
        "mandatory",
        "no policy grants the Dataplex service agent every row",
        "iot-telemetry-control-dq-metrics",
        transform=alter(
            "rowAccessPolicy:RowAccessPolicy",
            "metrics-rls-quality-scanner",
            grantees=["serviceAccount:dp-iot-telemetry@example-iot-prod.iam.gserviceaccount.com"],
        ),
    ),
    Case(
        "retention-vs-contract",
        "mandatory",  # advisory in dev; production's floor keeps it mandatory
        "partitions expire after 30 days but the contract promises 400",
        "iot-telemetry-out-metrics-table",
        spec=_metrics_port(lambda p: p["partitioning"].update(expiration_days=30)),
    ),
    Case(
        "naming",
        "mandatory",
        "should be 'iot_iot_telemetry'",
        "iot-telemetry-storage-dataset",
        transform=alter("dataset:Dataset", "iot-telemetry-storage-dataset", dataset_id="telemetry"),
    ),
    Case(
        "single-dataset-grant-mechanism",
        "mandatory",
        "inline `accesses` conflict",
        "iot-telemetry-storage-dataset",
        transform=alter(
            "dataset:Dataset",
            "iot-telemetry-storage-dataset",
            accesses=[{"role": "READER", "group_by_email": "iot-team@example.com"}],
        ),
    ),
    Case(
        "bucket-hardening",
        "mandatory",
        "set publicAccessPrevention",
        "iot-telemetry-transform-bucket",
        transform=alter("bucket:Bucket", "transform-bucket", public_access_prevention="inherited"),
    ),
]


@pytest.mark.parametrize("preview", [True, False], ids=["preview", "resolved"])
@pytest.mark.parametrize("case", CASES, ids=[f"{c.policy}-{i}" for i, c in enumerate(CASES)])
def test_policy_catches_its_violation(
    case: Case, preview: bool, pack: LoadedPack, crm_outputs: Mapping[str, Any], products: Path
) -> None:
    """Every violation fires both in a preview of a first `up` (computed values unknown)
    and with every value resolved."""
    if case.spec is not None:
        case.spec(products)
    run: ProgramRun = plan_stack(
        case.stack,
        crm_outputs,
        products_dir=products if case.spec else None,
        extra_config=dict(case.config or {}),
        transform=case.transform,
        preview=preview,
        extra=case.extra,
    )
    violations = [v for v in check(pack, run, case.pack_config) if v.policy == case.policy]
    assert violations, f"{case.policy} did not fire"
    by_urn = {r.urn: r.name for r in run.resources}
    matching = [
        v
        for v in violations
        if case.message in v.message and (not case.resource or by_urn.get(v.urn) == case.resource)
    ]
    assert matching, [(by_urn.get(v.urn), v.message) for v in violations]
    assert {v.enforcement_level for v in matching} == {case.level}
    assert all(case.resource in v.message for v in matching if case.resource)


def test_every_policy_has_a_violating_case(pack: LoadedPack) -> None:
    assert {p.name for p in pack.policies} == {c.policy for c in CASES}
