"""Discovery port: the product and its output ports registered in Dataplex.

Dataplex access groups describe who the consumers are; they grant nothing
here (no `access_group_configs`), so access stays with the output ports' own
grants and there is one place that decides who reads what.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.options import child
from components.placement import Placement, table_resource_name
from model import conventions as conv
from model.product import OutputPort


def _group_id(email: str) -> str:
    return re.sub(r"[^a-z0-9-]", "-", email.split("@")[0].lower())[:63]


@dataclass(frozen=True)
class DiscoveryArgs:
    placement: Placement
    display_name: str
    description: str
    owner_group: str
    output_ports: Sequence[OutputPort]
    assets: Mapping[str, pulumi.Resource]  # table or view port -> its resource
    tenant_groups: Sequence[str] = ()  # readers of multi-tenant ports


class Discovery(pulumi.ComponentResource):
    data_product: gcp.dataplex.DataProduct

    def __init__(
        self, name: str, args: DiscoveryArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.DISCOVERY, name, None, opts)
        at = args.placement
        region = at.region
        consumers = sorted({g for p in args.output_ports for g in p.consumers})
        tenant_groups = (
            sorted(set(args.tenant_groups))
            if any(p.tenant_column for p in args.output_ports)
            else []
        )
        self.data_product = gcp.dataplex.DataProduct(
            f"{name}-dataplex-product",
            project=at.project,
            location=region,
            data_product_id=at.product,
            display_name=args.display_name,
            description=args.description,
            owner_emails=[args.owner_group],
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
            labels=at.labels(),
            opts=child(self),
        )
        assets = args.assets
        for port in args.output_ports:
            if not port.serves_rows or port.name not in assets:
                continue
            gcp.dataplex.DataProductDataAsset(
                f"{name}-dataplex-asset-{port.name}",
                project=at.project,
                location=region,
                data_product_id=self.data_product.data_product_id,
                data_asset_id=port.name,
                resource=table_resource_name(at.project, at.dataset_id, port.physical_name),
                labels=at.labels(port.name, "output"),
                opts=child(self, depends_on=[assets[port.name]]),
            )
        self.register_outputs({"dataProduct": self.data_product.name})
