"""Output kind `table`: a BigQuery table under its contract, with its readers and, on a
multi-tenant port, one row access policy per tenant."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from components.build import Build
from components.options import stateful
from components.placement import Placement
from components.serving import (
    MS_PER_DAY,
    grant_table_reader,
    grant_table_readers,
    port_props,
    port_table_args,
    readers,
    table_schema,
)
from components.tenancy import row_access_policies
from model import conventions as conv
from model.contract import Contract
from model.governance import PortFacts
from model.product import TableOutput
from model.stack_settings import Tenant


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
    scanner: pulumi.Input[str] | None = None  # the Dataplex service agent that scans it


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
            **port_table_args(at, port, contract, args.dataset_id),
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
                        partitioning.expiration_days * MS_PER_DAY
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
        members = readers(port.consumers, port.tenant_column, args.tenants)
        grant_table_readers(name, at.project, self, self.table, members)
        if port.tenant_column is not None:
            row_access_policies(
                name,
                at.project,
                self,
                self.table,
                port.tenant_column,
                args.identity,
                args.tenants,
                args.scanner,
            )
        self.register_outputs({"tableId": self.table.table_id, "contract": contract.id})


def build(b: Build, port: TableOutput) -> None:
    settings = b.args.settings
    b.tables[port.name] = TableOutputPort(
        f"{b.name}-out-{port.name}",
        TableOutputPortArgs(
            b.at,
            port,
            b.bundle.contracts[port.name],
            b.storage.dataset_id,
            b.storage.identity,
            tuple(settings.tenants),
            settings.policy_tags,
            b.args.facts.get(port.name),
            b.at.service_agent(b.args.project_number, conv.DATAPLEX_AGENT),
        ),
        b.opts(),
    ).table


grant_reader = grant_table_reader  # how another product is granted read
