"""Storage: the product's dataset and its identity.

Writers of the dataset are the owner group and the product's service account,
granted with `DatasetAccess` (legacy role names, the one mechanism used for
dataset-level grants; dataset IAM members would drop authorized views).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.options import child, iam, stateful
from components.placement import Placement, StorageRef, known_after
from model import conventions as conv

# Project-level roles every product identity needs to run queries and jobs.
PROJECT_ROLES = ("roles/bigquery.jobUser", "roles/bigquery.readSessionUser")


@dataclass(frozen=True)
class ProductStorageArgs:
    placement: Placement
    display_name: str  # the product's name
    description: str
    owner_group: str  # gets WRITER on the dataset


class ProductStorage(pulumi.ComponentResource):
    dataset: gcp.bigquery.Dataset
    service_account: gcp.serviceaccount.Account
    ref: StorageRef

    def __init__(
        self, name: str, args: ProductStorageArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.PRODUCT_STORAGE, name, None, opts)
        at = args.placement
        self.service_account = gcp.serviceaccount.Account(
            f"{name}-sa",
            account_id=conv.service_account_id(at.product),
            display_name=f"Data product {at.product}"[:100],
            description=f"Identity of data product {at.product} (domain {at.domain})",
            project=at.project,
            opts=child(self),
        )
        self.dataset = self._dataset(name, args)
        self._grant_writers(name, args)
        email = at.service_account_email
        identity = known_after(f"serviceAccount:{email}", self.service_account)
        for role in PROJECT_ROLES:
            gcp.projects.IAMMember(
                f"{name}-sa-{role.rsplit('.', 1)[-1].lower()}",
                project=at.project,
                role=role,
                member=identity,
                opts=iam(self),
            )
        self.ref = StorageRef(
            dataset_id=self.dataset.dataset_id,
            identity=identity,
            service_account_name=known_after(
                f"projects/{at.project}/serviceAccounts/{email}", self.service_account
            ),
        )
        self.register_outputs(
            {
                "datasetId": self.dataset.dataset_id,
                "serviceAccountEmail": self.service_account.email,
            }
        )

    def _dataset(self, name: str, args: ProductStorageArgs) -> gcp.bigquery.Dataset:
        at = args.placement
        return gcp.bigquery.Dataset(
            f"{name}-dataset",
            dataset_id=at.dataset_id,
            project=at.project,
            location=at.location,
            friendly_name=args.display_name,
            description=args.description,
            labels=at.labels(),
            delete_contents_on_destroy=False,
            default_encryption_configuration=({"kms_key_name": at.kms_key} if at.kms_key else None),
            opts=stateful(self, at.protect),
        )

    def _grant_writers(self, name: str, args: ProductStorageArgs) -> None:
        """The owning team and the product's identity write the dataset (DatasetAccess, the
        one mechanism for dataset grants)."""
        at = args.placement
        writers = {
            "owner": {"group_by_email": args.owner_group},
            "sa": {"user_by_email": at.service_account_email},
        }
        for role_name, who in writers.items():
            gcp.bigquery.DatasetAccess(
                f"{name}-dataset-writer-{role_name}",
                dataset_id=self.dataset.dataset_id,
                project=at.project,
                role="WRITER",
                **who,
                opts=iam(self, depends_on=[self.service_account]),
            )
