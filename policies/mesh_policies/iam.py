"""Who may be granted anything at all, and how grants are replaced."""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from mesh_policies.common import (
    BASIC_ROLES,
    DATASET_ACCESS,
    PUBLIC,
    email_of,
    is_iam_grant,
    members_of,
    roles_of,
)


def _no_public(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for member in members_of(args.resource_type, args.props):
        if member in PUBLIC or email_of(member) in PUBLIC:
            report(f"{args.name} grants {member}; grant a group or service account instead.")


no_public_principals = ResourceValidationPolicy(
    name="no-public-principals",
    description="No allUsers or allAuthenticatedUsers in any IAM grant, dataset access entry or "
    "row access policy: mesh data is never public.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_no_public,
)


def _no_basic_roles(args: ResourceValidationArgs, report: ReportViolation) -> None:
    for role in roles_of(args.props):
        if role in BASIC_ROLES:
            report(
                f"{args.name} grants {role}; use a predefined role scoped to the resource "
                "(e.g. roles/bigquery.dataViewer)."
            )


no_basic_roles = ResourceValidationPolicy(
    name="no-basic-roles",
    description="No roles/owner, roles/editor or roles/viewer anywhere: basic roles span "
    "every service of a project.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_no_basic_roles,
)


def _principal_kinds(args: ResourceValidationArgs, report: ReportViolation) -> None:
    config = args.get_config()
    allowed_users = set(config.get("allowedUsers") or [])
    domains = [str(d).lower() for d in config.get("allowedDomains") or []]
    for member in members_of(args.resource_type, args.props):
        if ":" not in member:
            continue  # special groups (projectOwners...) and public ones are other policies'
        kind, email = member.split(":", 1)
        if kind == "user" and email not in allowed_users:
            report(
                f"{args.name} grants the user {email}; grant the team's Google group "
                "instead (or add the user to principal-kinds.allowedUsers)."
            )
        elif kind not in {"user", "group", "serviceAccount", "domain"}:
            report(f"{args.name} grants {member}; only groups and service accounts are allowed.")
        if (
            kind == "group"
            and domains
            and not any(email.lower().endswith("@" + d) for d in domains)
        ):
            report(
                f"{args.name} grants {email}, outside the allowed domains ({', '.join(domains)})."
            )
        if kind == "domain":
            report(f"{args.name} grants a whole domain ({email}); grant a group instead.")


principal_kinds = ResourceValidationPolicy(
    name="principal-kinds",
    description="Grants go to Google groups and service accounts, not to individual users, "
    "and groups belong to the organization's domains.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedUsers": {"type": "array", "items": {"type": "string"}, "default": []},
            "allowedDomains": {"type": "array", "items": {"type": "string"}, "default": []},
        }
    ),
    validate=_principal_kinds,
)


def _replacement_safety(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not (is_iam_grant(args.resource_type) or args.resource_type == DATASET_ACCESS):
        return
    if args.resource_type.rsplit(":", 1)[-1].lower().endswith("iampolicy"):
        return  # authoritative policies are replaced whole
    if args.opts.delete_before_replace is not True:
        report(
            f"{args.name}: set delete_before_replace=True. Replacing a grant create-first "
            "ends with the grant removed when role and member stay the same."
        )


iam_replacement_safety = ResourceValidationPolicy(
    name="iam-replacement-safety",
    description="IAM members and dataset access entries are created with "
    "delete_before_replace, so a rename never drops a grant.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_replacement_safety,
)
