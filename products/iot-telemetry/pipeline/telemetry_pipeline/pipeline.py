"""The pipeline: streaming on Dataflow (Pub/Sub -> BigQuery), batch on local files."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.options.pipeline_options import PipelineOptions, StandardOptions
from apache_beam.pvalue import PCollection
from apache_beam.transforms import combiners

from telemetry_pipeline.options import TelemetryOptions
from telemetry_pipeline.records import Message, message_from_json_line, now
from telemetry_pipeline.tenants import TenantIndex
from telemetry_pipeline.transforms import (
    DEAD,
    ROWS,
    BigQuerySink,
    DeadLetterSink,
    DeduplicateBatch,
    DeduplicateStreaming,
    ExplodeEvents,
    LocalSink,
    failed_row_to_dead_letter,
)


def load_device_tenants(table: str) -> TenantIndex:
    """Read the device-tenants port (the job's identity has a TRUE row filter on it)."""
    from google.cloud import bigquery

    fq = table.replace(":", ".")
    client = bigquery.Client()
    rows = client.query(f"SELECT device_id, tenant_id, valid_from, valid_to FROM `{fq}`").result()
    return TenantIndex(dict(row.items()) for row in rows)


def _streaming_inputs(
    p: beam.Pipeline, opts: TelemetryOptions, sources: StreamingSources
) -> tuple[PCollection, PCollection]:
    """The slowly-changing side input pattern: the mapping is reloaded at every tick of
    a periodic impulse, one value per fixed window, and each message reads the mapping
    of its own window."""
    from apache_beam.transforms import window
    from apache_beam.transforms.periodicsequence import PeriodicImpulse

    interval = opts.tenant_refresh_minutes * 60
    table, load = opts.device_tenants_table, sources.load_tenants
    ticks = sources.ticks or PeriodicImpulse(fire_interval=interval, apply_windowing=True)
    tenants = p | "TenantTicks" >> ticks | "LoadTenants" >> beam.Map(lambda _: load(table))
    source = sources.messages or (
        beam.io.ReadFromPubSub(subscription=opts.input_subscription, with_attributes=True)
        | beam.Map(_from_pubsub)
    )
    messages = (
        p
        | "Read" >> source
        | "Window" >> beam.WindowInto(window.FixedWindows(interval))
        | "Dedup" >> DeduplicateStreaming()
    )
    return tenants, messages


def _from_pubsub(message: Any) -> Message:
    return Message(
        data=message.data,
        message_id=message.message_id,
        attributes=dict(message.attributes or {}),
        publish_time=message.publish_time,
    )


@dataclass(frozen=True)
class StreamingSources:
    """What the streaming pipeline reads; tests swap in a TestStream and a fake loader."""

    messages: beam.PTransform | None = None  # default: the input subscription
    load_tenants: Callable[[str], TenantIndex] = load_device_tenants
    # Refresh ticks, windowed into fixed windows of the refresh interval. Default: a
    # PeriodicImpulse from now on (the Python direct runner cannot run that splittable
    # DoFn in streaming mode, so tests give timestamped ticks windowed the same way).
    ticks: beam.PTransform | None = None


def build(
    p: beam.Pipeline,
    opts: TelemetryOptions,
    *,
    clock: Callable[[], Any] = now,
    sink: beam.PTransform | None = None,
    sources: StreamingSources | None = None,
) -> tuple[PCollection, PCollection]:
    """Wire the pipeline; returns (rows, dead letters) for tests and sinks."""
    if sources is not None or opts.input_subscription:
        tenants, messages = _streaming_inputs(p, opts, sources or StreamingSources())
    else:
        tenants = (
            p
            | "ReadTenants" >> beam.io.ReadFromText(opts.device_tenants_file)
            | "ParseTenants" >> beam.Map(json.loads)
            | "AllTenants" >> combiners.ToList()
            | "Index" >> beam.Map(TenantIndex)
        )
        messages = (
            p
            | "Read" >> beam.io.ReadFromText(opts.input_file)
            | "ToMessage" >> beam.Map(message_from_json_line)
            | "Dedup" >> DeduplicateBatch()
        )

    exploded = messages | "Explode" >> beam.ParDo(
        ExplodeEvents(clock), tenants=pvalue.AsSingleton(tenants)
    ).with_outputs(DEAD, main=ROWS)
    rows, dead = exploded[ROWS], exploded[DEAD]

    if sink is None:
        sink = BigQuerySink(opts.output_table) if opts.output_table else LocalSink(opts.output_path)
    failed = rows | "Sink" >> sink
    sink_dead = failed | "FailedRows" >> beam.Map(failed_row_to_dead_letter)
    all_dead = (dead, sink_dead) | "AllDeadLetters" >> beam.Flatten()
    return rows, all_dead


def run(argv: Sequence[str] | None = None) -> None:
    options = PipelineOptions(argv)
    opts = options.view_as(TelemetryOptions)
    if bool(opts.input_subscription) == bool(opts.input_file):
        sys.exit("give exactly one of --input_subscription and --input_file")
    options.view_as(StandardOptions).streaming = bool(opts.input_subscription)
    with beam.Pipeline(options=options) as p:
        _, dead = build(p, opts)
        _ = dead | "DeadLetters" >> DeadLetterSink(opts.dead_letter_table, opts.dead_letter_path)
