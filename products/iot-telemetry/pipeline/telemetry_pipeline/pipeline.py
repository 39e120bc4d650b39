"""The pipeline: streaming on Dataflow (Pub/Sub -> BigQuery), batch on local files."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
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


def _from_pubsub(message: Any) -> Message:
    return Message(
        data=message.data,
        message_id=message.message_id,
        attributes=dict(message.attributes or {}),
        publish_time=message.publish_time,
    )


def build(
    p: beam.Pipeline,
    opts: TelemetryOptions,
    *,
    clock: Callable[[], Any] = now,
    sink: beam.PTransform | None = None,
) -> tuple[PCollection, PCollection]:
    """Wire the pipeline; returns (rows, dead letters) for tests and sinks."""
    streaming = bool(opts.input_subscription)
    if streaming:
        from apache_beam.transforms import window
        from apache_beam.transforms.periodicsequence import PeriodicImpulse

        interval = opts.tenant_refresh_minutes * 60
        # Slowly-changing side input: reload the mapping every interval, one value per window.
        tenants = (
            p
            | "TenantTicks" >> PeriodicImpulse(fire_interval=interval, apply_windowing=True)
            | "LoadTenants"
            >> beam.Map(lambda _, t=opts.device_tenants_table: load_device_tenants(t))
        )
        messages = (
            p
            | "Read"
            >> beam.io.ReadFromPubSub(subscription=opts.input_subscription, with_attributes=True)
            | "ToMessage" >> beam.Map(_from_pubsub)
            | "Window" >> beam.WindowInto(window.FixedWindows(interval))
            | "Dedup" >> DeduplicateStreaming()
        )
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
