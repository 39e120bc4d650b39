"""What every output port shares: the facts it reports, its labels, its readers.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.options import iam
from components.placement import Placement
from components.references import PortReference
from components.tenancy import downstream_full_access
from model import conventions as conv
from model.contract import BigQueryField, Contract
from model.governance import PortFacts
from model.product import TableOutput, ViewOutput
from model.stack_settings import Tenant


@dataclass(frozen=True)
class Reader:
    """A product reading another product's port through its data-product input port."""

    name: str  # the input port component's name: prefixes what the grant creates
    parent: pulumi.Resource
    at: Placement  # of the reading product
    port: str  # the reading input port
    upstream: PortReference
    identity: pulumi.Input[str]  # the reading product's identity
    depends_on: Sequence[pulumi.Resource]


ReaderGrant = Callable[[Reader], None]

READER = "roles/bigquery.dataViewer"
SUBSCRIBER = "roles/pubsub.subscriber"
MS_PER_DAY = 86_400_000


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


def readers(
    consumers: Sequence[str], tenant_column: str | None, tenants: Sequence[Tenant]
) -> dict[str, str]:
    """Logical key -> IAM member of everyone who may read the port."""
    readers = {f"group-{g.split('@')[0]}": f"group:{g}" for g in consumers}
    if tenant_column is not None:
        for tenant in tenants:
            readers[f"tenant-{tenant.id}"] = f"group:{tenant.group}"
    return readers


def port_table_args(
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


def grant_table_readers(
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


def grant_table_reader(r: Reader) -> None:
    """Read on the upstream table or view alone; on a multi-tenant port, every row (the
    reading product serves them on to tenants under its own row filters)."""
    up = r.upstream
    gcp.bigquery.IamMember(
        f"{r.name}-reader",
        project=up.project,
        dataset_id=up.dataset_id,
        table_id=up.resource_id,
        role=READER,
        member=r.identity,
        opts=iam(r.parent, depends_on=list(r.depends_on)),
    )
    if up.tenant_column is not None:
        downstream_full_access(
            r.name,
            r.at.product,
            r.identity,
            r.parent,
            up.project,
            up.dataset_id,
            up.resource_id,
            list(r.depends_on),
        )
