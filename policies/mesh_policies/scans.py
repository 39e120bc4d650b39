"""Quality scans that see every row: a Dataplex scan reads a table as the project's
Dataplex service agent, so on a table with row access policies it sees only the rows a
policy grants that agent, and it cannot read a policy-tagged column without the
fine-grained reader role on the tag. Without both, every rule passes on what it could
not see."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from mesh_policies.common import (
    DATASCAN,
    ROW_ACCESS,
    TABLE,
    schema_columns,
    table_key,
    walk_columns,
)
from mesh_policies.conventions import FINE_GRAINED_READER, is_scanner

TAG_IAM = "gcp:datacatalog/policyTagIamMember:PolicyTagIamMember"
_TABLE_NAME = re.compile(
    r"^//bigquery\.googleapis\.com/projects/([^/]+)/datasets/([^/]+)/tables/([^/]+)$"
)


def scanned_tables(
    resources: list[PolicyResource],
) -> Iterator[tuple[PolicyResource, tuple[str, str, str]]]:
    for r in resources:
        if r.resource_type == DATASCAN:
            match = _TABLE_NAME.match(str((r.props.get("data") or {}).get("resource") or ""))
            if match:
                yield r, (match[1], match[2], match[3])


def _tags(table: PolicyResource) -> set[str]:
    return {
        str(name)
        for _, column in walk_columns(schema_columns(table.props.get("schema")))
        for name in ((column.get("policyTags") or {}).get("names") or [])
    }


def _scans_see_every_row(args: StackValidationArgs, report: ReportViolation) -> None:
    resources = list(args.resources)
    tables = {table_key(r.props): r for r in resources if r.resource_type == TABLE}
    policies: dict[tuple[str, str, str], list[PolicyResource]] = {}
    for r in resources:
        if r.resource_type == ROW_ACCESS:
            policies.setdefault(table_key(r.props), []).append(r)
    readers = {
        (str(r.props.get("policyTag")), str(r.props.get("member")))
        for r in resources
        if r.resource_type == TAG_IAM and r.props.get("role") == FINE_GRAINED_READER
    }
    for scan, key in scanned_tables(resources):
        filtered = policies.get(key, [])
        if filtered and not any(
            str(p.props.get("filterPredicate")).strip().upper() == "TRUE"
            and any(is_scanner(str(g)) for g in p.props.get("grantees") or [])
            for p in filtered
        ):
            report(
                f"{scan.name} scans {'.'.join(key)}, which has row access policies, but no "
                "policy grants the Dataplex service agent every row (filter TRUE): the scan "
                "would check only the rows it sees.",
                scan.urn,
            )
        table = tables.get(key)
        for tag in sorted(_tags(table) if table else set()):
            if not any(t == tag and is_scanner(m) for t, m in readers):
                report(
                    f"{scan.name} scans {'.'.join(key)}, whose columns carry policy tag {tag}, "
                    f"but the Dataplex service agent is not its fine-grained reader "
                    f"({FINE_GRAINED_READER}): the rules on those columns would see nothing.",
                    scan.urn,
                )


quality_scans_see_every_row = StackValidationPolicy(
    name="quality-scans-see-every-row",
    description="A Dataplex quality scan of a table with row access policies has a TRUE "
    "policy for the Dataplex service agent, and the agent reads every policy tag of the "
    "table's columns: a scan never passes on rows or columns it cannot see.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_scans_see_every_row,
)
