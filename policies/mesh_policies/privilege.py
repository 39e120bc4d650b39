"""Privilege outside the port model: project roles, authoritative IAM, keys,
impersonation, foreign service accounts and dataset authorizations."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from mesh_policies.common import (
    DATASET_ACCESS,
    authorized_source,
    dataset_key,
    email_of,
    is_iam_grant,
    is_service_agent,
    members_of,
    roles_of,
)
from mesh_policies.conventions import SERVICE_ACCOUNT_DOMAIN, SqlSyntaxError, tables_read_by
from mesh_policies.stack_index import StackIndex

PRODUCT_IDENTITY = "product"
SERVICE_AGENT = "serviceAgent"
PEOPLE = "people"
# Project-level roles each kind of identity may hold (the platform grants exactly these).
DEFAULT_PROJECT_ROLES = {
    PRODUCT_IDENTITY: [
        "roles/bigquery.jobUser",
        "roles/bigquery.readSessionUser",
        "roles/dataflow.worker",
    ],
    SERVICE_AGENT: ["roles/cloudsql.client"],
    PEOPLE: [],
}
IMPERSONATION = frozenset(
    {
        "roles/iam.serviceAccountUser",
        "roles/iam.serviceAccountTokenCreator",
        "roles/iam.workloadIdentityUser",
        "roles/iam.serviceAccountKeyAdmin",
        "roles/iam.serviceAccountAdmin",
        "roles/iam.serviceAccountOpenIdTokenCreator",
    }
)
KEY = "gcp:serviceaccount/key:Key"


def _stack_project() -> str:
    return str(pulumi.Config("gcp").get("project") or "")


def _kind(member: str) -> str:
    if is_service_agent(member) or (
        email_of(member).endswith(".gserviceaccount.com")
        and ("@gcp-sa-" in member or "@cloudservices." in member)
    ):
        return SERVICE_AGENT
    if member.startswith("serviceAccount:"):
        return PRODUCT_IDENTITY
    return PEOPLE


def _project_iam(args: ResourceValidationArgs, report: ReportViolation) -> None:
    t = args.resource_type
    if not t.startswith("gcp:projects/") or not is_iam_grant(t):
        return
    last = t.rsplit(":", 1)[-1].lower()
    if not last.endswith("iammember"):
        return  # authoritative project IAM is no-authoritative-iam's
    allowed = {**DEFAULT_PROJECT_ROLES, **(args.get_config().get("allowedRoles") or {})}
    project = str(args.props.get("project") or "")
    roles = list(roles_of(args.props))
    # Where the grant is, before who gets it: a member unknown at preview (an identity
    # created in the same update) hides nothing about the project and the role.
    for role in roles:
        _foreign_project(args, project, role, report)
    for member in members_of(t, args.props):
        kind = _kind(member)
        for role in roles:
            if role not in set(allowed.get(kind, [])):
                report(
                    f"{args.name} grants {role} on project {project} to {member}; "
                    f"{kind} identities hold only {', '.join(allowed.get(kind, [])) or 'none'} "
                    "at project level (grant on the resource instead)."
                )


def _foreign_project(
    args: ResourceValidationArgs, project: str, role: str, report: ReportViolation
) -> None:
    home = _stack_project()
    foreign_roles = set(args.get_config().get("foreignProjectRoles") or [])
    if not home or not project or project == home or role in foreign_roles:
        return
    if role == CLOUDSQL_CLIENT:
        sources = args.get_config().get("sourceProjects") or {}
        product = _product_of_grant(args.name, sources)
        if product is not None and project in (sources.get(product) or []):
            return
        report(
            f"{args.name} grants {role} on project {project}: a federated source reads "
            f"a database of the stack's project ({home}) or of a project governance "
            "allows for its product (project-iam sourceProjects); another team's "
            "database (HR, billing) does not enter the mesh this way."
        )
        return
    report(
        f"{args.name} grants {role} on another team's project {project}; the "
        f"platform grants only {', '.join(sorted(foreign_roles)) or 'nothing'} there."
    )


CLOUDSQL_CLIENT = "roles/cloudsql.client"


def _product_of_grant(name: str, products: Mapping[str, Any]) -> str | None:
    """The product a federated input's grant belongs to (`<product>-in-<port>-...`): the
    longest configured product whose prefix the name carries."""
    matching = [p for p in products if name.startswith(f"{p}-in-")]
    return max(matching, key=len) if matching else None


project_iam = ResourceValidationPolicy(
    name="project-iam",
    description="Project-level roles only from an allow-list per identity kind (product "
    "identities, Google service agents, people), and on other teams' projects only the roles "
    "the platform needs there.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedRoles": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "default": DEFAULT_PROJECT_ROLES,
            },
            "foreignProjectRoles": {
                "type": "array",
                "items": {"type": "string"},
                "default": [],
            },
            "sourceProjects": {
                "type": "object",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
                "default": {},
            },
        }
    ),
    validate=_project_iam,
)


def _no_authoritative(args: ResourceValidationArgs, report: ReportViolation) -> None:
    last = args.resource_type.rsplit(":", 1)[-1].lower()
    if is_iam_grant(args.resource_type) and last.endswith(("iambinding", "iampolicy")):
        report(
            f"{args.name} is an authoritative {args.resource_type.rsplit(':', 1)[-1]}: it "
            "removes every grant it does not list, other teams' included; use IAM members."
        )
    if args.resource_type == KEY:
        report(
            f"{args.name} creates a service account key: keys leave the platform and never "
            "expire; run as the identity (workload identity, impersonation by Google services)."
        )


no_authoritative_iam = ResourceValidationPolicy(
    name="no-authoritative-iam",
    description="No authoritative IAM bindings or policies and no service account keys.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_no_authoritative,
)


def _no_impersonation(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not is_iam_grant(args.resource_type):
        return
    for role in roles_of(args.props):
        if role not in IMPERSONATION:
            continue
        for member in members_of(args.resource_type, args.props):
            if _kind(member) != SERVICE_AGENT:
                report(
                    f"{args.name} grants {role} to {member}: it could act as a product's "
                    "identity (and read every tenant's rows); only Google service agents may."
                )


no_impersonation = ResourceValidationPolicy(
    name="no-impersonation",
    description="Only Google service agents may impersonate service accounts "
    "(serviceAccountUser, TokenCreator, workload identity, key admin).",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_no_impersonation,
)


def _service_account_grantees(args: ResourceValidationArgs, report: ReportViolation) -> None:
    projects = {str(p) for p in args.get_config().get("allowedProjects") or []}
    home = _stack_project()
    if home:
        projects.add(home)
    for member in members_of(args.resource_type, args.props):
        email = email_of(member)
        if not member.startswith("serviceAccount:") or _kind(member) == SERVICE_AGENT:
            continue
        if not email.endswith(SERVICE_ACCOUNT_DOMAIN):
            report(f"{args.name} grants {email}, which is not a project's service account.")
            continue
        project = email.split("@", 1)[1].removesuffix(SERVICE_ACCOUNT_DOMAIN)
        if projects and project not in projects:
            report(
                f"{args.name} grants {email}, a service account of project {project}, outside "
                f"the mesh's projects ({', '.join(sorted(projects))})."
            )


service_account_grantees = ResourceValidationPolicy(
    name="service-account-grantees",
    description="Service accounts granted anything belong to the mesh's projects "
    "(the stack's and service-account-grantees.allowedProjects).",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "allowedProjects": {"type": "array", "items": {"type": "string"}, "default": []}
        }
    ),
    validate=_service_account_grantees,
)


def _authorizations(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex.of(args.resources)
    for r in args.resources:
        if r.resource_type != DATASET_ACCESS:
            continue
        p = r.props
        authorized = authorized_source(p)
        if authorized is not None:
            report(
                f"{r.name} authorizes {authorized} on {p.get('datasetId')}: every view and "
                "routine there, present and future, reads all of it; the mesh authorizes "
                "only the views that read it.",
                r.urn,
            )
        view = p.get("view")
        if not view:
            continue
        key = (str(view.get("projectId")), str(view.get("datasetId")), str(view.get("tableId")))
        found = index.table(*key)
        query = str(((found.props.get("view") or {}).get("query")) if found else "")
        try:
            reads = {(t.catalog, t.db) for t in tables_read_by(query)} if query else set()
        except SqlSyntaxError:
            reads = set()
        if dataset_key(p) not in reads:
            report(
                f"{r.name} authorizes {'.'.join(key)} on {p.get('datasetId')}, which that view "
                "does not read (or which is no view of the mesh).",
                r.urn,
            )


dataset_authorizations = StackValidationPolicy(
    name="dataset-authorizations",
    description="Datasets authorize only mesh views that read them: no authorized datasets or "
    "routines, no view that does not read the dataset.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_authorizations,
)
