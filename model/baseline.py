"""The project baseline a stack needs under its products: the Google Cloud APIs its
resources use, the service agents that must use the stack's KMS key, the least roles
of the identity that deploys it, and the steps that cannot be code.

Cloud Foundation Fabric's project factory does the same as Terraform; here it is
derived from the products a stack deploys (their kinds declare their APIs), so a
stack enables what it uses and nothing else.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from model.conventions import service_account_email
from model.mesh import Mesh
from model.stack_settings import StackSettings

# What every product uses: its dataset, identity, grants, discovery and control ports.
PLATFORM_APIS: dict[str, str] = {
    "bigquery.googleapis.com": "datasets, tables, views, row access policies",
    "iam.googleapis.com": "the product identities",
    "cloudresourcemanager.googleapis.com": "project IAM grants",
    "dataplex.googleapis.com": "data product registration and quality scans",
    "monitoring.googleapis.com": "alert policies and notification channels",
    "logging.googleapis.com": "log-based metrics",
}
KMS_API = "cloudkms.googleapis.com"  # enabled in the key's project, by whoever owns it


@dataclass(frozen=True)
class KeyUser:
    """A service agent that encrypts with the stack's key for the API it serves."""

    api: str
    email: str  # formatted with the project's number
    materialise: str  # "identity" (ServiceIdentity), "storage" / "bigquery" (their lookup)
    # or "api" (the agent exists once the API is enabled)

    def address(self, number: str) -> str:
        return self.email.format(number=number)


KEY_USERS: tuple[KeyUser, ...] = (
    KeyUser(
        "bigquery.googleapis.com",
        "bq-{number}@bigquery-encryption.iam.gserviceaccount.com",
        "bigquery",
    ),
    KeyUser(
        "pubsub.googleapis.com",
        "service-{number}@gcp-sa-pubsub.iam.gserviceaccount.com",
        "identity",
    ),
    KeyUser(
        "storage.googleapis.com",
        "service-{number}@gs-project-accounts.iam.gserviceaccount.com",
        "storage",
    ),
    KeyUser(
        "artifactregistry.googleapis.com",
        "service-{number}@gcp-sa-artifactregistry.iam.gserviceaccount.com",
        "identity",
    ),
    KeyUser(
        "dataflow.googleapis.com",
        "service-{number}@dataflow-service-producer-prod.iam.gserviceaccount.com",
        "identity",
    ),
    # Dataflow's workers are Compute Engine VMs: their disks use the key too
    KeyUser(
        "compute.googleapis.com", "service-{number}@compute-system.iam.gserviceaccount.com", "api"
    ),
)
KEY_ROLE = "roles/cloudkms.cryptoKeyEncrypterDecrypter"

# The deploying identity's least roles on the stack's project, by the API they manage.
DEPLOYER_ROLES: dict[str, tuple[str, ...]] = {
    "serviceusage.googleapis.com": ("roles/serviceusage.serviceUsageAdmin",),
    "bigquery.googleapis.com": ("roles/bigquery.admin",),
    "bigquerydatatransfer.googleapis.com": (),  # roles/bigquery.admin manages transfers
    "bigqueryconnection.googleapis.com": ("roles/bigquery.connectionAdmin",),
    "iam.googleapis.com": ("roles/iam.serviceAccountAdmin", "roles/iam.serviceAccountUser"),
    "cloudresourcemanager.googleapis.com": ("roles/resourcemanager.projectIamAdmin",),
    "dataplex.googleapis.com": ("roles/dataplex.admin",),
    "monitoring.googleapis.com": ("roles/monitoring.editor",),
    "logging.googleapis.com": ("roles/logging.configWriter",),
    "pubsub.googleapis.com": ("roles/pubsub.admin",),
    "dataflow.googleapis.com": ("roles/dataflow.admin",),
    "compute.googleapis.com": (),  # jobs start workers as the product identity
    "artifactregistry.googleapis.com": ("roles/artifactregistry.admin",),
    "storage.googleapis.com": ("roles/storage.admin",),
}


@dataclass(frozen=True)
class Baseline:
    apis: dict[str, tuple[str, ...]]  # API -> why (kinds and products that use it)
    key_users: tuple[KeyUser, ...]  # agents granted the stack's key (none without a key)
    deployer_roles: tuple[str, ...]
    manual: tuple[str, ...]  # what cannot be code, for this stack


def baseline(mesh: Mesh, settings: StackSettings) -> Baseline:
    """The baseline of the products `settings` deploys."""
    apis = _apis(mesh, settings)
    key_users = tuple(u for u in KEY_USERS if u.api in apis) if settings.kms_key else ()
    roles = sorted(
        {r for api in ("serviceusage.googleapis.com", *apis) for r in DEPLOYER_ROLES[api]}
    )
    return Baseline(apis, key_users, tuple(roles), tuple(_manual(mesh, settings, apis, roles)))


def _apis(mesh: Mesh, settings: StackSettings) -> dict[str, tuple[str, ...]]:
    """API -> why: the platform's, and each deployed kind's with the products using it."""
    why: dict[str, list[str]] = {api: [reason] for api, reason in PLATFORM_APIS.items()}
    for pid in settings.products:
        spec = mesh[pid].spec
        for part in [*spec.input_ports, spec.transformation, *spec.output_ports]:
            reason = f"{pid} ({part.kind})"
            for api in part.apis:
                if reason not in why.setdefault(api, []):
                    why[api].append(reason)
    return {api: tuple(reasons) for api, reasons in sorted(why.items())}


def _manual(
    mesh: Mesh, settings: StackSettings, apis: Mapping[str, object], roles: list[str]
) -> list[str]:
    """What a person does once before the first `up`, in the order to do it."""
    project = settings.project
    steps = [
        f"enable serviceusage.googleapis.com and cloudresourcemanager.googleapis.com in "
        f"{project} (on by default in projects made in the console): the stack enables "
        "every other API through them",
        f"grant the deploying identity, on {project}: {', '.join(roles)}",
    ]
    if settings.kms_key:
        steps.append(
            f"grant the deploying identity roles/cloudkms.admin on {settings.kms_key} "
            "(it grants the key to the service agents)"
        )
    if "dataflow.googleapis.com" in apis:
        steps.append(
            "run `pulumi up` where Docker with buildx runs (it builds the pipeline images)"
        )
    for pid in settings.products:
        identity = service_account_email(pid, project)
        for port in mesh[pid].spec.input_ports:
            steps += port.manual_steps(pid, identity, project)
    steps += [  # it grants its products read access there and authorizes their views
        f"grant the deploying identity roles/bigquery.dataOwner on the datasets of "
        f"{external.project} it reads ({pid}, deployed by {external.stack})"
        for pid, external in sorted(settings.external_products.items())
    ]
    return steps
