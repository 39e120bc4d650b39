"""A product's page: its facts, input ports, and each output port with its contract,
access, columns with their direct lineage, and quality rules with the run's results."""

from __future__ import annotations

from typing import Any

from model.lineage import INPUT, ColumnRef
from tools.catalog.context import Site


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


def product_page(site: Site, pid: str) -> dict[str, Any]:
    bundle = site.mesh[pid]
    spec = bundle.spec
    project = site.settings.project_of(pid)
    outputs = []
    for port in spec.output_ports:
        contract = bundle.contracts[port.name]
        lineage = site.mesh.lineage.get((pid, port.name))
        tenant_column = port.tenant_column
        columns = []
        for f in contract.fields:
            refs = sorted(lineage.columns.get(f.name, frozenset())) if lineage else []
            columns.append(
                {
                    "name": f.name,
                    "type": f.type,
                    "mode": f.mode,
                    "description": f.description,
                    "classification": f.classification or "",
                    "upstream": [column_ref(site, r) for r in refs],
                    "upstream_note": "computed here" if lineage else "source data",
                }
            )
        fqn = port.address(project, spec.dataset_id)
        outputs.append(
            {
                "name": port.name,
                "kind": port.kind,
                "version": contract.version,
                "status": contract.model.status,
                "contract_id": contract.id,
                "description": contract.description,
                "fqn": fqn,
                "tenant_column": tenant_column,
                "consumers": list(port.consumers),
                "tenant_groups": [{"id": t.id, "group": t.group} for t in site.settings.tenants]
                if tenant_column
                else [],
                "rows": site.run.rows(pid, port.name) if site.run else None,
                "freshness": _port_freshness(site, pid, port.name),
                "columns": columns,
                "checks": _check_rows(site, pid, port.name),
                "lineage_url": "../" + site.lineage_url(pid, port.name),
            }
        )
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
        "outputs": outputs,
    }


def _port_freshness(site: Site, pid: str, port: str) -> str:
    if site.run is None:
        return ""
    newest, age = site.run.newest(pid, port), site.run.age_minutes(pid, port)
    return f"newest {newest}, {age} min before the run's clock" if newest else ""
