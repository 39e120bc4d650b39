"""Data-product input port: read access to an upstream output port for this
product's identity, on that port only (table-level IAM, never the dataset)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.options import iam, stateful
from components.placement import Placement
from components.references import PortReference
from components.tenancy import downstream_full_access
from model import conventions as conv
from model.product import DataProductInput

READER = "roles/bigquery.dataViewer"
SUBSCRIBER = "roles/pubsub.subscriber"


@dataclass(frozen=True)
class DataProductInputPortArgs:
    placement: Placement
    port: DataProductInput
    upstream: PortReference  # the resolved output port it reads
    identity: pulumi.Input[str]  # the product's identity: the reader


class DataProductInputPort(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: DataProductInputPortArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.DATA_PRODUCT_INPUT_PORT, name, None, opts)
        at, port, upstream = args.placement, args.port, args.upstream
        depends = [upstream.resource] if upstream.resource is not None else []
        if upstream.kind == "topic":
            self.subscription = gcp.pubsub.Subscription(
                f"{name}-subscription",
                name=f"{at.product}-{port.name}",
                project=at.project,
                topic=pulumi.Output.concat(
                    "projects/", upstream.project, "/topics/", upstream.resource_id
                ),
                labels=at.labels(port.name, "input"),
                expiration_policy={"ttl": ""},
                opts=stateful(self, at.protect, depends_on=depends),
            )
            gcp.pubsub.SubscriptionIAMMember(
                f"{name}-reader",
                project=at.project,
                subscription=self.subscription.name,
                role=SUBSCRIBER,
                member=args.identity,
                opts=iam(self),
            )
        else:
            gcp.bigquery.IamMember(
                f"{name}-reader",
                project=upstream.project,
                dataset_id=upstream.dataset_id,
                table_id=upstream.resource_id,
                role=READER,
                member=args.identity,
                opts=iam(self, depends_on=depends),
            )
            if upstream.tenant_column is not None:
                downstream_full_access(
                    name,
                    at.product,
                    args.identity,
                    self,
                    upstream.project,
                    upstream.dataset_id,
                    upstream.resource_id,
                    depends,
                )
        self.register_outputs(
            {"upstream": pulumi.Output.concat(upstream.product, ".", upstream.port)}
        )
