"""Contract -> Protocol Buffer schema for Pub/Sub topics that take JSON.

With JSON encoding, Pub/Sub checks each message against the schema using the
Protocol Buffer JSON mapping, where an optional field is simply left out and a
value is written plainly (`"co2": 412.5`). Avro's JSON encoding, by contrast,
wants a nullable value wrapped in its type (`{"double": 412.5}`), which no
publisher of plain JSON sends. proto2 syntax keeps `required` meaningful, so a
message missing a REQUIRED column is refused at publish time. Pub/Sub takes one
top-level message and no imports: nested records become nested messages and
timestamps travel as RFC 3339 strings.
"""

from __future__ import annotations

import re

from model.contract import BigQueryField

# BigQuery type -> proto2 scalar type (as its JSON mapping accepts what publishers send).
_PROTO = {
    "STRING": "string",
    "BYTES": "bytes",  # base64 in JSON
    "INT64": "int64",  # a number or a decimal string in JSON
    "FLOAT64": "double",
    "BOOL": "bool",
    "NUMERIC": "string",
    "BIGNUMERIC": "string",
    "TIMESTAMP": "string",
    "DATETIME": "string",
    "DATE": "string",
    "TIME": "string",
    "JSON": "string",
    "GEOGRAPHY": "string",
}
_LABEL = {"REQUIRED": "required", "NULLABLE": "optional", "REPEATED": "repeated"}


def _message_name(name: str) -> str:
    """`device_events` -> `DeviceEvents` (a valid proto identifier)."""
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", name) if p]
    text = "".join(p[:1].upper() + p[1:] for p in parts) or "Message"
    return text if text[0].isalpha() else f"M{text}"


def _message(name: str, fields: tuple[BigQueryField, ...], indent: str) -> list[str]:
    lines = [f"{indent}message {name} {{"]
    for number, f in enumerate(fields, start=1):
        if f.type == "RECORD":
            nested = _message_name(f.name)
            lines += _message(nested, f.fields, indent + "  ")
            kind = nested
        else:
            kind = _PROTO[f.type]
        lines.append(f"{indent}  {_LABEL[f.mode]} {kind} {f.name} = {number};")
    lines.append(f"{indent}}}")
    return lines


def proto_schema(name: str, fields: tuple[BigQueryField, ...]) -> str:
    """A proto2 definition with one top-level message for the contract's columns."""
    return "\n".join(['syntax = "proto2";', "", *_message(_message_name(name), fields, "")]) + "\n"
