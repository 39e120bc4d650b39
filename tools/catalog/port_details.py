"""What a consumer needs to use a port, beside its columns: the whole contract (usage,
limitations, support, every SLA), the port's physical settings, a query to copy with
the filters it needs, and who reads it already."""

from __future__ import annotations

from typing import Any

from model.contract import BigQueryField, Contract
from model.kinds import OutputPort
from tools.catalog.context import Site

EXAMPLE_COLUMNS = 8
_TIME_FILTERS = {
    "DATE": "{c} >= DATE_SUB(CURRENT_DATE(), INTERVAL 7 DAY)",
    "TIMESTAMP": "{c} >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 DAY)",
    "DATETIME": "{c} >= DATETIME_SUB(CURRENT_DATETIME(), INTERVAL 1 DAY)",
}


def contract_facts(contract: Contract) -> list[tuple[str, str]]:
    """The contract's description, support channels and SLAs, as label and text."""
    model, facts = contract.model, []
    desc = model.description
    for label, text in (
        ("Usage", desc.usage if desc else None),
        ("Limitations", desc.limitations if desc else None),
    ):
        if text:
            facts.append((label, " ".join(str(text).split())))
    for s in model.support or []:
        where = s.url or s.channel or ""
        facts.append(("Support", f"{s.tool or s.channel or 'channel'}: {where}".strip(": ")))
    for sla in model.slaProperties or []:
        element = f" of {sla.element}" if sla.element else ""
        unit = f" {sla.unit}" if sla.unit else ""
        facts.append((f"SLA {sla.property}", f"{sla.value}{unit}{element}"))
    return facts


def nested_columns(fields: tuple[BigQueryField, ...], prefix: str = "") -> list[BigQueryField]:
    """Every column, records' fields as `record.field` after their record."""
    out = []
    for f in fields:
        name = f"{prefix}{f.name}"
        out.append(BigQueryField(name, f.type, f.mode, f.description, (), f.classification))
        out += nested_columns(f.fields, f"{name}.")
    return out


def example_query(site: Site, pid: str, port: OutputPort, contract: Contract) -> str:
    """A query a consumer can paste into BigQuery, with the filters the port needs."""
    project = site.settings.project_of(pid)
    address = port.address(project, site.mesh[pid].spec.dataset_id)
    if not port.serves_rows:
        return (
            f"gcloud pubsub subscriptions create {pid}-reader --topic={address} "
            "--project=<your project>"
        )
    names = [f.name for f in contract.fields if f.mode != "REPEATED"][:EXAMPLE_COLUMNS]
    where = []
    column = port.required_filter_column()
    if column is not None:
        field = contract.column(column)
        template = _TIME_FILTERS.get(field.type if field else "", "{c} IS NOT NULL")
        where.append(template.format(c=column) + "  -- required partition filter")
    if port.tenant_column and site.settings.tenants:
        tenant = site.settings.tenants[0].id
        where.append(
            f"{port.tenant_column} = '{tenant}'  -- your tenant id; the row access policy "
            "keeps only your rows anyway"
        )
    lines = ["SELECT", "  " + ",\n  ".join(names), f"FROM `{address}`"]
    if where:
        lines.append("WHERE " + "\n  AND ".join(where))
    return "\n".join([*lines, "LIMIT 100"])


def readers(site: Site, pid: str, port: str) -> list[dict[str, str]]:
    """The products reading the port (through which input port), shown or not."""
    return [
        {
            "product": e.consumer,
            "input_port": e.input_port,
            "url": "../" + site.url(e.consumer) if e.consumer in site.products else "",
        }
        for e in site.mesh.edges
        if (e.producer, e.output_port) == (pid, port)
    ]


def access(site: Site, port: OutputPort) -> dict[str, Any]:
    tenants = [{"id": t.id, "group": t.group} for t in site.settings.tenants]
    return {
        "consumers": list(port.consumers),
        "tenant_groups": tenants if port.tenant_column else [],
    }
