"""The files of a new product, from the kinds' scaffolds: product.yaml, one contract per
output port (and per event payload), a fixture per source port, a unit test."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

import yaml

from model.kinds.scaffold import InputScaffold, Produced
from model.spec_types import SourceColumn
from tools.local.inputs.context import CLOCK, LocalContext

SCHEMA_LINE = "# yaml-language-server: $schema=../product.schema.json\n"
LOGICAL = {
    "STRING": "string",
    "INT64": "integer",
    "FLOAT64": "number",
    "NUMERIC": "number",
    "BOOL": "boolean",
    "DATE": "date",
    "DATETIME": "timestamp",
    "TIMESTAMP": "timestamp",
}
FIXTURE_ROWS = 6


def dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=100)


def contract(
    domain: str,
    product: str,
    port: str,
    physical: str,
    columns: Sequence[SourceColumn],
    classifications: dict[str, str],
    purpose: str,
    physical_type: str | None = None,
) -> str:
    """An ODCS v3.1 contract of `columns` (a freshness SLA on updated_at when it exists)."""
    props = []
    for c in columns:
        prop: dict[str, Any] = {
            "name": c.name,
            "logicalType": LOGICAL[c.type],
            "physicalType": c.type,
            "description": c.description,
        }
        if c.required:
            prop["required"] = True
        if c.name in classifications:
            prop["classification"] = classifications[c.name]
        props.append(prop)
    obj: dict[str, Any] = {"name": physical, "physicalName": physical}
    if physical_type:
        obj["physicalType"] = physical_type
    obj |= {"logicalType": "object", "description": purpose, "properties": props}
    doc: dict[str, Any] = {
        "apiVersion": "v3.1.0",
        "kind": "DataContract",
        "id": f"urn:datacontract:{domain}:{product}:{port}",
        "name": f"{product} {port}",
        "version": "1.0.0",
        "status": "draft",
        "domain": domain,
        "dataProduct": product,
        "description": {"purpose": purpose},
        "schema": [obj],
    }
    if any(c.name == "updated_at" and c.type == "TIMESTAMP" for c in columns):
        doc["slaProperties"] = [
            {"property": "freshness", "value": 25, "unit": "h", "element": f"{physical}.updated_at"}
        ]
    return dump(doc)


def values(
    columns: Sequence[SourceColumn],
    count: int,
    tenants: Sequence[str],
    name: str,
    tenant_column: str | None,
) -> list[dict[str, Any]]:
    """`count` rows of typed example values, inside a local run's default window (the day
    before its clock), tenants taking turns in a tenant column."""
    rows = []
    for i in range(count):
        at = CLOCK - timedelta(hours=2 + i)
        row: dict[str, Any] = {}
        for c in columns:
            if c.name == tenant_column:
                row[c.name] = tenants[i % len(tenants)] if tenants else "tenant-a"
            elif c.type == "STRING":
                row[c.name] = f"{name}-{i + 1}" if c.name == "id" else f"{c.name} {i + 1}"
            elif c.type == "INT64":
                row[c.name] = i + 1
            elif c.type in {"FLOAT64", "NUMERIC"}:
                row[c.name] = round(1.5 * (i + 1), 2)
            elif c.type == "BOOL":
                row[c.name] = i % 2 == 0
            elif c.type == "DATE":
                row[c.name] = at.date().isoformat()
            else:
                row[c.name] = LocalContext.timestamp(at)
        rows.append(row)
    return rows


def fixture(kind: str, columns: Sequence[SourceColumn], rows: list[dict[str, Any]]) -> str:
    """A CSV of rows, or (jsonl) one Pub/Sub message per row with the row as its data."""
    if kind == "jsonl":
        return "".join(json.dumps({"data": r}) + "\n" for r in rows)
    header = ",".join(c.name for c in columns)
    lines = [",".join("" if r[c.name] is None else str(r[c.name]) for c in columns) for r in rows]
    return "\n".join([header, *lines]) + "\n"


def unit_test(
    inputs: dict[str, InputScaffold],
    outputs: dict[str, Produced],
    sources: dict[str, str],  # output port -> the input it reads
    tenants: Sequence[str],
    events: bool,
) -> str:
    """Given rows for each input, the rows each output holds then; a pipeline also gets a
    message that breaks its event contract, expected among the dead letters."""
    given: dict[str, Any] = {}
    for name, s in inputs.items():
        rows = values(s.columns, 2, tenants, name, s.tenant_column)
        given[name] = [{"data": r} for r in rows] if events else rows
    expect = {}
    for out, produced in outputs.items():
        source = sources[out]
        rows = given[source]
        keep = [c.name for c in produced.columns][:4]
        expect[out] = [{k: (r["data"] if events else r)[k] for k in keep} for r in rows]
    doc: dict[str, Any] = {"name": "each input row reaches its output port", "given": given}
    if events:
        broken = {k: v for k, v in given[next(iter(inputs))][0]["data"].items()}
        required = next(c.name for c in next(iter(inputs.values())).columns if c.required)
        broken.pop(required)
        given[next(iter(inputs))].append({"data": broken})
        doc["expect"] = expect
        doc["expect_dead_letters"] = [{"reason": "contract"}]
    else:
        doc["expect"] = expect
    return (
        "# Generated by `datamesh new`: edit the rows to what your transformation must do.\n"
        + dump(doc)
    )
