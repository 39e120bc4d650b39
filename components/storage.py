"""Storage: the product's dataset and its identity.

Writers of the dataset are the owner group and the product's service account,
granted with `DatasetAccess` (legacy role names, the one mechanism used for
dataset-level grants; dataset IAM members would drop authorized views).
"""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.context import TOKEN_PREFIX, ProductContext, child, iam

# Project-level roles every product identity needs to run queries and jobs.
PROJECT_ROLES = ("roles/bigquery.jobUser", "roles/bigquery.readSessionUser")


class ProductStorage(pulumi.ComponentResource):
    dataset: gcp.bigquery.Dataset
    service_account: gcp.serviceaccount.Account

    def __init__(self, name: str, ctx: ProductContext, opts: pulumi.ResourceOptions) -> None:
        super().__init__(f"{TOKEN_PREFIX}ProductStorage", name, None, opts)
        spec = ctx.bundle.spec

        self.service_account = gcp.serviceaccount.Account(
            f"{name}-sa",
            account_id=spec.service_account_id,
            display_name=f"Data product {spec.id}"[:100],
            description=f"Identity of data product {spec.id} (domain {spec.domain})",
            project=ctx.project,
            opts=child(self),
        )
        self.dataset = gcp.bigquery.Dataset(
            f"{name}-dataset",
            dataset_id=ctx.dataset_id,
            project=ctx.project,
            location=ctx.settings.location,
            friendly_name=spec.name,
            description=spec.description,
            labels=ctx.labels(),
            delete_contents_on_destroy=False,
            default_encryption_configuration=(
                {"kms_key_name": ctx.settings.kms_key} if ctx.settings.kms_key else None
            ),
            opts=ctx.stateful(self),
        )
        writers = {
            "owner": {"group_by_email": ctx.owner_group},
            "sa": {"user_by_email": ctx.service_account_email},
        }
        for role_name, who in writers.items():
            gcp.bigquery.DatasetAccess(
                f"{name}-dataset-writer-{role_name}",
                dataset_id=self.dataset.dataset_id,
                project=ctx.project,
                role="WRITER",
                **who,
                opts=iam(self, depends_on=[self.service_account]),
            )
        for role in PROJECT_ROLES:
            gcp.projects.IAMMember(
                f"{name}-sa-{role.rsplit('.', 1)[-1].lower()}",
                project=ctx.project,
                role=role,
                member=self.service_account.email.apply(lambda e: f"serviceAccount:{e}"),
                opts=iam(self),
            )
        self.register_outputs(
            {
                "datasetId": self.dataset.dataset_id,
                "serviceAccountEmail": self.service_account.email,
            }
        )
