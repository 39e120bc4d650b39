"""What every part of a data product needs to know, and the conventions they share.

Conventions shared with the policy pack (which reads them off the resources):
labels `mesh-domain`, `mesh-product`, `mesh-owner`, `mesh-env` on everything
labelable, plus `mesh-port` and `mesh-port-kind` (input | output | internal)
on port resources; children are named `<product>-<role>`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pulumi
import pulumi_gcp as gcp

from datamesh.spec import ProductBundle
from datamesh.spec.identifiers import label_value
from datamesh.stack_settings import StackSettings

TOKEN_PREFIX = "datamesh:index:"
PORT_KINDS = ("input", "output", "internal")


@dataclass(frozen=True)
class ProductContext:
    """A validated product in a validated stack, plus the few resolved facts parts share."""

    bundle: ProductBundle
    settings: StackSettings
    project_number: pulumi.Input[str]
    federated_credentials: Mapping[str, pulumi.Input[Mapping[str, str]]] = field(
        default_factory=dict
    )
    # Set once storage exists; parts use them so Pulumi orders creation correctly.
    dataset: gcp.bigquery.Dataset | None = None
    service_account: gcp.serviceaccount.Account | None = None
    identity: pulumi.Output[str] | None = None  # `serviceAccount:<email>`, made once

    @property
    def id(self) -> str:
        return self.bundle.id

    @property
    def dataset_id(self) -> str:
        return self.bundle.spec.dataset_id

    @property
    def project(self) -> str:
        return self.settings.project

    @property
    def protect(self) -> bool:
        return self.settings.is_prod

    @property
    def service_account_email(self) -> str:
        return self.settings.service_account_email(self.id)

    @property
    def sa_member(self) -> pulumi.Output[str]:
        """`serviceAccount:<email>` of the product, depending on the account's creation."""
        assert self.identity is not None, "storage first"
        return self.identity

    @property
    def dataset_ref(self) -> pulumi.Output[str]:
        """The dataset id, depending on the dataset's creation."""
        assert self.dataset is not None, "storage first"
        return self.dataset.dataset_id

    @property
    def owner_group(self) -> str:
        spec = self.bundle.spec
        return self.settings.owner_group(spec.owner.team, spec.owner.group)

    def service_agent(self, service: str) -> pulumi.Output[str]:
        """A Google-managed service agent of this project, e.g. `gcp-sa-pubsub`."""
        return pulumi.Output.concat(
            "serviceAccount:service-", self.project_number, f"@{service}.iam.gserviceaccount.com"
        )

    def labels(self, port: str | None = None, kind: str | None = None) -> dict[str, str]:
        spec = self.bundle.spec
        out = {
            "mesh-domain": label_value(spec.domain),
            "mesh-product": label_value(spec.id),
            "mesh-owner": label_value(spec.owner.team),
            "mesh-env": self.settings.environment,
        }
        if port is not None:
            assert kind in PORT_KINDS, kind
            out["mesh-port"] = label_value(port)
            out["mesh-port-kind"] = kind
        return out

    def stateful(self, parent: pulumi.Resource, **extra: object) -> pulumi.ResourceOptions:
        """Options for resources that hold data: protected in production."""
        return pulumi.ResourceOptions(parent=parent, protect=self.protect, **extra)  # type: ignore[arg-type]


def child(parent: pulumi.Resource, **extra: object) -> pulumi.ResourceOptions:
    return pulumi.ResourceOptions(parent=parent, **extra)  # type: ignore[arg-type]


def iam(parent: pulumi.Resource, **extra: object) -> pulumi.ResourceOptions:
    """IAM grants are replaced delete-first: create-before-delete of the same
    role and member ends with the grant removed (pulumi/pulumi-gcp#50)."""
    return pulumi.ResourceOptions(parent=parent, delete_before_replace=True, **extra)  # type: ignore[arg-type]


def table_resource_name(project: str, dataset: str, table: str) -> str:
    """Full resource name used by Dataplex for a BigQuery table."""
    return f"//bigquery.googleapis.com/projects/{project}/datasets/{dataset}/tables/{table}"


def slug_to_sql(name: str) -> str:
    """Port names (`device-tenants`) as SQL-safe identifiers (`device_tenants`)."""
    return name.replace("-", "_")
