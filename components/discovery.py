"""Discovery port: the product and its output ports registered in Dataplex.

Dataplex access groups describe who the consumers are; they grant nothing
here (no `access_group_configs`), so access stays with the output ports' own
grants and there is one place that decides who reads what.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pulumi
import pulumi_gcp as gcp

from components.context import TOKEN_PREFIX, ProductContext, child, table_resource_name


def _group_id(email: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", email.split("@")[0].lower())[:63]


class Discovery(pulumi.ComponentResource):
    data_product: gcp.dataplex.DataProduct

    def __init__(
        self,
        name: str,
        ctx: ProductContext,
        assets: Mapping[str, pulumi.Resource],
        opts: pulumi.ResourceOptions,
    ) -> None:
        """`assets` maps each table or view output port to its resource (after it exists)."""
        super().__init__(f"{TOKEN_PREFIX}Discovery", name, None, opts)
        spec = ctx.bundle.spec
        region = ctx.settings.region
        consumers = sorted({g for p in spec.output_ports for g in p.consumers})
        tenant_groups = (
            sorted({t.group for t in ctx.settings.tenants})
            if any(getattr(p, "tenant_column", None) for p in spec.output_ports)
            else []
        )
        self.data_product = gcp.dataplex.DataProduct(
            f"{name}-dataplex-product",
            project=ctx.project,
            location=region,
            data_product_id=spec.id,
            display_name=spec.name,
            description=spec.description,
            owner_emails=[ctx.owner_group],
            access_groups=[
                {
                    "id": _group_id(group),
                    "group_id": _group_id(group),
                    "display_name": group,
                    "description": "tenant readers" if group in tenant_groups else "consumers",
                    "principal": {"google_group": group},
                }
                for group in [*consumers, *tenant_groups]
            ],
            labels=ctx.labels(),
            opts=child(self),
        )
        for port in spec.output_ports:
            if port.kind == "topic" or port.name not in assets:
                continue
            gcp.dataplex.DataProductDataAsset(
                f"{name}-dataplex-asset-{port.name}",
                project=ctx.project,
                location=region,
                data_product_id=self.data_product.data_product_id,
                data_asset_id=port.name,
                resource=table_resource_name(ctx.project, ctx.dataset_id, port.physical_name),
                labels=ctx.labels(port.name, "output"),
                opts=child(self, depends_on=[assets[port.name]]),
            )
        self.register_outputs({"dataProduct": self.data_product.name})
