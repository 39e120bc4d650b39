"""The streaming wiring on the direct runner: a TestStream instead of Pub/Sub, the
refreshed device-tenant mapping as a slowly-changing side input, and deduplication."""

from __future__ import annotations

import json
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.testing import test_pipeline, test_stream
from apache_beam.testing.util import assert_that, equal_to
from apache_beam.transforms import window
from apache_beam.transforms.window import TimestampedValue
from telemetry_pipeline.options import TelemetryOptions
from telemetry_pipeline.pipeline import StreamingSources, build
from telemetry_pipeline.records import Message
from telemetry_pipeline.tenants import TenantIndex

from tests.pipeline.pipeline_helpers import CLOCK

LOADS: list[int] = []


def changing_mapping(table: str) -> TenantIndex:
    """First load: dev-1 belongs to acme; every later load: to globex."""
    LOADS.append(1)
    tenant = "acme" if len(LOADS) == 1 else "globex"
    return TenantIndex(
        [
            {
                "device_id": "dev-1",
                "tenant_id": tenant,
                "valid_from": "2020-01-01T00:00:00Z",
                "valid_to": None,
            }
        ]
    )


def message(message_id: str) -> Message:
    payload = {
        "device_id": "dev-1",
        "event_ts": "2026-11-24T10:00:00Z",
        "metrics": [{"name": "co2", "value": 500, "unit": "ppm"}],
    }
    return Message(json.dumps(payload).encode(), message_id)


class NoSink(beam.PTransform):  # type: ignore[misc]
    def expand(self, rows: Any) -> Any:
        return rows | beam.FlatMap(lambda row: [])


def test_side_input_refreshes_per_window_and_duplicates_are_dropped() -> None:
    LOADS.clear()
    stream = (
        test_stream.TestStream()
        .add_elements([TimestampedValue(message("w0"), 10)])
        .advance_watermark_to(61)
        .add_elements(
            [TimestampedValue(message("w1"), 70), TimestampedValue(message("w1"), 75)]
        )  # a duplicate
        .advance_watermark_to(121)
        .add_elements([TimestampedValue(message("w2"), 130)])
        .advance_watermark_to_infinity()
    )
    argv = ["--device_tenants_table=p:d.t", "--tenant_refresh_minutes=1"]
    options = PipelineOptions(argv)
    options.view_as(StandardOptions).streaming = True
    ticks = (
        beam.Create([0, 60, 120])
        | beam.Map(lambda t: TimestampedValue(t, t))
        | beam.WindowInto(window.FixedWindows(60))
    )  # as PeriodicImpulse(apply_windowing)
    sources = StreamingSources(messages=stream, load_tenants=changing_mapping, ticks=ticks)
    with test_pipeline.TestPipeline(options=options) as p:
        rows, dead = build(
            p,
            options.view_as(TelemetryOptions),
            clock=lambda: CLOCK,
            sink=NoSink(),
            sources=sources,
        )
        assert_that(
            rows | beam.Map(lambda r: (r["message_id"], r["tenant_id"])),
            equal_to([("w0", "acme"), ("w1", "globex"), ("w2", "globex")]),
            label="TenantPerWindow",
        )
        assert_that(dead, equal_to([]), label="NoDeadLetters")
    assert len(LOADS) == 3  # one load per tick: the mapping is refreshed, not read once
