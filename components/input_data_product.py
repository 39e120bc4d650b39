"""Data-product input port: read access to an upstream output port for this
product's identity, on that port only (table-level IAM, never the dataset)."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.context import TOKEN_PREFIX, ProductContext, iam
from components.references import PortReference
from components.tenancy import downstream_full_access
from datamesh.spec.product import DataProductInput

READER = "roles/bigquery.dataViewer"
SUBSCRIBER = "roles/pubsub.subscriber"


class DataProductInputPort(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        ctx: ProductContext,
        port: DataProductInput,
        upstream: PortReference,
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__(f"{TOKEN_PREFIX}DataProductInputPort", name, None, opts)
        depends = [upstream.resource] if upstream.resource is not None else []
        if upstream.kind == "topic":
            self.subscription = gcp.pubsub.Subscription(
                f"{name}-subscription",
                name=f"{ctx.id}-{port.name}",
                project=ctx.project,
                topic=pulumi.Output.concat(
                    "projects/", upstream.project, "/topics/", upstream.resource_id
                ),
                labels=ctx.labels(port.name, "input"),
                expiration_policy={"ttl": ""},
                opts=ctx.stateful(self, depends_on=depends),
            )
            gcp.pubsub.SubscriptionIAMMember(
                f"{name}-reader",
                project=ctx.project,
                subscription=self.subscription.name,
                role=SUBSCRIBER,
                member=ctx.sa_member,
                opts=iam(self),
            )
        else:
            gcp.bigquery.IamMember(
                f"{name}-reader",
                project=upstream.project,
                dataset_id=upstream.dataset_id,
                table_id=upstream.resource_id,
                role=READER,
                member=ctx.sa_member,
                opts=iam(self, depends_on=depends),
            )
            if upstream.tenant_column is not None:
                downstream_full_access(
                    name,
                    ctx,
                    self,
                    upstream.project,
                    upstream.dataset_id,
                    upstream.resource_id,
                    depends,
                )
        self.register_outputs(
            {"upstream": pulumi.Output.concat(upstream.product, ".", upstream.port)}
        )
