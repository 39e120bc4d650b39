"""Scheduled queries run as the product, where its data lives, say when they fail,
and never replace a contract table's schema.

A scheduled query with a destination table (`destination_table_name_template`)
writes the query result's schema over the table's: policy tags, REQUIRED modes,
descriptions and row access policies go. The platform writes with a DML script
(TRUNCATE + INSERT in a transaction), which keeps them.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from mesh_policies.common import PORT_COMPONENTS, TRANSFER
from mesh_policies.conventions import SqlSyntaxError, tables_read_by
from mesh_policies.stack_index import StackIndex


def _datasets_written(project: str, props: dict[str, Any]) -> set[tuple[str, str]]:
    """The datasets a transfer writes: its destination, or those its script names."""
    out = set()
    if props.get("destinationDatasetId"):
        out.add((project, str(props.get("destinationDatasetId"))))
    try:
        refs = tables_read_by(str((props.get("params") or {}).get("query") or ""))
    except SqlSyntaxError:
        refs = []  # sql-reads-declared-ports reports it
    out.update((ref.catalog or project, ref.db) for ref in refs if ref.db)
    return out


def _transfers(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex.of(args.resources)
    for r in args.resources:
        p = r.props
        if r.resource_type != TRANSFER or p.get("dataSourceId") != "scheduled_query":
            continue
        if not p.get("serviceAccountName"):
            report(
                f"{r.name} runs with the deployer's credentials; set serviceAccountName to "
                "the product's service account.",
                r.urn,
            )
        project = str(p.get("project", ""))
        location = str(p.get("location") or "US")  # the provider's default
        for key in sorted(_datasets_written(project, dict(p))):
            dataset = index.datasets.get(key)
            if dataset is None:
                continue
            wanted = str(dataset.props.get("location") or "US")
            if wanted.lower() != location.lower():
                report(
                    f"{r.name} runs in {location} but writes a dataset in {wanted}; set "
                    f"location={wanted}.",
                    r.urn,
                )
        params = dict(p.get("params") or {})
        target = params.get("destination_table_name_template")
        if target:
            table = index.table(project, str(p.get("destinationDatasetId")), str(target))
            if (
                table is not None
                and table.parent is not None
                and (table.parent.resource_type in PORT_COMPONENTS)
            ):
                report(
                    f"{r.name} writes the output port {target} as a query destination "
                    f"({params.get('write_disposition') or 'default disposition'}): BigQuery "
                    "replaces a contract table's schema with the query's, dropping policy "
                    "tags, REQUIRED modes, descriptions and row access policies; write it "
                    "with a DML script (TRUNCATE TABLE + INSERT) instead.",
                    r.urn,
                )
        failure_mail = (p.get("emailPreferences") or {}).get("enableFailureEmail")
        if not failure_mail and not p.get("notificationPubsubTopic"):
            report(
                f"{r.name}: enable failure notification (emailPreferences or "
                "notificationPubsubTopic).",
                r.urn,
            )


scheduled_query_hardening = StackValidationPolicy(
    name="scheduled-query-hardening",
    description="Transfer configs run as a service account, in the location of the datasets "
    "they write, with failure notification, and never replace a contract table's schema.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_transfers,
)
