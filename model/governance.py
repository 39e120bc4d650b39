"""Governance that follows the data, checked from the YAML before anything is planned.

Tenancy: a port that reads a tenant-scoped port is itself tenant-scoped, and its
tenant column derives from the upstream tenant column: not a constant, not some
other column. A product that aggregates across tenants says so (`cross_tenant`,
with a reason); its ports then carry no tenant column and are never served to
tenant groups.

Classification: a column derived from a `pii` or `sensitive` column is at least as
sensitive (and so carries its policy tag), unless the port declassifies it with a
reason, which the plan reports.

The facts computed here travel to the policy pack as component inputs
(`port_facts`), so the pack checks what the lineage says, not what a component chose.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from model.bundle import ProductBundle
from model.contract import BigQueryField, Contract
from model.errors import SpecIssue
from model.kinds import OutputPort
from model.lineage import INPUT, PORT, ColumnRef, PortLineage, upstream_columns

SENSITIVE = frozenset({"pii", "sensitive", "restricted"})
# How sensitive a classification is; unknown names rank with "confidential".
RANK = {"public": 0, "internal": 1, "confidential": 2, "sensitive": 3, "pii": 3, "restricted": 4}


def rank(classification: str | None) -> int:
    if not classification:
        return 0
    return RANK.get(classification.lower(), 2)


@dataclass(frozen=True)
class PortFacts:
    """What the model knows about a port that the pack must not have to trust a label for."""

    tenant_scoped_inputs: tuple[str, ...]  # `product.port` of tenant-scoped ports it reads
    cross_tenant: str | None  # the product's reason, when it aggregates across tenants
    required_classifications: Mapping[str, str]  # column -> classification lineage requires
    declassified: Mapping[str, str]  # column -> reason

    def to_inputs(self) -> dict[str, Any]:
        return {
            "tenantScopedInputs": list(self.tenant_scoped_inputs),
            "crossTenant": self.cross_tenant,
            "requiredClassifications": dict(self.required_classifications),
            "declassified": dict(self.declassified),
        }


def _column_classification(
    ref: ColumnRef,
    bundles: Mapping[str, ProductBundle],
) -> str | None:
    bundle = bundles.get(ref.product)
    if bundle is None:
        return None
    if ref.kind == PORT:
        contract = bundle.contracts.get(ref.port)
    else:
        contract = bundle.event_contracts.get(ref.port)
    if contract is None:  # a source's declared columns say it (a sheet's, a query's)
        port = bundle.spec.input_port(ref.port) if ref.kind != PORT else None
        declared = {c.name: c.classification for c in port.declared_columns()} if port else {}
        return declared.get(ref.column.split(".")[0])
    field = contract.column(ref.column.split(".")[0])
    return field.classification if field is not None else None


def port_facts(
    bundle: ProductBundle,
    port: str,
    bundles: Mapping[str, ProductBundle],
    lineage: Mapping[tuple[str, str], PortLineage],
) -> PortFacts:
    spec = bundle.spec
    out_port = spec.output_port(port)
    declassified = dict(out_port.declassify) if out_port else {}
    own = lineage.get((bundle.id, port))
    scoped = sorted(
        f"{p}.{q}"
        for p, q in (own.upstream_ports() if own else set())
        if _tenant_column_of(bundles, p, q)
    )
    contract = bundle.contracts[port]
    required: dict[str, str] = {
        f.name: f.classification for f in contract.fields if f.classification
    }
    if own is not None:
        for column in own.columns:
            sources = set(own.columns[column])
            for ref in list(sources):
                sources |= upstream_columns(lineage, ref)
            strongest = max(
                (_column_classification(r, bundles) for r in sources),
                key=rank,
                default=None,
            )
            if (
                strongest
                and strongest.lower() in SENSITIVE
                and column not in declassified
                and rank(strongest) > rank(required.get(column))
            ):
                required[column] = strongest.lower()
    return PortFacts(
        tuple(scoped),
        spec.cross_tenant.reason if spec.cross_tenant else None,
        required,
        declassified,
    )


def check_governance(
    bundles: Mapping[str, ProductBundle], lineage: Mapping[tuple[str, str], PortLineage]
) -> list[SpecIssue]:
    issues: list[SpecIssue] = []
    for pid in sorted(bundles):
        bundle = bundles[pid]
        issues += _check_declared_lineage(bundle, bundles)
        for i, out_port in enumerate(bundle.spec.output_ports):
            if not out_port.serves_rows:
                continue
            own = lineage.get((pid, out_port.name))
            if own is None:
                continue
            issues += _check_tenancy(bundle, i, own, bundles)
            issues += _check_classification(bundle, i, own, bundles, lineage)
    return issues


def _tenant_column_of(bundles: Mapping[str, ProductBundle], product: str, port: str) -> str | None:
    bundle = bundles.get(product)
    spec_port = bundle.spec.output_port(port) if bundle else None
    return spec_port.tenant_column if spec_port else None


def _check_tenancy(
    bundle: ProductBundle,
    index: int,
    own: PortLineage,
    bundles: Mapping[str, ProductBundle],
) -> list[SpecIssue]:
    scoped = sorted(
        (p, q) for p, q in own.upstream_ports() if _tenant_column_of(bundles, p, q) is not None
    )
    out_port = bundle.spec.output_ports[index]
    if not scoped:
        if out_port.tenant_column is None or out_port.stores_rows:
            return []
        if _reads_tenant_scoped(bundle, out_port.name, bundles):
            return []  # its lineage could not be traced: reported where it fails
        problem: str | None = (
            f"a {out_port.kind} filters no rows itself: its tenant column must carry the "
            "tenant of a tenant-scoped port it reads (whose row access policies then apply); "
            "to serve the tenants of the product's own sources, make the port a table"
        )
    else:
        problem = _tenancy_problem(bundle, out_port, own, bundles, scoped)
    if problem is None:
        return []
    return [SpecIssue(bundle.path, f"output_ports[{index}].tenant_column", problem)]


def _reads_tenant_scoped(
    bundle: ProductBundle, port: str, bundles: Mapping[str, ProductBundle]
) -> bool:
    """Whether the SQL filling `port` names a tenant-scoped port (as written, whatever its
    lineage says)."""
    for step in bundle.spec.sql_steps():
        sql = bundle.sql.get(step.sql)
        if (
            step.port == port
            and sql is not None
            and any(_tenant_column_of(bundles, r.product, r.port) for r in sql.refs)
        ):
            return True
    return False


def _tenancy_problem(
    bundle: ProductBundle,
    out_port: OutputPort,
    own: PortLineage,
    bundles: Mapping[str, ProductBundle],
    scoped: list[tuple[str, str]],
) -> str | None:
    """Why a port that reads tenant-scoped ports does not carry their tenant, or None."""
    column = out_port.tenant_column
    if bundle.spec.cross_tenant is not None:
        if column is None:
            return None
        return (
            f"{bundle.id} is cross_tenant, so its ports serve no tenant; remove the "
            "tenant column (tenant groups never read this port)"
        )
    if column is None:
        return (
            f"reads tenant-scoped {', '.join(f'{p}.{q}' for p, q in scoped)} but declares no "
            "tenant column; declare the column that carries the upstream tenant, or set "
            "cross_tenant with a reason"
        )
    if column in {c.split(":")[0] for c in own.problems}:
        return (
            f"the lineage of {column!r} cannot be traced in {own.source}; write it as a "
            "plain column of an upstream port"
        )
    refs = own.columns.get(column)
    upstream_tenants = {
        ColumnRef(PORT, p, q, str(_tenant_column_of(bundles, p, q))) for p, q in scoped
    }
    expected = ", ".join(map(str, sorted(upstream_tenants)))
    if refs is None:
        return f"tenant column {column!r} is not produced by {own.source}"
    if not refs:
        return (
            f"tenant column {column!r} is a constant in {own.source}; it must carry the "
            f"tenant of the rows it reads ({expected})"
        )
    strays = sorted(r for r in refs if r not in upstream_tenants)
    if strays:
        return (
            f"tenant column {column!r} derives from {', '.join(map(str, strays))}, not from "
            f"the tenant column of what it reads ({expected})"
        )
    return None


def _check_classification(
    bundle: ProductBundle,
    index: int,
    own: PortLineage,
    bundles: Mapping[str, ProductBundle],
    lineage: Mapping[tuple[str, str], PortLineage],
) -> list[SpecIssue]:
    out_port = bundle.spec.output_ports[index]
    contract: Contract = bundle.contracts[out_port.name]
    declassified = dict(out_port.declassify) if out_port else {}
    issues: list[SpecIssue] = []
    for column, direct in sorted(own.columns.items()):
        field = contract.column(column)
        if field is None or column in declassified:
            continue
        sources = set(direct)
        for ref in direct:
            sources |= upstream_columns(lineage, ref)
        for ref in [*sorted(direct), *sorted(sources - direct)]:  # the nearest named first
            source = _column_classification(ref, bundles)
            if source and source.lower() in SENSITIVE and rank(field.classification) < rank(source):
                issues.append(
                    SpecIssue(
                        bundle.path,
                        f"output_ports[{index}].contract",
                        f"column {column!r} derives from {source} column {ref} but "
                        f"{contract.path.name} classifies it "
                        f"{field.classification or 'unclassified'}; classify it {source} (its "
                        f"policy tag follows) or list it under declassify with a reason",
                    )
                )
                break
    for column in sorted(declassified):
        if contract.column(column) is None:
            issues.append(
                SpecIssue(
                    bundle.path,
                    f"output_ports[{index}].declassify.{column}",
                    f"column {column!r} is not in {contract.path.name}",
                )
            )
    return issues


def _check_declared_lineage(
    bundle: ProductBundle, bundles: Mapping[str, ProductBundle]
) -> list[SpecIssue]:
    issues: list[SpecIssue] = []
    for port, lineage in bundle.spec.transformation.declared_lineage().items():
        issues += _declared_columns_exist(bundle, port, lineage)
        issues += _declared_sources_exist(bundle, bundles, lineage)
    return issues


def _declared_columns_exist(
    bundle: ProductBundle, port: str, lineage: Mapping[str, list[str]]
) -> list[SpecIssue]:
    contract = bundle.contracts.get(port)
    if contract is None:
        return []
    issues: list[SpecIssue] = []
    missing = [f.name for f in contract.fields if f.name not in lineage]
    if missing:
        issues.append(
            SpecIssue(
                bundle.path,
                "transformation.lineage",
                f"declare where {', '.join(missing)} of {port} come from "
                "(`[]` for values the pipeline computes)",
            )
        )
    for column in sorted(set(lineage) - {f.name for f in contract.fields}):
        issues.append(
            SpecIssue(
                bundle.path,
                f"transformation.lineage.{column}",
                f"{column!r} is not a column of {port}",
            )
        )
    return issues


def _declared_sources_exist(
    bundle: ProductBundle, bundles: Mapping[str, ProductBundle], lineage: Mapping[str, list[str]]
) -> list[SpecIssue]:
    issues: list[SpecIssue] = []
    for column, sources in sorted(lineage.items()):
        for j, source in enumerate(sources):
            where = f"transformation.lineage.{column}[{j}]"
            port_name, _, path = source.partition(".")
            if bundle.spec.input_port(port_name) is None or not path:
                issues.append(
                    SpecIssue(bundle.path, where, f"{source!r} is not `<input port>.<column>`")
                )
                continue
            missing = _missing_segment(_input_fields(bundle, bundles, port_name), path)
            if missing is not None:
                issues.append(
                    SpecIssue(bundle.path, where, f"{port_name} has no column {missing!r}")
                )
    return issues


def _missing_segment(fields: tuple[BigQueryField, ...], path: str) -> str | None:
    """The first segment of `column.field.field` that is not a (nested) column, or None."""
    walked = []
    for segment in path.split("."):
        walked.append(segment)
        field = next((f for f in fields if f.name == segment), None)
        if field is None:
            return ".".join(walked)
        fields = field.fields
    return None


def _input_fields(
    bundle: ProductBundle, bundles: Mapping[str, ProductBundle], port_name: str
) -> tuple[BigQueryField, ...]:
    """The columns a pipeline gets from an input port: its messages' (event contract) or,
    for another product's port, that port's contract's (none when that product is
    unknown). A pipeline is handed no other source."""
    port = bundle.spec.input_port(port_name)
    upstream = port.upstream() if port else None
    if upstream is None:
        event = bundle.event_contracts.get(port_name)
        return event.fields if event else ()
    other = bundles.get(upstream.product)
    contract = other.contracts.get(upstream.port) if other else None
    return contract.fields if contract else ()


__all__ = ["INPUT", "PORT", "PortFacts", "check_governance", "port_facts", "rank"]
