"""Data residency and encryption."""

from __future__ import annotations

import json
import re
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
    in_mesh,
    labels_of,
)
from mesh_policies.production import at_most, floor_property, is_production

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
    required = args.get_config().get("required", False)
    if not (required or (is_production() and floor_property("cmek", "required"))):
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


_VERSION = re.compile(r"^v?[0-9]+(\.[0-9]+){0,2}([-+][0-9A-Za-z.]+)?$")


def _image_tag(content: str) -> str | None:
    try:
        image = str(json.loads(content).get("image") or "")
    except (ValueError, AttributeError):
        return None
    return image.rsplit("@", 1)[1] if "@" in image else image.rsplit(":", 1)[-1]


def _key_project(name: str) -> str:
    parts = name.split("/")
    return parts[1] if len(parts) > 1 and parts[0] == "projects" else ""


def _production_settings(args: ResourceValidationArgs, report: ReportViolation) -> None:
    config = args.get_config()
    production = is_production()
    if production and in_mesh(args.urn):
        env = labels_of(args.props).get("mesh-env")
        if env is not None and env != "prod":
            report(
                f"{args.name} is labelled mesh-env={env} in a production stack: the stack "
                "config says dev, so protection and production governance are off."
            )
    immutable = config.get("immutableImages", False) or (
        production and floor_property("production-settings", "immutableImages")
    )
    if immutable and args.resource_type == "gcp:storage/bucketObject:BucketObject":
        tag = _image_tag(str(args.props.get("content") or ""))
        if tag is not None and not (tag.startswith("sha256:") or _VERSION.match(tag)):
            report(
                f"{args.name} runs the image tag {tag!r}, which can change under a running "
                "job; pin a version (1.2.3) or a digest (data-mesh:pipelineImageTag)."
            )
    projects = list(config.get("keyProjects") or [])
    if production and not projects:
        projects = list(at_most("production-settings", "keyProjects") or [])
    key = _kms_key(args.resource_type, args.props)
    if (
        key
        and str(key).startswith("projects/")
        and projects
        and _key_project(str(key)) not in projects
    ):
        report(
            f"{args.name} is encrypted with {key}, a key outside the key projects "
            f"({', '.join(projects)})."
        )


production_settings = ResourceValidationPolicy(
    name="production-settings",
    description="Production stacks (policies/production.json) run with the production "
    "environment, immutable pipeline images and KMS keys from the security projects.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "immutableImages": {"type": "boolean", "default": False},
            "keyProjects": {"type": "array", "items": {"type": "string"}, "default": []},
        }
    ),
    validate=_production_settings,
)
