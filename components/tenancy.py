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

from collections.abc import Sequence

import pulumi
import pulumi_gcp as gcp

from components.options import child
from model import conventions as conv
from model.stack_settings import Tenant


def row_access_policies(
    name: str,
    project: str,
    parent: pulumi.Resource,
    table: gcp.bigquery.Table,
    column: str,
    identity: pulumi.Input[str],
    tenants: Sequence[Tenant],
    scanner: pulumi.Input[str] | None = None,
) -> list[gcp.bigquery.RowAccessPolicy]:
    policies = [
        gcp.bigquery.RowAccessPolicy(
            f"{name}-rls-full-access",
            project=project,
            dataset_id=table.dataset_id,
            table_id=table.table_id,
            policy_id=conv.FULL_ACCESS_POLICY,
            filter_predicate="TRUE",
            grantees=[identity],
            opts=child(parent),
        )
    ]
    if scanner is not None:  # the quality scans must see every row, or they prove nothing
        policies.append(
            gcp.bigquery.RowAccessPolicy(
                f"{name}-rls-quality-scanner",
                project=project,
                dataset_id=table.dataset_id,
                table_id=table.table_id,
                policy_id=conv.SCANNER_POLICY,
                filter_predicate="TRUE",
                grantees=[scanner],
                opts=child(parent),
            )
        )
    for tenant in tenants:
        policies.append(
            gcp.bigquery.RowAccessPolicy(
                f"{name}-rls-{tenant.id}",
                project=project,
                dataset_id=table.dataset_id,
                table_id=table.table_id,
                policy_id=conv.tenant_policy_id(tenant.id),
                filter_predicate=conv.tenant_filter(column, tenant.id),
                grantees=[f"group:{tenant.group}"],
                opts=child(parent),
            )
        )
    return policies


def downstream_full_access(
    name: str,
    product: str,
    identity: pulumi.Input[str],
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
        policy_id=conv.downstream_policy_id(product),
        filter_predicate="TRUE",
        grantees=[identity],
        opts=child(parent, depends_on=depends_on),
    )
