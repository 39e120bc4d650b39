"""Output ports: the tables, views and topics a product serves under its contracts.

Read access is granted per port (table-level IAM, or topic IAM), never on the
dataset, so consumers never see internal tables. Readers are the port's
declared consumer groups and, on multi-tenant ports, every tenant's group
(whose rows the row access policies then filter). Products that read a port
grant themselves access through their own data-product input port.
"""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.avro import avro_schema
from components.context import TOKEN_PREFIX, ProductContext, child, iam
from components.tenancy import row_access_policies
from datamesh.spec.contract import BigQueryField, Contract
from datamesh.spec.identifiers import label_value
from datamesh.spec.product import TableOutput, TopicOutput, ViewOutput

READER = "roles/bigquery.dataViewer"
SUBSCRIBER = "roles/pubsub.subscriber"
_MS_PER_DAY = 86_400_000


def port_props(contract: Contract, tenant_column: str | None) -> dict[str, Any]:
    """What a port component tells the policy pack about itself (component inputs)."""
    retention = contract.sla("retention")
    days = None
    if retention is not None and str(retention[1] or "d").lower() in {"d", "day", "days"}:
        days = int(float(str(retention[0])))
    return {
        "contractId": contract.id,
        "contractVersion": contract.version,
        "tenantColumn": tenant_column,
        "classifiedColumns": {
            f.name: f.classification for f in contract.fields if f.classification
        },
        "retentionDays": days,
    }


def port_labels(
    ctx: ProductContext, port: str, contract: Contract, tenant_column: str | None
) -> dict[str, str]:
    labels = {**ctx.labels(port, "output"), **contract_labels(contract)}
    if tenant_column is not None:
        labels["mesh-tenant-column"] = label_value(tenant_column)
    return labels


def contract_labels(contract: Contract) -> dict[str, str]:
    """Contract id and version as label values (`.` and `:` are not allowed there)."""
    short = contract.id.removeprefix("urn:datacontract:").replace(":", "-")
    return {
        "mesh-contract": label_value(short),
        "mesh-contract-version": label_value(contract.version.replace(".", "-")),
    }


def table_schema(fields: tuple[BigQueryField, ...], policy_tags: dict[str, str]) -> str:
    """Contract columns as BigQuery schema JSON; classified columns get their policy tag."""

    def one(f: BigQueryField) -> dict[str, Any]:
        out = f.to_api()
        if f.fields:
            out["fields"] = [one(c) for c in f.fields]
        tag = policy_tags.get(f.classification or "")
        if tag:
            out["policyTags"] = {"names": [tag]}
        return out

    return json.dumps([one(f) for f in fields])


def _readers(
    ctx: ProductContext, consumers: list[str], tenant_column: str | None
) -> dict[str, str]:
    """Logical key -> IAM member of everyone who may read the port."""
    readers = {f"group-{g.split('@')[0]}": f"group:{g}" for g in consumers}
    if tenant_column is not None:
        for tenant in ctx.settings.tenants:
            readers[f"tenant-{tenant.id}"] = f"group:{tenant.group}"
    return readers


def _port_table_args(
    ctx: ProductContext, port: TableOutput | ViewOutput, contract: Contract
) -> dict[str, Any]:
    """What a table port and a view port share: where, which contract, which labels."""
    return {
        "project": ctx.project,
        "dataset_id": ctx.dataset_ref,
        "table_id": port.physical_name,
        "friendly_name": contract.model.name,
        "description": contract.description,
        "labels": port_labels(ctx, port.name, contract, port.tenant_column),
        "deletion_protection": ctx.protect,
    }


class TableOutputPort(pulumi.ComponentResource):
    table: gcp.bigquery.Table

    def __init__(
        self, name: str, ctx: ProductContext, port: TableOutput, opts: pulumi.ResourceOptions
    ) -> None:
        contract = ctx.bundle.contracts[port.name]
        super().__init__(
            f"{TOKEN_PREFIX}TableOutputPort", name, port_props(contract, port.tenant_column), opts
        )
        partitioning = port.partitioning
        self.table = gcp.bigquery.Table(
            f"{name}-table",
            **_port_table_args(ctx, port, contract),
            schema=table_schema(contract.fields, ctx.settings.policy_tags),
            time_partitioning=(
                {
                    "type": partitioning.type,
                    "field": partitioning.field,
                    "expiration_ms": (
                        partitioning.expiration_days * _MS_PER_DAY
                        if partitioning.expiration_days
                        else None
                    ),
                }
                if partitioning
                else None
            ),
            clusterings=port.clustering or None,
            require_partition_filter=port.require_partition_filter if partitioning else None,
            opts=ctx.stateful(self),
        )
        _grant_table_readers(name, ctx, self, self.table, port.consumers, port.tenant_column)
        if port.tenant_column is not None:
            row_access_policies(name, ctx, self, self.table, port.tenant_column)
        self.register_outputs({"tableId": self.table.table_id, "contract": contract.id})


class ViewOutputPort(pulumi.ComponentResource):
    view: gcp.bigquery.Table

    def __init__(
        self,
        name: str,
        ctx: ProductContext,
        port: ViewOutput,
        query: pulumi.Input[str],
        opts: pulumi.ResourceOptions,
    ) -> None:
        contract = ctx.bundle.contracts[port.name]
        super().__init__(
            f"{TOKEN_PREFIX}ViewOutputPort", name, port_props(contract, port.tenant_column), opts
        )
        self.view = gcp.bigquery.Table(
            f"{name}-view",
            **_port_table_args(ctx, port, contract),
            view={"query": query, "use_legacy_sql": False},
            opts=ctx.stateful(self),
        )
        _grant_table_readers(name, ctx, self, self.view, port.consumers, port.tenant_column)
        self.register_outputs({"tableId": self.view.table_id, "contract": contract.id})


class TopicOutputPort(pulumi.ComponentResource):
    topic: gcp.pubsub.Topic

    def __init__(
        self, name: str, ctx: ProductContext, port: TopicOutput, opts: pulumi.ResourceOptions
    ) -> None:
        contract = ctx.bundle.contracts[port.name]
        super().__init__(f"{TOKEN_PREFIX}TopicOutputPort", name, port_props(contract, None), opts)
        labels = port_labels(ctx, port.name, contract, None)
        schema = gcp.pubsub.Schema(
            f"{name}-schema",
            name=f"{port.physical_name}",
            project=ctx.project,
            type="AVRO",
            definition=avro_schema(
                contract.object.name or port.physical_name, contract.fields, "mesh.ports"
            ),
            opts=child(self),
        )
        self.topic = gcp.pubsub.Topic(
            f"{name}-topic",
            name=port.physical_name,
            project=ctx.project,
            labels=labels,
            kms_key_name=ctx.settings.kms_key,
            message_retention_duration=f"{port.message_retention_days * 86400}s",
            message_storage_policy={"allowed_persistence_regions": [ctx.settings.region]},
            schema_settings={"schema": schema.id, "encoding": "JSON"},
            opts=ctx.stateful(self),
        )
        for key, member in _readers(ctx, port.consumers, None).items():
            gcp.pubsub.TopicIAMMember(
                f"{name}-reader-{key}",
                project=ctx.project,
                topic=self.topic.name,
                role=SUBSCRIBER,
                member=member,
                opts=iam(self),
            )
        self.register_outputs({"topic": self.topic.id, "contract": contract.id})


def _grant_table_readers(
    name: str,
    ctx: ProductContext,
    parent: pulumi.Resource,
    table: gcp.bigquery.Table,
    consumers: list[str],
    tenant_column: str | None,
) -> None:
    for key, member in _readers(ctx, consumers, tenant_column).items():
        gcp.bigquery.IamMember(
            f"{name}-reader-{key}",
            project=ctx.project,
            dataset_id=table.dataset_id,
            table_id=table.table_id,
            role=READER,
            member=member,
            opts=iam(parent),
        )
