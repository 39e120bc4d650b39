"""Multi-tenancy on an output table: one row access policy per tenant, and a
TRUE filter for the identities that must see every row.

Once any row access policy exists on a table, a principal named in none of
them reads zero rows, and writes (scheduled query truncates, pipeline inserts,
copies) need the TRUE filter. So the product's own identity and the identities
of downstream products get the TRUE filter; tenants get their own rows only.
Tenants querying a downstream view are filtered the same way: row access
policies apply to the principal running the query, through any view.
"""

from __future__ import annotations

import re

import pulumi
import pulumi_gcp as gcp

from components.context import ProductContext, child
from datamesh.stack_settings import Tenant

FULL_ACCESS_POLICY = "mesh_full_access"


def tenant_policy_id(tenant: Tenant) -> str:
    return "tenant_" + re.sub(r"[^A-Za-z0-9_]", "_", tenant.id)


def tenant_filter(column: str, tenant: Tenant) -> str:
    # Tenant ids are validated ([a-z0-9_-]), so quoting them is safe.
    return f'{column} = "{tenant.id}"'


def row_access_policies(
    name: str,
    ctx: ProductContext,
    parent: pulumi.Resource,
    table: gcp.bigquery.Table,
    column: str,
) -> list[gcp.bigquery.RowAccessPolicy]:
    policies = [
        gcp.bigquery.RowAccessPolicy(
            f"{name}-rls-full-access",
            project=ctx.project,
            dataset_id=table.dataset_id,
            table_id=table.table_id,
            policy_id=FULL_ACCESS_POLICY,
            filter_predicate="TRUE",
            grantees=[ctx.sa_member],
            opts=child(parent),
        )
    ]
    for tenant in ctx.settings.tenants:
        policies.append(
            gcp.bigquery.RowAccessPolicy(
                f"{name}-rls-{tenant.id}",
                project=ctx.project,
                dataset_id=table.dataset_id,
                table_id=table.table_id,
                policy_id=tenant_policy_id(tenant),
                filter_predicate=tenant_filter(column, tenant),
                grantees=[f"group:{tenant.group}"],
                opts=child(parent),
            )
        )
    return policies


def downstream_policy_id(product_id: str) -> str:
    return "mesh_reader_" + re.sub(r"[^A-Za-z0-9_]", "_", product_id)


def downstream_full_access(
    name: str,
    ctx: ProductContext,
    parent: pulumi.Resource,
    project: pulumi.Input[str],
    dataset_id: pulumi.Input[str],
    table_id: pulumi.Input[str],
    depends_on: list[pulumi.Resource],
) -> gcp.bigquery.RowAccessPolicy:
    """TRUE filter for a downstream product's identity on an upstream multi-tenant table."""
    return gcp.bigquery.RowAccessPolicy(
        f"{name}-rls-full-access",
        project=project,
        dataset_id=dataset_id,
        table_id=table_id,
        policy_id=downstream_policy_id(ctx.id),
        filter_predicate="TRUE",
        grantees=[ctx.sa_member],
        opts=child(parent, depends_on=depends_on),
    )
