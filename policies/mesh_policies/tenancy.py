"""Tenant isolation, column-level protection and retention promises."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
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
    dataset_key,
    schema_columns,
    table_key,
    walk_columns,
)
from mesh_policies.conventions import (
    email_of,
    is_scanner,
    is_true_filter,
    parse_tenant_filter,
    product_of_identity,
    tenant_filter,
)
from mesh_policies.scans import scanned_tables
from mesh_policies.stack_index import StackIndex


def _tenants_of(port: Mapping[str, Any]) -> dict[str, str]:
    """Tenant id -> reader group, as the stack config gave them to the port component."""
    return {str(x.get("id")): f"group:{x.get('group')}" for x in port.get("tenants") or []}


@dataclass(frozen=True)
class _Tenancy:
    """What the isolation rules read from one stack's resources."""

    index: StackIndex
    ports: list[tuple[Mapping[str, Any], PolicyResource]]  # port props, its table or view
    group_tenant: dict[str, str]  # reader group -> tenant id
    tables: dict[tuple[str, str, str], tuple[Mapping[str, Any], PolicyResource]]
    row_policies: dict[tuple[str, str, str], list[PolicyResource]]
    scanned: set[tuple[str, str, str]]  # tables a quality scan of the stack reads

    @classmethod
    def of(cls, args: StackValidationArgs) -> _Tenancy:
        ports = _port_tables(args)
        tenants: dict[str, str] = {}  # tenant id -> group
        for port, _ in ports:
            tenants.update(_tenants_of(port))
        row_policies: dict[tuple[str, str, str], list[PolicyResource]] = {}
        for x in args.resources:
            if x.resource_type == ROW_ACCESS:
                row_policies.setdefault(table_key(x.props), []).append(x)
        return cls(
            StackIndex.of(args.resources),
            ports,
            {group: tenant for tenant, group in tenants.items()},
            {table_key(r.props): (port, r) for port, r in ports},
            row_policies,
            {key for _, key in scanned_tables(list(args.resources))},
        )


def _tenant_isolation(args: StackValidationArgs, report: ReportViolation) -> None:
    t = _Tenancy.of(args)
    _one_group_per_tenant(t.ports, t.index, report)
    for port, r in t.ports:
        if port.get("crossTenant"):
            _cross_tenant_not_served(t, r, report)
        elif not r.props.get("view"):
            _table_isolated(t, port, r, report)
        elif port.get("tenantColumn") and not port.get("tenantScopedInputs"):
            # a view is filtered only by the row access policies of the tables it reads
            report(
                f"{r.name}: a view serving tenants' rows (tenant column "
                f"{port.get('tenantColumn')}) reads no tenant-scoped port: no row access "
                "policy filters it, so every tenant would read every row.",
                r.urn,
            )
    for x in args.resources:
        if x.resource_type == ROW_ACCESS:
            _filter_exact(t, x, report)


def _cross_tenant_not_served(t: _Tenancy, r: PolicyResource, report: ReportViolation) -> None:
    for g in t.index.grants():
        if (
            g.target_kind == "table"
            and g.target == table_key(r.props)
            and g.member in t.group_tenant
        ):
            report(
                f"{g.resource.name} serves the cross-tenant port {r.name} to tenant "
                f"group {g.member}; cross-tenant data is never served to tenants.",
                g.resource.urn,
            )


def _table_isolated(
    t: _Tenancy, port: Mapping[str, Any], r: PolicyResource, report: ReportViolation
) -> None:
    """A table that holds tenants' rows has a REQUIRED tenant column and, for every
    tenant, a row access policy granted to that tenant's group."""
    column = port.get("tenantColumn")
    scoped = list(port.get("tenantScopedInputs") or [])
    if scoped and not column:
        report(
            f"{r.name}: re-serves tenant-scoped {', '.join(scoped)} without a tenant "
            "column and row access policies; every tenant would read every row.",
            r.urn,
        )
        return
    if not column:
        return
    cols = {c.get("name"): c for c in schema_columns(r.props.get("schema"))}
    if column not in cols or cols[column].get("mode") != "REQUIRED":
        report(f"{r.name}: multi-tenant table needs a REQUIRED {column} column.", r.urn)
    granted: dict[str, set[str]] = {}
    for x in t.row_policies.get(table_key(r.props), []):
        parsed = parse_tenant_filter(str(x.props.get("filterPredicate") or ""))
        if parsed is not None and parsed.column == column:
            granted.setdefault(parsed.tenant, set()).update(
                str(g) for g in x.props.get("grantees") or []
            )
    for tenant, group in sorted(_tenants_of(port).items()):
        if group not in granted.get(tenant, set()):
            report(
                f"{r.name}: no row access policy for tenant {tenant!r} granted to {group} "
                f"(filter {tenant_filter(column, tenant)}).",
                r.urn,
            )


def _filter_exact(t: _Tenancy, x: PolicyResource, report: ReportViolation) -> None:
    """Every filter granted to a tenant is exactly that tenant's; TRUE only for products."""
    predicate = str(x.props.get("filterPredicate") or "")
    parsed = parse_tenant_filter(predicate)
    target = t.tables.get(table_key(x.props))
    column = target[0].get("tenantColumn") if target else None
    for grantee in [str(g) for g in x.props.get("grantees") or []]:
        tenant = t.group_tenant.get(grantee)
        if tenant is not None:
            wanted_column = column or (parsed.column if parsed else "<tenant column>")
            if (
                parsed is None
                or parsed.tenant != tenant
                or (column is not None and parsed.column != column)
            ):
                report(
                    f"{x.name} grants tenant {tenant!r} ({grantee}) the filter {predicate!r}; "
                    f"a tenant's filter is exactly {tenant_filter(wanted_column, tenant)}.",
                    x.urn,
                )
        elif is_scanner(grantee) and is_true_filter(predicate):
            if table_key(x.props) not in t.scanned:
                report(
                    f"{x.name} gives the Dataplex service agent {grantee} every row of a "
                    "table no quality scan of the stack reads; it reads rows only to scan.",
                    x.urn,
                )
        elif (is_true_filter(predicate) or parsed is None) and (
            product_of_identity(grantee, t.index.products) is None
        ):
            report(
                f"{x.name} gives {grantee} the filter {predicate!r}; only the identities "
                "of data products (and the Dataplex service agent, on what it scans) may "
                "read rows unfiltered, and tenants read their own.",
                x.urn,
            )


def _one_group_per_tenant(ports: list, index: StackIndex, report: ReportViolation) -> None:  # type: ignore[type-arg]
    """Each tenant reads through its own group, and no tenant group owns a product."""
    seen: dict[str, str] = {}
    reported: set[str] = set()
    for port, r in ports:
        for tenant, group in _tenants_of(port).items():
            other = seen.setdefault(group, tenant)
            if other != tenant and group not in reported:
                reported.add(group)
                report(
                    f"tenants {other!r} and {tenant!r} share the group {email_of(group)}.", r.urn
                )
            for product, owners in index.owners.items():
                if group in owners and group not in reported:
                    reported.add(group)
                    report(
                        f"the tenant group {email_of(group)} of {tenant!r} also owns {product}: it "
                        "would write and read every row.",
                        r.urn,
                    )


tenant_isolation = StackValidationPolicy(
    name="tenant-isolation",
    description="Tenant-scoped data is served only through a REQUIRED tenant column and a row "
    "access policy per tenant of the stack, each tenant's filter exactly its own (parsed SQL); "
    "TRUE only for product identities; one group per tenant, never an owner group; "
    "cross-tenant ports never reach tenant groups.",
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
        str(c).lower()
        for c in args.get_config().get("classifications") or ["pii", "sensitive", "restricted"]
    }
    for port, table in _port_tables(args):
        if table.props.get("view"):
            continue
        # What the lineage requires (the model's facts), else what the contract says.
        classified = {
            **dict(port.get("classifiedColumns") or {}),
            **dict(port.get("requiredClassifications") or {}),
        }
        columns = dict(walk_columns(schema_columns(table.props.get("schema"))))
        for name, classification in classified.items():
            if str(classification).lower() not in sensitive:
                continue
            tags = ((columns.get(name) or {}).get("policyTags") or {}).get("names") or []
            if not tags:
                report(
                    f"{table.name}: column {name} is {classification} by its contract or "
                    "by what it derives from; attach a policy tag (data-mesh:policyTags).",
                    table.urn,
                )


pii_policy_tags = StackValidationPolicy(
    name="pii-policy-tags",
    description="Columns a contract (or what they derive from) classifies as PII, sensitive "
    "or restricted carry a policy tag, so only fine-grained readers see them.",
    enforcement_level=EnforcementLevel.MANDATORY,
    config_schema=PolicyConfigSchema(
        properties={
            "classifications": {
                "type": "array",
                "items": {"type": "string"},
                "default": ["pii", "sensitive", "restricted"],
            },
        }
    ),
    validate=_pii_tags,
)

_MS_PER_DAY = 86_400_000


def _retention(args: StackValidationArgs, report: ReportViolation) -> None:
    index = StackIndex.of(args.resources)
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
        dataset = index.datasets.get(dataset_key(p))
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


def _declassified(args: StackValidationArgs, report: ReportViolation) -> None:
    for port, table in _port_tables(args):
        for column, reason in sorted(dict(port.get("declassified") or {}).items()):
            report(
                f"{table.name}: column {column} is declassified below what it derives from: "
                f"{reason}",
                table.urn,
            )


declassified_columns = StackValidationPolicy(
    name="declassified-columns",
    description="Columns a port declassifies below the sensitivity of what they derive from, "
    "with the team's reason, for the governance team to review.",
    enforcement_level=EnforcementLevel.ADVISORY,
    validate=_declassified,
)
