"""Output ports: the tables, views and topics a product serves under its contracts.

Read access is granted per port (table-level IAM, or topic IAM), never on the
dataset, so consumers never see internal tables. Readers are the port's
declared consumer groups and, on multi-tenant ports, every tenant's group
(whose rows the row access policies then filter). Products that read a port
grant themselves access through their own data-product input port.

Each port component's inputs carry the facts the product model computed from
the contract and the stack (contract id and version, tenant column and the
stack's tenants, classified columns, retention): the policy pack reads them
there instead of trusting labels.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.options import child, iam, stateful
from components.placement import Placement
from components.protobuf import proto_schema
from components.tenancy import row_access_policies
from model import conventions as conv
from model.contract import BigQueryField, Contract
from model.governance import PortFacts
from model.product import TableOutput, TopicOutput, ViewOutput
from model.stack_settings import Tenant

READER = "roles/bigquery.dataViewer"
SUBSCRIBER = "roles/pubsub.subscriber"
_MS_PER_DAY = 86_400_000


def port_props(
    contract: Contract,
    tenant_column: str | None,
    tenants: Sequence[Tenant],
    facts: PortFacts | None = None,
) -> dict[str, Any]:
    """What a port component tells the policy pack about itself (component inputs): the
    contract's facts, the stack's tenants, and what the lineage says (model/governance.py)."""
    retention = contract.sla("retention")
    days = None
    if retention is not None and str(retention[1] or "d").lower() in {"d", "day", "days"}:
        days = int(float(str(retention[0])))
    return {
        "contractId": contract.id,
        "contractVersion": contract.version,
        "tenantColumn": tenant_column,
        "tenants": [{"id": t.id, "group": t.group} for t in tenants],
        "classifiedColumns": {
            f.name: f.classification for f in contract.fields if f.classification
        },
        "retentionDays": days,
        **(facts.to_inputs() if facts is not None else PortFacts((), None, {}, {}).to_inputs()),
    }


def port_labels(
    at: Placement, port: str, contract: Contract, tenant_column: str | None
) -> dict[str, str]:
    labels = {**at.labels(port, "output"), **contract_labels(contract)}
    if tenant_column is not None:
        labels[conv.LABEL_TENANT_COLUMN] = conv.label_value(tenant_column)
    return labels


def contract_labels(contract: Contract) -> dict[str, str]:
    """Contract id and version as label values (`.` and `:` are not allowed there)."""
    short = contract.id.removeprefix("urn:datacontract:").replace(":", "-")
    return {
        conv.LABEL_CONTRACT: conv.label_value(short),
        conv.LABEL_CONTRACT_VERSION: conv.label_value(contract.version.replace(".", "-")),
    }


def table_schema(
    fields: tuple[BigQueryField, ...],
    policy_tags: Mapping[str, str],
    required: Mapping[str, str] | None = None,
) -> str:
    """Contract columns as BigQuery schema JSON; classified columns get their policy tag
    (the classification the lineage requires, when it is stronger than the contract's)."""
    required = required or {}

    def one(f: BigQueryField) -> dict[str, Any]:
        out = f.to_api()
        if f.fields:
            out["fields"] = [one(c) for c in f.fields]
        classification = required.get(f.name, f.classification or "")
        tag = policy_tags.get(classification)
        if tag:
            out["policyTags"] = {"names": [tag]}
        return out

    return json.dumps([one(f) for f in fields])


def _readers(
    consumers: Sequence[str], tenant_column: str | None, tenants: Sequence[Tenant]
) -> dict[str, str]:
    """Logical key -> IAM member of everyone who may read the port."""
    readers = {f"group-{g.split('@')[0]}": f"group:{g}" for g in consumers}
    if tenant_column is not None:
        for tenant in tenants:
            readers[f"tenant-{tenant.id}"] = f"group:{tenant.group}"
    return readers


@dataclass(frozen=True)
class TableOutputPortArgs:
    placement: Placement
    port: TableOutput
    contract: Contract
    dataset_id: pulumi.Input[str]  # the product's dataset
    identity: pulumi.Input[str]  # the product's identity: sees every row (it writes them)
    tenants: Sequence[Tenant] = ()  # the stack's tenants, for multi-tenant ports
    policy_tags: Mapping[str, str] = field(default_factory=dict)  # classification -> tag
    facts: PortFacts | None = None  # what the lineage says about the port


@dataclass(frozen=True)
class ViewOutputPortArgs:
    placement: Placement
    port: ViewOutput
    contract: Contract
    dataset_id: pulumi.Input[str]
    query: pulumi.Input[str]  # the view's SQL, placeholders resolved
    tenants: Sequence[Tenant] = ()
    facts: PortFacts | None = None


@dataclass(frozen=True)
class TopicOutputPortArgs:
    placement: Placement
    port: TopicOutput
    contract: Contract


def _port_table_args(
    at: Placement,
    port: TableOutput | ViewOutput,
    contract: Contract,
    dataset_id: pulumi.Input[str],
) -> dict[str, Any]:
    """What a table port and a view port share: where, which contract, which labels."""
    return {
        "project": at.project,
        "dataset_id": dataset_id,
        "table_id": port.physical_name,
        "friendly_name": contract.model.name,
        "description": contract.description,
        "labels": port_labels(at, port.name, contract, port.tenant_column),
        "deletion_protection": at.protect,
    }


class TableOutputPort(pulumi.ComponentResource):
    table: gcp.bigquery.Table

    def __init__(
        self, name: str, args: TableOutputPortArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        at, port, contract = args.placement, args.port, args.contract
        super().__init__(
            conv.TABLE_OUTPUT_PORT,
            name,
            port_props(contract, port.tenant_column, args.tenants, args.facts),
            opts,
        )
        partitioning = port.partitioning
        self.table = gcp.bigquery.Table(
            f"{name}-table",
            **_port_table_args(at, port, contract, args.dataset_id),
            schema=table_schema(
                contract.fields,
                args.policy_tags,
                args.facts.required_classifications if args.facts else None,
            ),
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
            opts=stateful(self, at.protect),
        )
        readers = _readers(port.consumers, port.tenant_column, args.tenants)
        _grant_table_readers(name, at.project, self, self.table, readers)
        if port.tenant_column is not None:
            row_access_policies(
                name, at.project, self, self.table, port.tenant_column, args.identity, args.tenants
            )
        self.register_outputs({"tableId": self.table.table_id, "contract": contract.id})


class ViewOutputPort(pulumi.ComponentResource):
    view: gcp.bigquery.Table

    def __init__(
        self, name: str, args: ViewOutputPortArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        at, port, contract = args.placement, args.port, args.contract
        super().__init__(
            conv.VIEW_OUTPUT_PORT,
            name,
            port_props(contract, port.tenant_column, args.tenants, args.facts),
            opts,
        )
        self.view = gcp.bigquery.Table(
            f"{name}-view",
            **_port_table_args(at, port, contract, args.dataset_id),
            view={"query": args.query, "use_legacy_sql": False},
            opts=stateful(self, at.protect),
        )
        readers = _readers(port.consumers, port.tenant_column, args.tenants)
        _grant_table_readers(name, at.project, self, self.view, readers)
        self.register_outputs({"tableId": self.view.table_id, "contract": contract.id})


class TopicOutputPort(pulumi.ComponentResource):
    topic: gcp.pubsub.Topic

    def __init__(
        self, name: str, args: TopicOutputPortArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        at, port, contract = args.placement, args.port, args.contract
        super().__init__(conv.TOPIC_OUTPUT_PORT, name, port_props(contract, None, ()), opts)
        schema = gcp.pubsub.Schema(
            f"{name}-schema",
            name=f"{port.physical_name}-pb",
            project=at.project,
            type="PROTOCOL_BUFFER",
            definition=proto_schema(contract.object.name or port.physical_name, contract.fields),
            opts=child(self),
        )
        self.topic = gcp.pubsub.Topic(
            f"{name}-topic",
            name=port.physical_name,
            project=at.project,
            labels=port_labels(at, port.name, contract, None),
            kms_key_name=at.kms_key,
            message_retention_duration=f"{port.message_retention_days * 86400}s",
            message_storage_policy={"allowed_persistence_regions": [at.region]},
            schema_settings={
                "schema": schema.name.apply(lambda n: f"projects/{at.project}/schemas/{n}"),
                "encoding": "JSON",
            },
            opts=stateful(self, at.protect),
        )
        for key, member in _readers(port.consumers, None, ()).items():
            gcp.pubsub.TopicIAMMember(
                f"{name}-reader-{key}",
                project=at.project,
                topic=self.topic.name,
                role=SUBSCRIBER,
                member=member,
                opts=iam(self),
            )
        self.register_outputs({"topic": self.topic.id, "contract": contract.id})


def _grant_table_readers(
    name: str,
    project: str,
    parent: pulumi.Resource,
    table: gcp.bigquery.Table,
    readers: Mapping[str, str],
) -> None:
    for key, member in readers.items():
        gcp.bigquery.IamMember(
            f"{name}-reader-{key}",
            project=project,
            dataset_id=table.dataset_id,
            table_id=table.table_id,
            role=READER,
            member=member,
            opts=iam(parent),
        )
