"""Running parts: Dataflow jobs, Pub/Sub ports, storage for pipelines."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from mesh_policies.common import BUCKET, FLEX_JOB, SUBSCRIPTION, TOPIC, in_mesh, labels_of

# Dataflow and Beam options that, passed as template parameters, would replace what the
# platform sets as top-level job arguments (identity, image, network, IPs, keys, places).
PIPELINE_ENVIRONMENT = frozenset(
    {
        "serviceaccountemail",
        "serviceaccount",
        "impersonateserviceaccount",
        "sdkcontainerimage",
        "workerharnesscontainerimage",
        "sdklocation",
        "network",
        "subnetwork",
        "usepublicips",
        "nousepublicips",
        "ipconfiguration",
        "experiments",
        "additionalexperiments",
        "dataflowserviceoptions",
        "dataflowkmskey",
        "kmskeyname",
        "templocation",
        "staginglocation",
        "gcptemplocation",
        "region",
        "workerregion",
        "workerzone",
        "zone",
        "project",
        "labels",
        "maxnumworkers",
        "maxworkers",
        "numworkers",
        "machinetype",
        "workermachinetype",
        "launcheroptions",
        "savemainsession",
        "setupfile",
        "requirementsfile",
    }
)


def _normal(name: str) -> str:
    return name.replace("_", "").replace("-", "").lower()


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
    overrides = sorted(
        k for k in dict(p.get("parameters") or {}) if _normal(str(k)) in PIPELINE_ENVIRONMENT
    )
    if overrides:
        report(
            f"{args.name}: template parameters {', '.join(overrides)} would override the "
            "identity, image, network or IP configuration the platform sets; remove them."
        )
    if not labels_of(p):
        report(f"{args.name}: add the mesh labels so the job's cost is attributed.")


dataflow_hardening = ResourceValidationPolicy(
    name="dataflow-hardening",
    description="Dataflow jobs run as a dedicated service account with private worker IPs, "
    "drain on delete when streaming, a max worker count and labels, and no template "
    "parameter overrides the identity, image, network or IP configuration.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_dataflow,
)


def _seconds(duration: Any) -> float | None:
    text = str(duration or "")
    return float(text[:-1]) if text.endswith("s") and text[:-1].replace(".", "").isdigit() else None


def _pubsub(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type == SUBSCRIPTION:
        _delivery(args, report)  # wherever it is: exports leave the mesh from any subscription
    if not in_mesh(args.urn) or args.resource_type not in (TOPIC, SUBSCRIPTION):
        return
    p = args.props
    kind = labels_of(p).get("mesh-port-kind")
    floor = float(args.get_config().get("minDeadLetterRetentionDays", 7)) * 86400
    if str(labels_of(p).get("mesh-port", "")).endswith("-dead-letters"):
        retention = _seconds(p.get("messageRetentionDuration"))
        if retention is None or retention < floor:
            kept = p.get("messageRetentionDuration") or "the default"
            report(
                f"{args.name}: dead letters are kept {kept}; keep them at least "
                f"{floor / 86400:g} days to inspect and replay."
            )
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


def _delivery(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Push and export subscriptions deliver messages somewhere: only inside the project."""
    p = args.props
    allowed = [str(x) for x in args.get_config().get("allowedPushEndpoints") or []]
    endpoint = str((p.get("pushConfig") or {}).get("pushEndpoint") or "")
    if endpoint and not any(endpoint.startswith(prefix) for prefix in allowed):
        report(
            f"{args.name} pushes every message to {endpoint}, outside the mesh; pull "
            "subscriptions only (or list the endpoint in allowedPushEndpoints)."
        )
    project = str(p.get("project") or "")
    table = str((p.get("bigqueryConfig") or {}).get("table") or "")
    if table and project and not table.startswith(f"{project}."):
        report(f"{args.name} exports every message to {table}, a table of another project.")
    bucket = str((p.get("cloudStorageConfig") or {}).get("bucket") or "")
    if bucket:
        report(f"{args.name} exports every message to the bucket {bucket}; keep data in ports.")


pubsub_reliability = ResourceValidationPolicy(
    name="pubsub-reliability",
    description="Input subscriptions have a dead-letter topic, a retry policy and no expiry; "
    "port topics have a schema and message retention; dead letters are kept long enough; "
    "no subscription pushes or exports messages outside the mesh.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "minDeadLetterRetentionDays": {"type": "number", "minimum": 1, "default": 7},
            "allowedPushEndpoints": {"type": "array", "items": {"type": "string"}, "default": []},
        }
    ),
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
