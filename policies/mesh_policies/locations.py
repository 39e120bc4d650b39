"""Data residency and encryption."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from mesh_policies.common import (
    BUCKET,
    CONNECTION,
    DATAPLEX_PRODUCT,
    DATASCAN,
    DATASET,
    FLEX_JOB,
    REPOSITORY,
    TOPIC,
    TRANSFER,
)

# Where each type keeps its location, and the provider default when absent.
_LOCATION_FIELD = {
    DATASET: ("location", "US"),
    TRANSFER: ("location", "US"),
    CONNECTION: ("location", "US"),
    FLEX_JOB: ("region", "us-central1"),
    BUCKET: ("location", None),
    REPOSITORY: ("location", None),
    DATASCAN: ("location", None),
    DATAPLEX_PRODUCT: ("location", None),
}


def _locations(type_token: str, props: Mapping[str, Any]) -> Iterator[str]:
    if type_token == TOPIC:
        policy = props.get("messageStoragePolicy") or {}
        regions = list(policy.get("allowedPersistenceRegions") or [])
        yield from (regions or ["(anywhere: no message storage policy)"])
        return
    field = _LOCATION_FIELD.get(type_token)
    if field is None:
        return
    value = props.get(field[0]) or field[1]
    if value is not None:
        yield str(value)


def _allowed_locations(args: ResourceValidationArgs, report: ReportViolation) -> None:
    allowed = {str(x).lower() for x in args.get_config().get("locations") or []}
    if not allowed:
        return
    for location in _locations(args.resource_type, args.props):
        if location.lower() not in allowed:
            report(f"{args.name} keeps data in {location}; allowed: {', '.join(sorted(allowed))}.")


allowed_locations = ResourceValidationPolicy(
    name="allowed-locations",
    description="Datasets, transfer configs, connections, Dataflow jobs, buckets, Artifact "
    "Registry, Dataplex and Pub/Sub message storage stay in the configured locations.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "locations": {"type": "array", "items": {"type": "string"}, "default": []},
        }
    ),
    validate=_allowed_locations,
)


def _kms_key(type_token: str, props: Mapping[str, Any]) -> str | None:
    if type_token == DATASET:
        return (props.get("defaultEncryptionConfiguration") or {}).get("kmsKeyName")
    if type_token == BUCKET:
        return (props.get("encryption") or {}).get("defaultKmsKeyName")
    if type_token in (TOPIC, FLEX_JOB, REPOSITORY):
        return props.get("kmsKeyName")
    return "not-applicable"


def _cmek(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.get_config().get("required", False):
        return
    if _kms_key(args.resource_type, args.props) in (None, ""):
        report(
            f"{args.name} is encrypted with a Google-managed key; name the stack's KMS key "
            "(data-mesh:kmsKey)."
        )


cmek = ResourceValidationPolicy(
    name="cmek",
    description="When required (production), datasets, topics, buckets, image repositories and "
    "Dataflow jobs are encrypted with a customer-managed KMS key.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={"required": {"type": "boolean", "default": False}}
    ),
    validate=_cmek,
)
