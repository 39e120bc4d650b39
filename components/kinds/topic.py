"""Output kind `topic`: a Pub/Sub topic with the contract's schema and its readers."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.build import Build
from components.options import child, iam, stateful
from components.placement import Placement
from components.protobuf import proto_schema
from components.serving import SUBSCRIBER, Reader, port_labels, port_props, readers
from model import conventions as conv
from model.contract import Contract
from model.product import TopicOutput


@dataclass(frozen=True)
class TopicOutputPortArgs:
    placement: Placement
    port: TopicOutput
    contract: Contract


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
        for key, member in readers(port.consumers, None, ()).items():
            gcp.pubsub.TopicIAMMember(
                f"{name}-reader-{key}",
                project=at.project,
                topic=self.topic.name,
                role=SUBSCRIBER,
                member=member,
                opts=iam(self),
            )
        self.register_outputs({"topic": self.topic.id, "contract": contract.id})


def build(b: Build, port: TopicOutput) -> None:
    b.topics[port.name] = TopicOutputPort(
        f"{b.name}-out-{port.name}",
        TopicOutputPortArgs(b.at, port, b.bundle.contracts[port.name]),
        b.opts(),
    ).topic


def grant_reader(r: Reader) -> None:
    """Another product reads the topic through a subscription of its own."""
    up = r.upstream
    subscription = gcp.pubsub.Subscription(
        f"{r.name}-subscription",
        name=f"{r.at.product}-{r.port}",
        project=r.at.project,
        topic=pulumi.Output.concat("projects/", up.project, "/topics/", up.resource_id),
        labels=r.at.labels(r.port, "input"),
        expiration_policy={"ttl": ""},
        opts=stateful(r.parent, r.at.protect, depends_on=list(r.depends_on)),
    )
    gcp.pubsub.SubscriptionIAMMember(
        f"{r.name}-reader",
        project=r.at.project,
        subscription=subscription.name,
        role=SUBSCRIBER,
        member=r.identity,
        opts=iam(r.parent),
    )
