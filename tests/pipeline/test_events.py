"""The device-events contract: decoding, validation, tenant lookup, explosion."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from telemetry_pipeline.events import CONTRACT, INVALID_JSON, DeviceEvent, Rejected, decode_event
from telemetry_pipeline.records import Message, explode
from telemetry_pipeline.tenants import NO_TENANT, UNKNOWN_DEVICE, TenantIndex

from tests.pipeline.pipeline_helpers import DEV_1_MOVES

T0 = datetime(2026, 11, 24, 12, tzinfo=UTC)
EVENT = {
    "device_id": "dev-1",
    "event_ts": "2026-11-24T10:00:00Z",
    "metrics": [
        {"name": "co2", "value": 612, "unit": "ppm"},
        {"name": "temperature", "value": 21.5, "unit": "celsius"},
    ],
}
MAPPING = TenantIndex(
    [
        *DEV_1_MOVES,
        {
            "device_id": "dev-2",
            "tenant_id": "acme",
            "valid_from": "2026-11-24T06:00:00Z",
            "valid_to": "2026-11-24T08:00:00Z",
        },
    ]
)


def _with(**changes: object) -> bytes:
    return json.dumps({**EVENT, **changes}).encode()


def test_valid_event_decodes() -> None:
    event = decode_event(json.dumps(EVENT).encode())
    assert isinstance(event, DeviceEvent)
    assert event.event_ts == datetime(2026, 11, 24, 10, tzinfo=UTC)
    assert [m.value for m in event.metrics] == [612.0, 21.5]


@pytest.mark.parametrize(
    ("data", "reason", "where"),
    [
        (b'{"device_id": "dev-1", ', INVALID_JSON, ""),
        (b"\xff\xfe not json", INVALID_JSON, ""),
        (b"[1, 2]", CONTRACT, "Expected `object`"),
        (
            json.dumps({k: v for k, v in EVENT.items() if k != "device_id"}).encode(),
            CONTRACT,
            "device_id",
        ),
        (_with(device_id=""), CONTRACT, "`$.device_id`"),
        (_with(device_id=42), CONTRACT, "`$.device_id`"),
        (_with(event_ts="yesterday"), CONTRACT, "`$.event_ts`"),
        (_with(event_ts="2026-11-24T10:00:00"), CONTRACT, "`$.event_ts`"),  # no time zone
        (_with(metrics=[]), CONTRACT, "`$.metrics`"),
        (
            _with(metrics=[{"name": "co2", "value": "high", "unit": "ppm"}]),
            CONTRACT,
            "`$.metrics[0].value`",
        ),
        (
            _with(metrics=[{"name": "co2", "value": True, "unit": "ppm"}]),
            CONTRACT,
            "`$.metrics[0].value`",
        ),
        (
            _with(
                metrics=[
                    {"name": "co2", "value": 1, "unit": "ppm"},
                    {"name": "co2", "value": 2, "unit": "ppm"},
                ]
            ),
            CONTRACT,
            "`$.metrics[1]`",
        ),
    ],
)
def test_broken_events_are_rejected_with_the_field(data: bytes, reason: str, where: str) -> None:
    rejected = decode_event(data)
    assert isinstance(rejected, Rejected)
    assert rejected.reason == reason
    assert where in rejected.error


def test_tenant_at_event_time_follows_a_device_that_moves() -> None:
    assert MAPPING.lookup("dev-1", datetime(2026, 11, 24, 11, 59, tzinfo=UTC)) == "acme"
    assert MAPPING.lookup("dev-1", datetime(2026, 11, 24, 12, 0, tzinfo=UTC)) == "globex"
    assert MAPPING.lookup("dev-1", datetime(2027, 1, 1, tzinfo=UTC)) == "globex"


def test_no_tenant_outside_validity_and_unknown_devices() -> None:
    assert MAPPING.lookup("dev-2", datetime(2026, 11, 24, 5, tzinfo=UTC))[0] == NO_TENANT
    assert MAPPING.lookup("dev-2", datetime(2026, 11, 24, 8, tzinfo=UTC))[0] == NO_TENANT
    assert MAPPING.lookup("dev-2", datetime(2026, 11, 24, 7, tzinfo=UTC)) == "acme"
    assert MAPPING.lookup("dev-9", T0)[0] == UNKNOWN_DEVICE


def test_explode_gives_one_row_per_metric_with_message_id() -> None:
    message = Message(json.dumps(EVENT).encode(), "m-1", {"gateway": "gw-1"}, T0)
    rows, dead = explode(message, MAPPING, T0)
    assert dead is None
    assert rows == [
        {
            "tenant_id": "acme",
            "device_id": "dev-1",
            "event_ts": "2026-11-24T10:00:00Z",
            "metric": "co2",
            "value": 612.0,
            "unit": "ppm",
            "message_id": "m-1",
            "ingested_at": "2026-11-24T12:00:00Z",
        },
        {
            "tenant_id": "acme",
            "device_id": "dev-1",
            "event_ts": "2026-11-24T10:00:00Z",
            "metric": "temperature",
            "value": 21.5,
            "unit": "celsius",
            "message_id": "m-1",
            "ingested_at": "2026-11-24T12:00:00Z",
        },
    ]


def test_dead_letters_keep_payload_attributes_ids_and_times() -> None:
    message = Message(b"{oops", "m-2", {"gateway": "gw-1"}, T0)
    rows, dead = explode(message, MAPPING, T0)
    assert rows == []
    assert dead is not None
    assert dead["reason"] == INVALID_JSON
    assert dead["payload"] == "{oops"
    assert json.loads(dead["attributes"]) == {"gateway": "gw-1"}
    assert dead["message_id"] == "m-2"
    assert dead["publish_time"] == "2026-11-24T12:00:00Z"
    assert dead["failed_at"] == "2026-11-24T12:00:00Z"
