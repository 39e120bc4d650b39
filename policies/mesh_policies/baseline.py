"""The project baseline: the APIs a stack enables and the grants of its KMS key.

An API a stack enables and no resource of it uses widens what the project exposes
(every API is another surface a compromised identity can reach); the stack's KMS key
is the keystone of its encryption and goes to Google's service agents only, for the
encrypter/decrypter role and no other.
"""

from __future__ import annotations

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

from mesh_policies.common import email_of, is_service_agent
from mesh_policies.locations import _kms_key
from mesh_policies.stack_index import Undecided

SERVICE = "gcp:projects/service:Service"
KEY_GRANTS = frozenset(
    {
        "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember",
        "gcp:kms/cryptoKeyIAMBinding:CryptoKeyIAMBinding",
        "gcp:kms/cryptoKeyIAMPolicy:CryptoKeyIAMPolicy",
    }
)
KEY_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter"

# The APIs a resource type is created through (its type's prefix), and what else the
# service needs to run it (Dataflow's workers are Compute Engine VMs).
_USES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gcp:bigquery/dataTransferConfig:", ("bigquerydatatransfer.googleapis.com",)),
    ("gcp:bigquery/connection", ("bigqueryconnection.googleapis.com",)),
    ("gcp:bigquery/", ("bigquery.googleapis.com",)),
    ("gcp:pubsub/", ("pubsub.googleapis.com",)),
    ("gcp:dataflow/", ("dataflow.googleapis.com", "compute.googleapis.com")),
    ("gcp:artifactregistry/", ("artifactregistry.googleapis.com",)),
    ("docker-build:", ("artifactregistry.googleapis.com",)),
    ("gcp:storage/", ("storage.googleapis.com",)),
    ("gcp:dataplex/", ("dataplex.googleapis.com",)),
    ("gcp:monitoring/", ("monitoring.googleapis.com",)),
    ("gcp:logging/", ("logging.googleapis.com",)),
    ("gcp:serviceaccount/", ("iam.googleapis.com",)),
    ("gcp:projects/iAM", ("cloudresourcemanager.googleapis.com",)),
)


def _apis_used(resource_type: str) -> tuple[str, ...]:
    return next((apis for prefix, apis in _USES if resource_type.startswith(prefix)), ())


def _apis(args: StackValidationArgs, report: ReportViolation) -> None:
    used = {api for r in args.resources for api in _apis_used(r.resource_type)}
    for r in args.resources:
        if r.resource_type != SERVICE:
            continue
        api = str(r.props.get("service") or "")
        if api and api not in used:
            report(
                f"{r.name} enables {api}, which no resource of the stack uses: enable only "
                "what the stack's products need.",
                r.urn,
            )
        if r.props.get("disableOnDestroy") is not False:
            report(
                f"{r.name} turns {api} off when the stack is destroyed, breaking every "
                "other user of the project: set disable_on_destroy=False.",
                r.urn,
            )


baseline_apis = StackValidationPolicy(
    name="baseline-apis",
    description="A stack enables only the APIs its resources use, and never turns one off "
    "on destroy.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_apis,
)


def _key_grants(args: StackValidationArgs, report: ReportViolation) -> None:
    keys = {
        str(key)
        for r in args.resources
        if (key := _kms_key(r.resource_type, r.props)) not in (None, "", "not-applicable")
    }
    undecided: list[str] = []
    for r in args.resources:
        if r.resource_type not in KEY_GRANTS:
            continue
        if r.resource_type != "gcp:kms/cryptoKeyIAMMember:CryptoKeyIAMMember":
            report(f"{r.name} sets a key's IAM authoritatively: grant one member at a time.", r.urn)
            continue
        key, role = (str(r.props.get(k) or "") for k in ("cryptoKeyId", "role"))
        if role != KEY_ROLE:
            report(f"{r.name} grants {role} on {key}: service agents get {KEY_ROLE} only.", r.urn)
        if keys and key not in keys:
            report(
                f"{r.name} grants {key}, a key no resource of the stack is encrypted with.",
                r.urn,
            )
        try:
            member = str(r.props.get("member") or "")
        except UnknownValueError:  # an agent looked up at deployment (storage's, BigQuery's)
            undecided.append(r.name)
            continue
        if member and not is_service_agent(member):
            report(
                f"{r.name} grants {key} to {email_of(member) or member}, not a Google service "
                "agent: people and product identities never hold the key.",
                r.urn,
            )
    if undecided:
        raise Undecided(f"the grantees of {', '.join(undecided)} are known after deployment")


key_grants = StackValidationPolicy(
    name="key-grants",
    description="The stack's KMS key goes to Google service agents only, as encrypter/"
    "decrypter, and only a key the stack's resources are encrypted with.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_key_grants,
)
