"""A product's page: its facts and health, input ports, the transformation's code, and
each output port with its whole contract, access, a query to copy, its readers, columns
with their direct lineage, its data profile and quality rules with the run's results."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from model.kinds import OutputPort
from model.lineage import INPUT, ColumnRef
from tools.catalog.context import Site
from tools.catalog.port_details import (
    access,
    contract_facts,
    example_query,
    nested_columns,
    readers,
)
from tools.catalog.profiles import PortProfile


def column_ref(site: Site, ref: ColumnRef) -> dict[str, str]:
    if ref.kind == INPUT:
        return {
            "label": f"{ref.product} input {ref.port}.{ref.column}".rstrip("."),
            "url": "../" + site.url(ref.product),
        }
    url = site.lineage_url(ref.product, ref.port) + f"#column-{ref.column}"
    return {
        "label": f"{ref.product}.{ref.port}.{ref.column}",
        "url": "../" + url if ref.product in site.products else "",
    }


def _inputs(site: Site, pid: str) -> list[dict[str, str]]:
    out: list[dict[str, str]] = []
    for port in site.mesh[pid].spec.input_ports:
        url = ""
        description = port.description or ""
        up = port.upstream()
        if up is not None:
            url = "../" + site.url(up.product, up.port)
            upstream = site.mesh[up.product].contracts.get(up.port)
            description = description or (upstream.description if upstream else "")
        source = port.source()
        out.append(
            {
                "name": port.name,
                "kind": port.kind,
                "source": source,
                "url": url,
                "description": description,
            }
        )
    return out


def _check_rows(site: Site, pid: str, port: str) -> list[dict[str, str]]:
    contract = site.mesh[pid].contracts[port]
    results = {
        c.get("check"): c for c in (site.run.checks.get((pid, port), []) if site.run else [])
    }
    rows = []
    for check in contract.checks:
        result = results.get(check.name)
        status = "" if result is None else "passed" if result.get("passed") else "failed"
        text = "not run" if result is None else f"{status}: {result.get('detail', '')}"
        rows.append(
            {
                "name": check.name,
                "dimension": check.dimension,
                "column": check.column or "",
                "description": check.description,
                "status": status,
                "result": text,
            }
        )
    return rows


def _profile(profile: PortProfile | None, tenants: list[str]) -> dict[str, Any] | None:
    if profile is None:
        return None
    columns = []
    for c in profile.columns:
        span = ""
        if c.masked:
            span = "masked"
        elif c.lengths is not None:
            span = f"length {c.lengths[0]} to {c.lengths[1]}"
        elif c.low is not None:
            span = f"{c.low} to {c.high}"
        columns.append(
            {
                "name": c.name,
                "type": c.type,
                "nulls": f"{c.nulls:.0%}",
                "distinct": c.distinct,
                "range": span,
                "top": ", ".join(f"{v} ({n})" for v, n in c.top),
                "masked": c.masked,
            }
        )
    samples = [
        {"tenant": t, "rows": [[_shown(v) for v in row] for row in profile.samples.get(t, [])]}
        for t in tenants
    ]
    return {
        "rows": profile.rows,
        "columns": columns,
        "sample_columns": profile.sample_columns,
        "samples": samples,
    }


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _columns(site: Site, pid: str, port: str) -> list[dict[str, Any]]:
    lineage = site.mesh.lineage.get((pid, port))
    out = []
    for f in nested_columns(site.mesh[pid].contracts[port].fields):
        refs = sorted(lineage.columns.get(f.name, frozenset())) if lineage else []
        out.append(
            {
                "name": f.name,
                "type": f.type,
                "mode": f.mode,
                "description": f.description,
                "classification": f.classification or "",
                "upstream": [column_ref(site, r) for r in refs],
                "upstream_note": ("computed here" if lineage else "source data")
                if "." not in f.name
                else "",
            }
        )
    return out


def _output(
    site: Site, pid: str, port: OutputPort, profiles: Mapping[tuple[str, str], PortProfile]
) -> dict[str, Any]:
    bundle = site.mesh[pid]
    contract = bundle.contracts[port.name]
    return {
        "name": port.name,
        "kind": port.kind,
        "version": contract.version,
        "status": contract.model.status,
        "contract_id": contract.id,
        "description": contract.description,
        "fqn": port.address(site.settings.project_of(pid), bundle.spec.dataset_id),
        "tenant_column": port.tenant_column,
        "facts": contract_facts(contract) + port.catalog_facts(),
        "example": example_query(site, pid, port, contract),
        "read_by": readers(site, pid, port.name),
        **access(site, port),
        "rows": site.run.rows(pid, port.name) if site.run else None,
        "freshness": _port_freshness(site, pid, port.name),
        "columns": _columns(site, pid, port.name),
        "checks": _check_rows(site, pid, port.name),
        "lineage_url": "../" + site.lineage_url(pid, port.name),
        "profile": _profile(profiles.get((pid, port.name)), [t.id for t in site.settings.tenants]),
    }


def _transformation(site: Site, pid: str) -> dict[str, Any]:
    """The code that fills the ports: each SQL file (with its schedule) or the pipeline."""
    bundle = site.mesh[pid]
    t = bundle.spec.transformation
    steps = [
        {
            "port": step.port,
            "file": step.sql,
            "how": "view"
            if step.view
            else f"{'replaces' if step.truncate else 'appends to'} "
            f"the table{', ' + step.schedule if step.schedule else ''}",
            "sql": bundle.sql[step.sql].text if step.sql in bundle.sql else "",
        }
        for step in t.sql_steps()
    ]
    pipeline = t.pipeline_step()
    return {
        "summary": t.summary(),
        "steps": steps,
        "pipeline": None
        if pipeline is None
        else {
            "folder": pipeline.folder,
            "reads": pipeline.input_port,
            "writes": pipeline.output_port,
            "parameters": sorted(pipeline.parameters.items()),
            "lineage": sorted(t.declared_lineage().get(pipeline.output_port, {}).items()),
        },
    }


def _health(site: Site, pid: str) -> list[dict[str, Any]]:
    """The product's check results: of the deployed stack (`datamesh check`), and of the
    local run, each labelled with where it comes from."""
    ports = [p.name for p in site.mesh[pid].spec.output_ports]
    sources = []
    if site.deployed:
        sources.append(("the deployed stack (datamesh check)", site.deployed))
    if site.run is not None:
        label = f"local run of {site.run.report.get('clock')}, generated or fixture data"
        sources.append((label, site.run.checks))
    out = []
    for label, results in sources:
        checks = [c for p in ports for c in results.get((pid, p), [])]
        failed = [f"{c.get('port')}: {c.get('check')}" for c in checks if not c.get("passed")]
        out.append(
            {
                "source": label,
                "passed": len(checks) - len(failed),
                "total": len(checks),
                "failed": failed,
            }
        )
    return out


def product_page(
    site: Site, pid: str, profiles: Mapping[tuple[str, str], PortProfile] | None = None
) -> dict[str, Any]:
    spec = site.mesh[pid].spec
    project = site.settings.project_of(pid)
    return {
        "id": pid,
        "name": spec.name,
        "description": spec.description,
        "domain": spec.domain,
        "owner": spec.owner,
        "alignment": spec.alignment.value,
        "classification": spec.classification.value,
        "slos": spec.slos,
        "tags": spec.tags,
        "deployed_by": site.deployed_by(pid),
        "cross_tenant": spec.cross_tenant.reason if spec.cross_tenant else "",
        "dataplex": f"projects/{project}/locations/{site.settings.region}/dataProducts/{pid}",
        "inputs": _inputs(site, pid),
        "dashboards": [
            {"title": d.title, "url": f"../dashboards/{pid}--{d.name}.html"}
            for d in spec.dashboards
        ],
        "health": _health(site, pid),
        "transformation": _transformation(site, pid),
        "outputs": [_output(site, pid, port, profiles or {}) for port in spec.output_ports],
    }


def _port_freshness(site: Site, pid: str, port: str) -> str:
    if site.run is None:
        return ""
    newest, age = site.run.newest(pid, port), site.run.age_minutes(pid, port)
    return f"newest {newest}, {age} min before the run's clock" if newest else ""
