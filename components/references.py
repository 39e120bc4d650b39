"""Resolved output ports: what a consumer needs to read an upstream port.

A port deployed in the same stack is known from its component; a port of a
product deployed by another stack comes from that stack's mesh registry
(a `StackReference` output), so teams deploy independently.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi


def fq_table(
    project: pulumi.Input[str], dataset_id: pulumi.Input[str], table_id: pulumi.Input[str]
) -> pulumi.Output[str]:
    """`project.dataset.table` as written in BigQuery SQL (backquoted)."""
    return pulumi.Output.concat("`", project, ".", dataset_id, ".", table_id, "`")


@dataclass(frozen=True)
class PortReference:
    product: str
    port: str
    kind: str  # table | view | topic
    project: pulumi.Input[str]
    dataset_id: pulumi.Input[str]
    resource_id: pulumi.Input[str]  # table, view or topic id
    tenant_column: str | None = None  # set on multi-tenant table ports
    resource: pulumi.Resource | None = None  # the port's resource when in this stack

    def fq_table(self) -> pulumi.Output[str]:
        return fq_table(self.project, self.dataset_id, self.resource_id)


def registry_port(
    product: str, port: str, kind: str, tenant_column: str | None, entry: pulumi.Output[Any]
) -> PortReference:
    """A PortReference read from another stack's registry entry of `product`."""

    def get(key: str) -> pulumi.Output[str]:
        return entry.apply(lambda e: str(e["outputPorts"][port][key]))

    return PortReference(
        product=product,
        port=port,
        kind=kind,
        project=get("project"),
        dataset_id=get("datasetId"),
        resource_id=get("resourceId"),
        tenant_column=tenant_column,
    )
