"""Product boundaries: outsiders read output ports only; only owners write."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from mesh_policies.common import VERSIONED, labels_of
from mesh_policies.stack_index import UNKNOWN_MEMBER, Grant, StackIndex

WRITE_ROLES = frozenset(
    {
        "WRITER",
        "OWNER",
        "roles/bigquery.dataEditor",
        "roles/bigquery.dataOwner",
        "roles/bigquery.admin",
        "roles/pubsub.editor",
        "roles/pubsub.admin",
        "roles/storage.admin",
        "roles/storage.objectAdmin",
        "roles/storage.objectCreator",
        "roles/artifactregistry.writer",
        "roles/artifactregistry.admin",
    }
)


# Roles that administer rather than write: never granted on a product's resources.
ADMIN_ROLES = frozenset(
    {
        "OWNER",
        "roles/bigquery.dataOwner",
        "roles/bigquery.admin",
        "roles/pubsub.admin",
        "roles/storage.admin",
        "roles/artifactregistry.admin",
    }
)


def _target_owner(index: StackIndex, g: Grant) -> str | None:
    if g.target_kind in ("table", "rows", "dataset"):
        owner = index.dataset_owner(g.target[0], g.target[1])
        if owner is not None:
            return owner
    return index.product_of(g.resource)


def _consumers_read_ports(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex.of(args.resources)
    for g in index.grants():
        if g.target_kind == "project" or g.role in WRITE_ROLES:
            continue  # project roles are the platform's; writes are owner-only-writes'
        owner = _target_owner(index, g)
        if owner is None or g.member == "view":
            continue
        if g.member == UNKNOWN_MEMBER:
            index.undecided(g)
            continue
        if index.is_insider(g.member, owner):
            continue
        where = f"{g.resource.name} grants {g.member}"
        if g.target_kind in ("table", "rows"):
            table = index.table(*g.target)
            if table is None:
                if not VERSIONED.match(g.target[2]):
                    report(
                        f"{where} on {'.'.join(g.target)}, which is not an output port "
                        "(ports are named <name>_v<major>).",
                        g.resource.urn,
                    )
                continue
            kind = labels_of(table.props).get("mesh-port-kind")
            if kind != "output":
                report(
                    f"{where} on the {kind or 'unlabelled'} table {g.target[2]} of {owner}; "
                    "grant access to an output port instead.",
                    g.resource.urn,
                )
        elif g.target_kind == "dataset":
            report(
                f"{where} on the whole dataset {g.target[1]} of {owner}, internal tables "
                "included; grant it on the output port tables.",
                g.resource.urn,
            )
        elif g.target_kind == "topic":
            topic = index.topics.get(g.target[0])
            if topic is None or labels_of(topic.props).get("mesh-port-kind") != "output":
                report(
                    f"{where} on topic {g.target[0]} of {owner}, which is not an output port.",
                    g.resource.urn,
                )
        else:
            report(
                f"{where} on the internal {g.target_kind} {g.target[0] if g.target else ''} "
                f"of {owner}.",
                g.resource.urn,
            )
    index.finish()


consumers_read_output_ports_only = StackValidationPolicy(
    name="consumers-read-output-ports-only",
    description="Any grant to an identity outside the owning product targets only output "
    "ports, never internal tables, staging, dead letters, external tables or whole datasets.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_consumers_read_ports,
)


def _owner_only_writes(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex.of(args.resources)
    for g in index.grants():
        if g.role not in WRITE_ROLES:
            continue
        owner = _target_owner(index, g)
        if owner is None:
            continue
        if g.role in ADMIN_ROLES:
            # Nobody in the mesh needs to administer data: not even the owners.
            report(
                f"{g.resource.name} grants {g.role} to {g.member} on {owner}'s "
                f"{g.target_kind}; admin roles change access and delete data, and no "
                "product needs them (writers get WRITER or dataEditor).",
                g.resource.urn,
            )
            continue
        if g.member == UNKNOWN_MEMBER:
            index.undecided(g)
            continue
        if not index.is_insider(g.member, owner):
            report(
                f"{g.resource.name} grants {g.role} to {g.member} on {owner}'s "
                f"{g.target_kind}; only {owner}'s service account and owner group write "
                "its data.",
                g.resource.urn,
            )
    index.finish()


owner_only_writes = StackValidationPolicy(
    name="owner-only-writes",
    description="Write roles on a product's resources go only to that product's service "
    "account and owner group, and admin roles to no one.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_owner_only_writes,
)
