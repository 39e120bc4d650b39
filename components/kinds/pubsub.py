"""Pub/Sub input port: topic with a schema from the event contract, the
pipeline's subscription, and dead letters that are kept, not lost."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.build import Build
from components.options import child, iam, stateful
from components.placement import Placement
from components.protobuf import proto_schema
from model import conventions as conv
from model.contract import Contract
from model.product import PubSubInput

PUBSUB_AGENT = "gcp-sa-pubsub"
DEAD_LETTER_RETENTION = "604800s"  # 7 days to inspect and replay dead letters


def _days(days: int) -> str:
    return f"{days * 86400}s"


@dataclass(frozen=True)
class PubSubInputPortArgs:
    placement: Placement
    port: PubSubInput
    contract: Contract  # of the event payload
    identity: pulumi.Input[str]  # the product's identity: consumes the subscription
    project_number: pulumi.Input[str]  # names the Pub/Sub service agent


def _path(
    project: str,
    kind: str,
    resource: gcp.pubsub.Topic | gcp.pubsub.Schema | gcp.pubsub.Subscription,
) -> pulumi.Output[str]:
    """`projects/<p>/<kind>/<name>`, known at preview (the names are inputs)."""
    return resource.name.apply(lambda name: f"projects/{project}/{kind}/{name}")


class PubSubInputPort(pulumi.ComponentResource):
    topic: gcp.pubsub.Topic
    subscription: gcp.pubsub.Subscription
    dead_letter_topic: gcp.pubsub.Topic
    dead_letter_subscription: gcp.pubsub.Subscription
    subscription_path: pulumi.Output[str]  # `projects/<p>/subscriptions/<name>`, known at preview

    def __init__(
        self, name: str, args: PubSubInputPortArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.PUBSUB_INPUT_PORT, name, None, opts)
        at = args.placement
        self.schema = self._schema(name, args)
        self.topic = self._topic(name, args)
        self.dead_letter_topic = self._dead_letter_topic(name, args)
        self.subscription = self._subscription(name, args)
        self.dead_letter_subscription = self._dead_letter_subscription(name, args)
        self._grant_service_agent(name, args)
        self._grant_pipeline(name, args)
        self.subscription_path = _path(at.project, "subscriptions", self.subscription)
        self.register_outputs(
            {
                "topic": self.topic.id,
                "subscription": self.subscription.id,
                "deadLetterTopic": self.dead_letter_topic.id,
            }
        )

    def _schema(self, name: str, args: PubSubInputPortArgs) -> gcp.pubsub.Schema:
        """Protocol Buffers, not Avro: with JSON encoding an optional field may be left out
        (components/protobuf.py). A new name per schema type, so the replacement is
        created before the old schema is deleted."""
        at, port, contract = args.placement, args.port, args.contract
        return gcp.pubsub.Schema(
            f"{name}-schema",
            name=f"{conv.input_topic(at.product, port.name)}-v{contract.major}-pb",
            project=at.project,
            type="PROTOCOL_BUFFER",
            definition=proto_schema(contract.object.name or port.name, contract.fields),
            opts=child(self),
        )

    def _topic(self, name: str, args: PubSubInputPortArgs) -> gcp.pubsub.Topic:
        at, port = args.placement, args.port
        return gcp.pubsub.Topic(
            f"{name}-topic",
            name=conv.input_topic(at.product, port.name),
            project=at.project,
            labels=at.labels(port.name, "input"),
            kms_key_name=at.kms_key,
            message_retention_duration=_days(port.message_retention_days),
            message_storage_policy={"allowed_persistence_regions": [at.region]},
            schema_settings={
                "schema": _path(at.project, "schemas", self.schema),
                "encoding": "JSON",
            },
            opts=stateful(self, at.protect),
        )

    def _dead_letter_topic(self, name: str, args: PubSubInputPortArgs) -> gcp.pubsub.Topic:
        at, port = args.placement, args.port
        return gcp.pubsub.Topic(
            f"{name}-dlq-topic",
            name=conv.dead_letter_topic(at.product, port.name),
            project=at.project,
            labels=at.labels(f"{port.name}-dead-letters", "internal"),
            kms_key_name=at.kms_key,
            message_retention_duration=DEAD_LETTER_RETENTION,
            message_storage_policy={"allowed_persistence_regions": [at.region]},
            opts=stateful(self, at.protect),
        )

    def _subscription(self, name: str, args: PubSubInputPortArgs) -> gcp.pubsub.Subscription:
        at, port = args.placement, args.port
        return gcp.pubsub.Subscription(
            f"{name}-subscription",
            name=conv.pipeline_subscription(at.product, port.name),
            project=at.project,
            topic=_path(at.project, "topics", self.topic),
            labels=at.labels(port.name, "input"),
            ack_deadline_seconds=port.ack_deadline_seconds,
            message_retention_duration=_days(port.message_retention_days),
            retry_policy={"minimum_backoff": "10s", "maximum_backoff": "600s"},
            dead_letter_policy={
                "dead_letter_topic": _path(at.project, "topics", self.dead_letter_topic),
                "max_delivery_attempts": port.max_delivery_attempts,
            },
            expiration_policy={"ttl": ""},  # empty: the 31-day idle expiry never applies
            opts=stateful(self, at.protect),
        )

    def _dead_letter_subscription(
        self, name: str, args: PubSubInputPortArgs
    ) -> gcp.pubsub.Subscription:
        at, port = args.placement, args.port
        return gcp.pubsub.Subscription(
            f"{name}-dlq-subscription",
            name=conv.dead_letter_topic(at.product, port.name),
            project=at.project,
            topic=_path(at.project, "topics", self.dead_letter_topic),
            labels=at.labels(f"{port.name}-dead-letters", "internal"),
            ack_deadline_seconds=60,
            message_retention_duration=DEAD_LETTER_RETENTION,
            retain_acked_messages=True,
            expiration_policy={"ttl": ""},  # empty: the 31-day idle expiry never applies
            opts=stateful(self, at.protect),
        )

    def _grant_service_agent(self, name: str, args: PubSubInputPortArgs) -> None:
        """Dead-lettering is done by the Pub/Sub service agent: it must publish to the
        dead-letter topic and subscribe (ack) on the source subscription."""
        at = args.placement
        agent = at.service_agent(args.project_number, PUBSUB_AGENT)
        gcp.pubsub.TopicIAMMember(
            f"{name}-dlq-agent-publisher",
            project=at.project,
            topic=self.dead_letter_topic.name,
            role="roles/pubsub.publisher",
            member=agent,
            opts=iam(self),
        )
        gcp.pubsub.SubscriptionIAMMember(
            f"{name}-agent-subscriber",
            project=at.project,
            subscription=self.subscription.name,
            role="roles/pubsub.subscriber",
            member=agent,
            opts=iam(self),
        )

    def _grant_pipeline(self, name: str, args: PubSubInputPortArgs) -> None:
        """The product's pipeline consumes the subscription (viewer: Dataflow reads its
        metadata)."""
        for role in ("roles/pubsub.subscriber", "roles/pubsub.viewer"):
            gcp.pubsub.SubscriptionIAMMember(
                f"{name}-sa-{role.rsplit('.', 1)[-1]}",
                project=args.placement.project,
                subscription=self.subscription.name,
                role=role,
                member=args.identity,
                opts=iam(self),
            )


def build(b: Build, port: PubSubInput) -> None:
    part = PubSubInputPort(
        f"{b.name}-in-{port.name}",
        PubSubInputPortArgs(
            b.at,
            port,
            b.bundle.event_contracts[port.name],
            b.storage.identity,
            b.args.project_number,
        ),
        b.opts(),
    )
    b.subscriptions[port.name] = part.subscription
    b.subscription_paths[port.name] = part.subscription_path
    b.dead_letters[port.name] = part.dead_letter_subscription
