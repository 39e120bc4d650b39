"""What every part of a data product is given: where it lives and what it is
called (known before anything exists), and, once storage exists, a reference
to it. Both are complete when made; no part fills in another's fields."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

import pulumi

from model import conventions as conv


@dataclass(frozen=True)
class Placement:
    """A product's identity in a stack: names, labels, project and locations."""

    product: str
    domain: str
    owner_team: str
    environment: str
    project: str
    region: str  # Dataflow, Pub/Sub storage, Dataplex, Artifact Registry
    location: str  # BigQuery
    kms_key: str | None = None

    @property
    def protect(self) -> bool:
        return self.environment == "prod"

    @property
    def dataset_id(self) -> str:
        return conv.dataset_id(self.domain, self.product)

    @property
    def service_account_email(self) -> str:
        return conv.service_account_email(self.product, self.project)

    def labels(self, port: str | None = None, kind: str | None = None) -> dict[str, str]:
        return conv.mesh_labels(
            self.domain, self.product, self.owner_team, self.environment, port, kind
        )

    def service_agent(self, project_number: pulumi.Input[str], service: str) -> pulumi.Output[str]:
        """A Google-managed service agent of this project, e.g. `gcp-sa-pubsub`."""
        return pulumi.Output.concat(
            "serviceAccount:service-", project_number, f"@{service}.iam.gserviceaccount.com"
        )


@dataclass(frozen=True)
class StorageRef:
    """The product's storage once made; parts depend on it through these Outputs."""

    dataset_id: pulumi.Output[str]  # resolves after the dataset exists
    identity: pulumi.Output[str]  # `serviceAccount:<email>`, after the account exists
    service_account_name: pulumi.Output[str]  # `projects/.../serviceAccounts/...`


def table_resource_name(project: str, dataset: str, table: str) -> str:
    """Full resource name used by Dataplex for a BigQuery table."""
    return f"//bigquery.googleapis.com/projects/{project}/datasets/{dataset}/tables/{table}"


T = TypeVar("T")


def known_after(value: T, *resources: pulumi.Resource) -> pulumi.Output[T]:
    """`value`, known at preview, but ordered after `resources` are created.

    A service account's email, a topic's or subscription's path: the cloud would
    compute them, yet they follow from inputs. Reading them off the resource leaves
    them unknown in a preview of the first `up`, so every grant that names them would
    be undecidable for the policy pack; building them here keeps them known while
    the dependency still orders creation.
    """

    async def resolved() -> T:
        return value

    async def known() -> bool:
        return True

    return pulumi.Output(set(resources), resolved(), known())
