"""Tenant isolation, column-level protection and retention promises."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    PolicyResource,
    ReportViolation,
    StackValidationArgs,
    StackValidationPolicy,
)

from mesh_policies.common import (
    DATASET,
    PORT_COMPONENTS,
    ROW_ACCESS,
    TABLE,
    schema_columns,
    walk_columns,
)
from mesh_policies.conventions import is_true_filter, parse_tenant_filter, tenant_filter
from mesh_policies.stack_index import StackIndex


def _tenants_of(port: Mapping[str, Any]) -> dict[str, str]:
    """Tenant id -> reader group, as the stack config gave them to the port component."""
    return {str(x.get("id")): f"group:{x.get('group')}" for x in port.get("tenants") or []}


def _tenant_isolation(args: StackValidationArgs, report: ReportViolation) -> None:
    policies: dict[tuple[str, str, str], list[PolicyResource]] = {}
    for r in args.resources:
        if r.resource_type == ROW_ACCESS:
            p = r.props
            key = (str(p.get("project", "")), str(p.get("datasetId")), str(p.get("tableId")))
            policies.setdefault(key, []).append(r)
    tenant_members: set[str] = set()
    for rows in policies.values():
        for r in rows:
            if parse_tenant_filter(str(r.props.get("filterPredicate") or "")) is not None:
                tenant_members.update(str(g) for g in r.props.get("grantees") or [])

    for port, r in _port_tables(args):
        column = port.get("tenantColumn")
        if r.props.get("view") or not column:
            continue
        tenants = _tenants_of(port)
        tenant_members.update(tenants.values())
        p = r.props
        key = (str(p.get("project", "")), str(p.get("datasetId")), str(p.get("tableId")))
        cols = {c.get("name"): c for c in schema_columns(p.get("schema"))}
        if column not in cols or cols[column].get("mode") != "REQUIRED":
            report(f"{r.name}: multi-tenant table needs a REQUIRED {column} column.", r.urn)
        granted: dict[str, set[str]] = {}
        for x in policies.get(key, []):
            parsed = parse_tenant_filter(str(x.props.get("filterPredicate") or ""))
            if parsed is not None and parsed.column == column:
                granted.setdefault(parsed.tenant, set()).update(
                    str(g) for g in x.props.get("grantees") or []
                )
        for tenant, group in sorted(tenants.items()):
            if group not in granted.get(tenant, set()):
                report(
                    f"{r.name}: no row access policy for tenant {tenant!r} granted to {group} "
                    f"(filter {tenant_filter(column, tenant)}).",
                    r.urn,
                )

    for rows in policies.values():
        for r in rows:
            if not is_true_filter(str(r.props.get("filterPredicate") or "")):
                continue
            for grantee in r.props.get("grantees") or []:
                if grantee in tenant_members or not str(grantee).startswith("serviceAccount:"):
                    report(
                        f"{r.name} gives {grantee} every row; only pipeline and product "
                        "identities may read unfiltered.",
                        r.urn,
                    )


tenant_isolation = StackValidationPolicy(
    name="tenant-isolation",
    description="Every multi-tenant output table has a REQUIRED tenant column and a row access "
    "policy per tenant of the stack; no tenant principal gets unfiltered rows.",
    enforcement_level=EnforcementLevel.MANDATORY,
    validate=_tenant_isolation,
)


def _port_tables(args: StackValidationArgs) -> list:  # type: ignore[type-arg]
    """(port component props, table) of every table or view output port."""
    out = []
    for r in args.resources:
        if (
            r.resource_type == TABLE
            and r.parent is not None
            and r.parent.resource_type in PORT_COMPONENTS
        ):
            out.append((r.parent.props, r))
    return out


def _pii_tags(args: StackValidationArgs, report: ReportViolation) -> None:
    sensitive = {
        str(c).lower() for c in args.get_config().get("classifications") or ["pii", "sensitive"]
    }
    for port, table in _port_tables(args):
        if table.props.get("view"):
            continue
        classified = dict(port.get("classifiedColumns") or {})
        columns = dict(walk_columns(schema_columns(table.props.get("schema"))))
        for name, classification in classified.items():
            if str(classification).lower() not in sensitive:
                continue
            tags = ((columns.get(name) or {}).get("policyTags") or {}).get("names") or []
            if not tags:
                report(
                    f"{table.name}: column {name} is classified {classification} by its "
                    "contract; attach a policy tag (data-mesh:policyTags).",
                    table.urn,
                )


pii_policy_tags = StackValidationPolicy(
    name="pii-policy-tags",
    description="Columns a contract classifies as PII or sensitive carry a policy tag, so only "
    "fine-grained readers see them.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "classifications": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["pii", "sensitive"],
            },
        }
    ),
    validate=_pii_tags,
)

_MS_PER_DAY = 86_400_000


def _retention(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex.build(list(args.resources))
    for port, table in _port_tables(args):
        days = port.get("retentionDays")
        if not days:
            continue
        p = table.props
        promised = float(days) * _MS_PER_DAY
        partition_ms = (p.get("timePartitioning") or {}).get("expirationMs")
        if partition_ms is not None and float(partition_ms) < promised:
            report(
                f"{table.name}: partitions expire after {float(partition_ms) / _MS_PER_DAY:g} "
                f"days but the contract promises {days}.",
                table.urn,
            )
        dataset = index.datasets.get((str(p.get("project", "")), str(p.get("datasetId"))))
        if dataset is not None and dataset.resource_type == DATASET:
            for key in ("defaultTableExpirationMs", "defaultPartitionExpirationMs"):
                value = dataset.props.get(key)
                if value is not None and float(value) < promised:
                    report(
                        f"{table.name}: its dataset's {key} deletes data before the "
                        f"{days} days the contract promises.",
                        table.urn,
                    )


retention_vs_contract = StackValidationPolicy(
    name="retention-vs-contract",
    description="Table and partition expiration keep data at least as long as the contract's "
    "retention SLA promises.",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=_retention,
)
