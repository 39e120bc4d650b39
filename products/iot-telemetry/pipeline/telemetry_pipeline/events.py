"""The device-events contract (contracts/device-events.odcs.yaml) as typed structs.

msgspec decodes and validates in one pass (in C): wrong types, missing fields and
malformed JSON come back as errors that name the field (`$.metrics[1].value`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

import msgspec

NonEmpty = Annotated[str, msgspec.Meta(min_length=1, max_length=256)]


class Metric(msgspec.Struct, frozen=True):
    name: NonEmpty
    value: float
    unit: Annotated[str, msgspec.Meta(max_length=32)]


class DeviceEvent(msgspec.Struct, frozen=True):
    device_id: NonEmpty
    event_ts: Annotated[datetime, msgspec.Meta(tz=True)]
    metrics: Annotated[list[Metric], msgspec.Meta(min_length=1, max_length=64)]


_decoder = msgspec.json.Decoder(DeviceEvent)

INVALID_JSON = "invalid_json"
CONTRACT = "contract_violation"


@dataclass(frozen=True)
class Rejected:
    reason: str
    error: str


def decode_event(data: bytes) -> DeviceEvent | Rejected:
    """The event, or why it breaks the contract (never raises)."""
    try:
        event = _decoder.decode(data)
    except msgspec.ValidationError as exc:
        return Rejected(CONTRACT, str(exc))
    except msgspec.DecodeError as exc:
        return Rejected(INVALID_JSON, str(exc))
    seen: set[str] = set()
    for i, metric in enumerate(event.metrics):
        if not math.isfinite(metric.value):
            return Rejected(CONTRACT, f"Expected a finite number - at `$.metrics[{i}].value`")
        if metric.name in seen:
            return Rejected(CONTRACT, f"Duplicate metric {metric.name!r} - at `$.metrics[{i}]`")
        seen.add(metric.name)
    return event
