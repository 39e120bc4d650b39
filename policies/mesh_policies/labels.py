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
    LABELABLE,
    PORT_RESOURCES,
    TABLE,
    TOPIC,
    in_mesh,
    labels_of,
)
from mesh_policies.conventions import (
    LABEL_DOMAIN,
    LABEL_PORT_KIND,
    LABEL_PRODUCT,
    LABEL_VALUE,
    LABEL_VALUE_RULE,
    MESH_LABELS,
    PORT_KINDS,
    PORT_LABELS,
    VERSIONED_NAME,
    VERSIONED_RULE,
    dataset_id,
    product_of_account_id,
    service_account_id,
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
        if k.startswith("mesh-") and not LABEL_VALUE.match(v)
    ]
    if bad:
        report(f"{args.name}: label values must be {LABEL_VALUE_RULE}: {', '.join(bad)}.")
    kind = labels.get(LABEL_PORT_KIND)
    if kind is not None and kind not in PORT_KINDS:
        report(f"{args.name}: {LABEL_PORT_KIND} is {kind!r}; use one of {', '.join(PORT_KINDS)}.")


mesh_labels = ResourceValidationPolicy(
    name="mesh-labels",
    description="Every labelable resource of a data product carries mesh-domain, mesh-product, "
    "mesh-owner and mesh-env, and port resources mesh-port and mesh-port-kind, with valid values.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_mesh_labels,
)

_TOPIC = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9](?:_v[0-9]+)?$|^[a-z][a-z0-9_]*_v[0-9]+$")


def _name_prefixes(name: str) -> list[str]:
    """Product ids a child's name can start with (children are named `<product>-...`)."""
    parts = name.split("-")
    return ["-".join(parts[:n]) for n in range(1, len(parts))]


def _naming(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not in_mesh(args.urn):
        return
    props = args.props
    labels = labels_of(props)
    product = labels.get(LABEL_PRODUCT, "")
    if args.resource_type == DATASET:
        expected = dataset_id(labels.get(LABEL_DOMAIN, ""), product)
        if props.get("datasetId") != expected:
            report(
                f"{args.name}: dataset id {props.get('datasetId')!r} should be {expected!r} "
                "(<domain>_<product>)."
            )
    elif args.resource_type == TABLE:
        table_id = str(props.get("tableId") or "")
        if labels.get(LABEL_PORT_KIND) == "output" and not VERSIONED_NAME.match(table_id):
            report(f"{args.name}: output port table {table_id!r} must be {VERSIONED_RULE}.")
        elif not re.match(r"^[a-z][a-z0-9_]*$", table_id):
            report(f"{args.name}: table id {table_id!r} must be lowercase snake case.")
    elif args.resource_type == TOPIC:
        topic = str(props.get("name") or "")
        if not (
            _TOPIC.match(topic)
            and (topic.startswith(f"{product}-") or labels.get(LABEL_PORT_KIND) == "output")
        ):
            report(
                f"{args.name}: topic {topic!r} should be named <product>-<port> "
                f"(here {product}-...) or, for an output port, <name>_v<major>."
            )
    elif args.resource_type == ACCOUNT:
        # Accounts carry no labels: the product is the prefix of the child's name.
        account = str(props.get("accountId") or "")
        if product_of_account_id(account, _name_prefixes(args.name)) is None:
            expected = [service_account_id(p) for p in _name_prefixes(args.name)]
            report(
                f"{args.name}: service account id {account!r} should be its product's "
                f"dp-<product> (one of {', '.join(expected) or 'none'})."
            )


naming = ResourceValidationPolicy(
    name="naming",
    description="Dataset, table, topic and service account ids follow the platform's naming "
    "convention, so every product reads the same way in the console and in SQL.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_naming,
)
