"""Discovery conventions: mesh labels and naming."""

from __future__ import annotations

import re

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from mesh_policies.common import (
    ACCOUNT,
    DATASET,
    LABEL_VALUE,
    LABELABLE,
    MESH_LABELS,
    PORT_KINDS,
    PORT_LABELS,
    PORT_RESOURCES,
    TABLE,
    TOPIC,
    VERSIONED,
    in_mesh,
    labels_of,
)


def _mesh_labels(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if args.resource_type not in LABELABLE or not in_mesh(args.urn):
        return
    labels = labels_of(args.props)
    required = list(MESH_LABELS)
    if args.resource_type in PORT_RESOURCES:
        required += list(PORT_LABELS)
    missing = [key for key in required if key not in labels]
    if missing:
        report(f"{args.name}: add the labels {', '.join(missing)}.")
    bad = [
        f"{k}={v!r}"
        for k, v in labels.items()
        if k.startswith("mesh-") and not (LABEL_VALUE.match(v) and v == v.lower())
    ]
    if bad:
        report(
            f"{args.name}: label values must be lowercase letters, digits, '_' or '-' "
            f"(at most 63 characters): {', '.join(bad)}."
        )
    kind = labels.get("mesh-port-kind")
    if kind is not None and kind not in PORT_KINDS:
        report(f"{args.name}: mesh-port-kind is {kind!r}; use one of {', '.join(PORT_KINDS)}.")


mesh_labels = ResourceValidationPolicy(
    name="mesh-labels",
    description="Every labelable resource of a data product carries mesh-domain, mesh-product, "
    "mesh-owner and mesh-env, and port resources mesh-port and mesh-port-kind, with valid values.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_mesh_labels,
)

_SA_ID = re.compile(r"^dp-[a-z0-9](?:[a-z0-9-]{2,26}[a-z0-9])$")
_TOPIC = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9](?:_v[0-9]+)?$|^[a-z][a-z0-9_]*_v[0-9]+$")


def _naming(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not in_mesh(args.urn):
        return
    props = args.props
    labels = labels_of(props)
    if args.resource_type == DATASET:
        expected = f"{labels.get('mesh-domain', '')}_{labels.get('mesh-product', '')}".replace(
            "-", "_"
        )
        if props.get("datasetId") != expected:
            report(
                f"{args.name}: dataset id {props.get('datasetId')!r} should be {expected!r} "
                "(<domain>_<product>)."
            )
    elif args.resource_type == TABLE:
        table_id = str(props.get("tableId") or "")
        if labels.get("mesh-port-kind") == "output" and not VERSIONED.match(table_id):
            report(
                f"{args.name}: output port table {table_id!r} must be snake case ending in "
                "_v<major> of its contract, e.g. metrics_v1."
            )
        elif not re.match(r"^[a-z][a-z0-9_]*$", table_id):
            report(f"{args.name}: table id {table_id!r} must be lowercase snake case.")
    elif args.resource_type == TOPIC:
        topic = str(props.get("name") or "")
        product = labels.get("mesh-product", "")
        if not (
            _TOPIC.match(topic)
            and (topic.startswith(f"{product}-") or labels.get("mesh-port-kind") == "output")
        ):
            report(
                f"{args.name}: topic {topic!r} should be named <product>-<port> "
                f"(here {product}-...) or, for an output port, <name>_v<major>."
            )
    elif args.resource_type == ACCOUNT:
        account = str(props.get("accountId") or "")
        if not _SA_ID.match(account):
            report(
                f"{args.name}: service account id {account!r} should be dp-<product> "
                "(6-30 characters)."
            )


naming = ResourceValidationPolicy(
    name="naming",
    description="Dataset, table, topic and service account ids follow the platform's naming "
    "convention, so every product reads the same way in the console and in SQL.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_naming,
)
