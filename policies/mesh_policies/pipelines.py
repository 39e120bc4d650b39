"""Running parts: Dataflow jobs, Pub/Sub ports, storage for pipelines."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from mesh_policies.common import BUCKET, FLEX_JOB, SUBSCRIPTION, TOPIC, in_mesh, labels_of


def _dataflow(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != FLEX_JOB:
        return
    p = args.props
    account = str(p.get("serviceAccountEmail") or "")
    if not account or account.endswith("-compute@developer.gserviceaccount.com"):
        report(
            f"{args.name} runs as the default compute account; run it as the product's "
            "own service account (serviceAccountEmail)."
        )
    if p.get("ipConfiguration") != "WORKER_IP_PRIVATE":
        report(f"{args.name}: workers get public IPs; set ipConfiguration=WORKER_IP_PRIVATE.")
    streaming = bool(p.get("enableStreamingEngine")) or any(
        "subscription" in str(k) for k in dict(p.get("parameters") or {})
    )
    if streaming and p.get("onDelete") != "drain":
        report(
            f"{args.name}: a streaming job is cancelled on delete and loses in-flight data; "
            "set onDelete=drain."
        )
    if not p.get("maxWorkers"):
        report(f"{args.name}: set maxWorkers so autoscaling has a cost ceiling.")
    if not labels_of(p):
        report(f"{args.name}: add the mesh labels so the job's cost is attributed.")


dataflow_hardening = ResourceValidationPolicy(
    name="dataflow-hardening",
    description="Dataflow jobs run as a dedicated service account with private worker IPs, "
    "drain on delete when streaming, a max worker count and labels.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_dataflow,
)


def _pubsub(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not in_mesh(args.urn) or args.resource_type not in (TOPIC, SUBSCRIPTION):
        return
    p = args.props
    kind = labels_of(p).get("mesh-port-kind")
    if args.resource_type == SUBSCRIPTION:
        ttl = (p.get("expirationPolicy") or {}).get("ttl")
        if ttl != "":
            report(
                f"{args.name}: an idle subscription expires after 31 days and its backlog "
                'is lost; set expirationPolicy.ttl to "" (never).'
            )
        if kind == "input":
            if not (p.get("deadLetterPolicy") or {}).get("deadLetterTopic"):
                report(
                    f"{args.name}: add a deadLetterPolicy so poison messages are kept, "
                    "not redelivered forever."
                )
            if not p.get("retryPolicy"):
                report(f"{args.name}: add a retryPolicy (exponential backoff).")
    else:
        if not p.get("messageRetentionDuration"):
            report(f"{args.name}: set messageRetentionDuration so messages can be replayed.")
        if kind in ("input", "output") and not (p.get("schemaSettings") or {}).get("schema"):
            report(f"{args.name}: a port topic needs a schema from its contract (schemaSettings).")


pubsub_reliability = ResourceValidationPolicy(
    name="pubsub-reliability",
    description="Input subscriptions have a dead-letter topic, a retry policy and no expiry; "
    "port topics have a schema and message retention.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_pubsub,
)


def _buckets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type != BUCKET:
        return
    p = args.props
    if p.get("uniformBucketLevelAccess") is not True:
        report(f"{args.name}: set uniformBucketLevelAccess=True (no per-object ACLs).")
    if p.get("publicAccessPrevention") != "enforced":
        report(f'{args.name}: set publicAccessPrevention="enforced".')
    if p.get("forceDestroy") is True:
        report(f"{args.name}: forceDestroy deletes every object with the bucket; remove it.")


bucket_hardening = ResourceValidationPolicy(
    name="bucket-hardening",
    description="Buckets use uniform access, enforce public access prevention and are never "
    "force-destroyed.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_buckets,
)
