"""What the pipeline emits: metric rows (the metrics_v1 contract) and dead letters."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telemetry_pipeline.events import DeviceEvent, Rejected, decode_event
from telemetry_pipeline.tenants import TenantIndex

SINK_ERROR = "sink_error"


@dataclass(frozen=True)
class Message:
    """A Pub/Sub message, or one line of a local events file in the same shape."""

    data: bytes
    message_id: str
    attributes: Mapping[str, str] = field(default_factory=dict)
    publish_time: datetime | None = None


def _iso(ts: datetime) -> str:
    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def now() -> datetime:
    return datetime.now(UTC)


def dead_letter(
    message: Message,
    reason: str,
    error: str,
    at: datetime | None = None,
    payload: str | None = None,
) -> dict[str, Any]:
    """A row of the dead_letters table."""
    return {
        "reason": reason,
        "error": error[:2000],
        "payload": payload if payload is not None else message.data.decode("utf-8", "replace"),
        "attributes": json.dumps(dict(message.attributes), sort_keys=True),
        "message_id": message.message_id,
        "publish_time": _iso(message.publish_time) if message.publish_time else None,
        "failed_at": _iso(at or now()),
    }


def explode(
    message: Message, tenants: TenantIndex, ingested_at: datetime
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """All the message's metric rows, or its dead letter: never some of each."""
    decoded: DeviceEvent | Rejected = decode_event(message.data)
    if isinstance(decoded, Rejected):
        return [], dead_letter(message, decoded.reason, decoded.error, ingested_at)
    tenant = tenants.lookup(decoded.device_id, decoded.event_ts)
    if isinstance(tenant, tuple):
        return [], dead_letter(message, tenant[0], tenant[1], ingested_at)
    event_ts, ingested = _iso(decoded.event_ts), _iso(ingested_at)
    return [
        {
            "tenant_id": tenant,
            "device_id": decoded.device_id,
            "event_ts": event_ts,
            "metric": m.name,
            "value": m.value,
            "unit": m.unit,
            "message_id": message.message_id,
            "ingested_at": ingested,
        }
        for m in decoded.metrics
    ], None


def message_from_json_line(line: str) -> Message:
    """A local events file holds one Pub/Sub-shaped message per line:
    `{"message_id", "publish_time", "attributes", "data"}` with the payload as text."""
    doc = json.loads(line)
    published = doc.get("publish_time")
    return Message(
        data=str(doc.get("data", "")).encode("utf-8"),
        message_id=str(doc["message_id"]),
        attributes={str(k): str(v) for k, v in (doc.get("attributes") or {}).items()},
        publish_time=datetime.fromisoformat(published.replace("Z", "+00:00"))
        if published
        else None,
    )


# The metrics_v1 contract, as the local sink checks rows the way BigQuery would.
REQUIRED_STRINGS = (
    "tenant_id",
    "device_id",
    "event_ts",
    "metric",
    "unit",
    "message_id",
    "ingested_at",
)


def schema_error(row: Mapping[str, Any]) -> str | None:
    """Why BigQuery would refuse this row for metrics_v1, if it would."""
    for name in REQUIRED_STRINGS:
        if not isinstance(row.get(name), str):
            return f"{name}: REQUIRED STRING missing or of the wrong type"
    value = row.get("value")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return "value: REQUIRED FLOAT64 must be a finite number"
    return None
