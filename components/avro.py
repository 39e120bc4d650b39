"""Contract -> Avro schema for Pub/Sub topics (JSON encoding)."""

from __future__ import annotations

import json
from typing import Any

from model.contract import BigQueryField

# With JSON encoding, timestamps and decimals travel as strings.
_AVRO = {
    "STRING": "string",
    "BYTES": "bytes",
    "INT64": "long",
    "FLOAT64": "double",
    "BOOL": "boolean",
    "NUMERIC": "string",
    "BIGNUMERIC": "string",
    "TIMESTAMP": "string",
    "DATETIME": "string",
    "DATE": "string",
    "TIME": "string",
    "JSON": "string",
    "GEOGRAPHY": "string",
}


def _avro_type(f: BigQueryField, namespace: str) -> Any:
    if f.type == "RECORD":
        item: Any = {
            "type": "record",
            "name": f.name,
            "namespace": namespace,
            "fields": [_avro_field(c, f"{namespace}.{f.name}") for c in f.fields],
        }
    else:
        item = _AVRO[f.type]
    if f.mode == "REPEATED":
        return {"type": "array", "items": item}
    return item


def _avro_field(f: BigQueryField, namespace: str) -> dict[str, Any]:
    t = _avro_type(f, namespace)
    out: dict[str, Any] = {"name": f.name, "doc": f.description}
    if f.mode == "NULLABLE":
        out["type"] = ["null", t]
        out["default"] = None
    else:
        out["type"] = t
    return out


def avro_schema(name: str, fields: tuple[BigQueryField, ...], namespace: str) -> str:
    return json.dumps(
        {
            "type": "record",
            "name": name,
            "namespace": namespace,
            "fields": [_avro_field(f, namespace) for f in fields],
        },
        sort_keys=True,
    )
