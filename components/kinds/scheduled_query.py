"""Scheduled-query transformation: BigQuery Data Transfer Service configs that
write a product's table ports, running as the product's identity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.build import Build
from components.control import Watched
from components.options import iam
from components.placement import Placement
from components.references import fq_table
from components.sql_render import render_sql, write_script
from model import conventions as conv
from model.product import ScheduledQueries

TRANSFER_AGENT = "gcp-sa-bigquerydatatransfer"


@dataclass(frozen=True)
class ScheduledQueryTransformationArgs:
    placement: Placement
    spec: ScheduledQueries
    queries: Mapping[str, pulumi.Input[str]]  # query name -> its DML script (sql_render)
    destinations: Mapping[str, gcp.bigquery.Table]  # destination port -> its table
    service_account_name: pulumi.Input[str]  # the product's account (`projects/.../...`)
    project_number: pulumi.Input[str]  # names the Data Transfer service agent


class ScheduledQueryTransformation(pulumi.ComponentResource):
    configs: dict[str, gcp.bigquery.DataTransferConfig]

    def __init__(
        self,
        name: str,
        args: ScheduledQueryTransformationArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(conv.SCHEDULED_QUERY_TRANSFORMATION, name, None, opts)
        at = args.placement
        # The transfer service mints tokens for the product's identity to run as it.
        token_creator = gcp.serviceaccount.IAMMember(
            f"{name}-agent-token-creator",
            service_account_id=args.service_account_name,
            role="roles/iam.serviceAccountTokenCreator",
            member=at.service_agent(args.project_number, TRANSFER_AGENT),
            opts=iam(self),
        )
        self.configs = {}
        for query in args.spec.queries:
            table = args.destinations[query.destination_port]
            self.configs[query.name] = gcp.bigquery.DataTransferConfig(
                f"{name}-{query.name}",
                project=at.project,
                display_name=f"{at.product}: {query.name}",
                data_source_id="scheduled_query",
                location=at.location,  # defaults to US otherwise
                schedule=query.schedule,
                service_account_name=at.service_account_email,
                email_preferences={"enable_failure_email": True},
                # A DML script names its own target: no destination dataset or table,
                # so BigQuery never replaces the contract table's schema.
                params={"query": args.queries[query.name]},
                opts=pulumi.ResourceOptions(parent=self, depends_on=[token_creator, table]),
            )
        self.register_outputs({"configs": {k: v.name for k, v in self.configs.items()}})


def build(b: Build, t: ScheduledQueries) -> Watched:
    queries: dict[str, pulumi.Input[str]] = {}
    for q in t.queries:
        sql = b.bundle.sql[q.sql]
        table = b.tables[q.destination_port]
        queries[q.name] = write_script(
            fq_table(table.project, table.dataset_id, table.table_id),
            [f.name for f in b.bundle.contracts[q.destination_port].fields],
            render_sql(sql, b.resolved(sql)),
            q.write_disposition,
        )
    sq = ScheduledQueryTransformation(
        f"{b.name}-transform",
        ScheduledQueryTransformationArgs(
            b.at,
            t,
            queries,
            b.tables,
            b.storage.service_account_name,
            b.args.project_number,
        ),
        b.opts(),
    )
    return Watched(transfer_configs=list(sq.configs.values()))
