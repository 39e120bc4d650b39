"""The project baseline as resources: the APIs the stack's products use, their service
agents materialised and granted the stack's KMS key. Built before the products; every
other resource of the stack depends on the APIs it needs (`apis_of`, applied by the
program), so a first `pulumi up` on an empty project works in one pass."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.options import child, iam
from model import conventions as conv
from model.baseline import KEY_ROLE, Baseline, KeyUser

# Pulumi type prefix -> the APIs its resources are created through and run on (the first
# match wins; more specific prefixes first). Dataflow's workers are Compute Engine VMs.
_APIS_OF_TYPE: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("gcp:bigquery/dataTransferConfig:", ("bigquerydatatransfer.googleapis.com",)),
    ("gcp:bigquery/connection", ("bigqueryconnection.googleapis.com",)),
    ("gcp:bigquery/", ("bigquery.googleapis.com",)),
    ("gcp:pubsub/", ("pubsub.googleapis.com",)),
    ("gcp:dataflow/", ("dataflow.googleapis.com", "compute.googleapis.com")),
    ("gcp:artifactregistry/", ("artifactregistry.googleapis.com",)),
    ("gcp:storage/", ("storage.googleapis.com",)),
    ("gcp:dataplex/", ("dataplex.googleapis.com",)),
    ("gcp:monitoring/", ("monitoring.googleapis.com",)),
    ("gcp:logging/", ("logging.googleapis.com",)),
    ("gcp:serviceaccount/", ("iam.googleapis.com",)),
    ("gcp:projects/iAM", ("cloudresourcemanager.googleapis.com",)),
    ("docker-build:", ("artifactregistry.googleapis.com",)),
)


def apis_of(resource_type: str) -> tuple[str, ...]:
    """The APIs a resource type needs; none for the baseline's own types."""
    return next((apis for prefix, apis in _APIS_OF_TYPE if resource_type.startswith(prefix)), ())


@dataclass(frozen=True)
class ProjectBaselineArgs:
    project: str
    baseline: Baseline
    project_number: pulumi.Input[str]
    kms_key: str | None


class ProjectBaseline(pulumi.ComponentResource):
    services: dict[str, gcp.projects.Service]
    key_grants: dict[str, gcp.kms.CryptoKeyIAMMember]  # API -> its agent's grant

    def __init__(
        self, name: str, args: ProjectBaselineArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.PROJECT_BASELINE, name, None, opts)
        self.services = {
            api: gcp.projects.Service(
                f"{name}-{api.split('.')[0]}",
                project=args.project,
                service=api,
                # turning an API off with the stack would break every other user of the
                # project; turning it off never happens by accident here
                disable_on_destroy=False,
                disable_dependent_services=False,
                opts=child(self, retain_on_delete=True),
            )
            for api in args.baseline.apis
        }
        self.key_grants = {}
        if args.kms_key:
            for user in args.baseline.key_users:
                self.key_grants[user.api] = self._grant_key(name, args, user)
        self.register_outputs({"services": sorted(self.services)})

    def ready(self, resource_type: str) -> list[pulumi.Resource]:
        """What a resource of `resource_type` waits for: its API, and the key grant of
        the agent that encrypts its data (a CMEK resource fails without it)."""
        needs: list[pulumi.Resource] = []
        for api in apis_of(resource_type):
            needs += [found[api] for found in (self.services, self.key_grants) if api in found]
        return needs

    def _grant_key(
        self, name: str, args: ProjectBaselineArgs, user: KeyUser
    ) -> gcp.kms.CryptoKeyIAMMember:
        service = self.services[user.api]
        short = user.api.split(".")[0]
        # the agent's address is known from the project number (policies can read it
        # at preview); what makes the agent exist comes first
        known = pulumi.Output.concat(
            "serviceAccount:", pulumi.Output.from_input(args.project_number).apply(user.address)
        )
        waits: list[pulumi.Resource] = [service]
        member: pulumi.Input[str] = known
        if user.materialise == "identity":
            waits.append(
                gcp.projects.ServiceIdentity(
                    f"{name}-{short}-agent",
                    project=args.project,
                    service=user.api,
                    opts=child(self, depends_on=[service], retain_on_delete=True),
                )
            )
        elif user.materialise == "storage":
            agent = gcp.storage.get_project_service_account_output(
                project=args.project, opts=pulumi.InvokeOutputOptions(depends_on=[service])
            )
            member = agent.member
        elif user.materialise == "bigquery":
            agent_bq = gcp.bigquery.get_default_service_account_output(
                project=args.project, opts=pulumi.InvokeOutputOptions(depends_on=[service])
            )
            member = agent_bq.member
        return gcp.kms.CryptoKeyIAMMember(
            f"{name}-{short}-agent-key",
            crypto_key_id=args.kms_key or "",
            role=KEY_ROLE,
            member=member,
            opts=iam(self, depends_on=waits),
        )
