"""Scheduled-query transformation: BigQuery Data Transfer Service configs that
write a product's table ports, running as the product's identity."""

from __future__ import annotations

import pulumi
import pulumi_gcp as gcp

from components.context import TOKEN_PREFIX, ProductContext, iam
from datamesh.spec.product import ScheduledQueries

TRANSFER_AGENT = "gcp-sa-bigquerydatatransfer"


class ScheduledQueryTransformation(pulumi.ComponentResource):
    configs: dict[str, gcp.bigquery.DataTransferConfig]

    def __init__(
        self,
        name: str,
        ctx: ProductContext,
        spec: ScheduledQueries,
        queries: dict[str, pulumi.Input[str]],
        destinations: dict[str, gcp.bigquery.Table],
        opts: pulumi.ResourceOptions,
    ) -> None:
        """`queries` maps a query name to its SQL with placeholders resolved;
        `destinations` maps a destination port name to its table."""
        super().__init__(f"{TOKEN_PREFIX}ScheduledQueryTransformation", name, None, opts)
        assert ctx.service_account is not None
        # The transfer service mints tokens for the product's identity to run as it.
        token_creator = gcp.serviceaccount.IAMMember(
            f"{name}-agent-token-creator",
            service_account_id=ctx.service_account.name,
            role="roles/iam.serviceAccountTokenCreator",
            member=ctx.service_agent(TRANSFER_AGENT),
            opts=iam(self),
        )
        self.configs = {}
        for query in spec.queries:
            table = destinations[query.destination_port]
            self.configs[query.name] = gcp.bigquery.DataTransferConfig(
                f"{name}-{query.name}",
                project=ctx.project,
                display_name=f"{ctx.id}: {query.name}",
                data_source_id="scheduled_query",
                location=ctx.settings.location,  # defaults to US otherwise
                schedule=query.schedule,
                destination_dataset_id=table.dataset_id,
                service_account_name=ctx.service_account_email,
                email_preferences={"enable_failure_email": True},
                params={
                    "query": queries[query.name],
                    "destination_table_name_template": table.table_id,
                    "write_disposition": query.write_disposition,
                },
                opts=pulumi.ResourceOptions(parent=self, depends_on=[token_creator, table]),
            )
        self.register_outputs({"configs": {k: v.name for k, v in self.configs.items()}})
