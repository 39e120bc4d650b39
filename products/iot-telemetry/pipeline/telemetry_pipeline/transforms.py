"""Beam transforms: deduplicate, explode with the tenant at event time, sink, dead letters."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import apache_beam as beam
from apache_beam import pvalue
from apache_beam.pvalue import PCollection

from telemetry_pipeline.records import (
    SINK_ERROR,
    Message,
    dead_letter,
    explode,
    now,
    schema_error,
)
from telemetry_pipeline.tenants import TenantIndex

ROWS, DEAD = "rows", "dead"


class ExplodeEvents(beam.DoFn):
    """One row per metric with the tenant at event time; anything else to dead letters."""

    def __init__(self, clock: Callable[[], Any] = now) -> None:
        self._clock = clock

    def process(self, message: Message, tenants: TenantIndex) -> Iterator[Any]:
        try:
            rows, dead = explode(message, tenants, self._clock())
        except Exception as exc:
            yield pvalue.TaggedOutput(DEAD, dead_letter(message, "pipeline_error", repr(exc)))
            return
        if dead is not None:
            yield pvalue.TaggedOutput(DEAD, dead)
        yield from rows


class DeduplicateBatch(beam.PTransform):
    """Keep the first message per Pub/Sub message id (bounded input)."""

    def expand(self, messages: PCollection) -> PCollection:
        return (
            messages
            | "KeyById" >> beam.Map(lambda m: (m.message_id, m))
            | "GroupById" >> beam.GroupByKey()
            | "First" >> beam.Map(lambda kv: next(iter(kv[1])))
        )


class DeduplicateStreaming(beam.PTransform):
    """Keep the first message per message id seen within the last ten minutes."""

    def expand(self, messages: PCollection) -> PCollection:
        from apache_beam.transforms.deduplicate import DeduplicatePerKey
        from apache_beam.utils.timestamp import Duration

        return (
            messages
            | "KeyById" >> beam.Map(lambda m: (m.message_id, m))
            | "Dedup" >> DeduplicatePerKey(processing_time_duration=Duration(seconds=600))
            | "Values" >> beam.Values()
        )


def failed_row_to_dead_letter(failed: Any) -> dict[str, Any]:
    """A row the sink refused, as a dead letter keyed by its message id."""
    row, error = (
        (failed[1], failed[2]) if isinstance(failed, tuple) and len(failed) > 2 else (failed, "")
    )
    if isinstance(row, tuple):  # (destination, row)
        row = row[1]
    message = Message(
        data=json.dumps(row, sort_keys=True).encode(), message_id=str(row.get("message_id", ""))
    )
    return dead_letter(message, SINK_ERROR, str(error) or "the sink refused the row")


class LocalSink(beam.PTransform):
    """Rows to JSONL files, refusing rows BigQuery would refuse (returned as failed rows)."""

    def __init__(
        self, path: str, reject: Callable[[dict[str, Any]], str | None] = schema_error
    ) -> None:
        super().__init__()
        self._path = path
        self._reject = reject

    def expand(self, rows: PCollection) -> PCollection:
        reject = self._reject

        def check(row: dict[str, Any]) -> Iterable[Any]:
            error = reject(row)
            if error is None:
                yield row
            else:
                yield pvalue.TaggedOutput("failed", (None, row, error))

        checked = rows | "Check" >> beam.FlatMap(check).with_outputs("failed", main="ok")
        _ = (
            checked.ok
            | "ToJson" >> beam.Map(lambda r: json.dumps(r, sort_keys=True))
            | "Write" >> beam.io.WriteToText(self._path, file_name_suffix=".jsonl")
        )
        return checked.failed


class BigQuerySink(beam.PTransform):
    """Streaming inserts into the metrics port; failed inserts come back, never dropped."""

    def __init__(self, table: str) -> None:
        super().__init__()
        self._table = table

    def expand(self, rows: PCollection) -> PCollection:
        from apache_beam.io.gcp.bigquery import BigQueryDisposition, WriteToBigQuery
        from apache_beam.io.gcp.bigquery_tools import RetryStrategy

        result = rows | "Insert" >> WriteToBigQuery(
            self._table,
            method=WriteToBigQuery.Method.STREAMING_INSERTS,
            create_disposition=BigQueryDisposition.CREATE_NEVER,
            write_disposition=BigQueryDisposition.WRITE_APPEND,
            insert_retry_strategy=RetryStrategy.RETRY_ON_TRANSIENT_ERROR,
        )
        return result.failed_rows_with_errors


class DeadLetterSink(beam.PTransform):
    def __init__(self, table: str | None = None, path: str | None = None) -> None:
        super().__init__()
        self._table, self._path = table, path

    def expand(self, dead: PCollection) -> Any:
        if self._table:
            from apache_beam.io.gcp.bigquery import BigQueryDisposition, WriteToBigQuery

            return dead | "InsertDead" >> WriteToBigQuery(
                self._table,
                method=WriteToBigQuery.Method.STREAMING_INSERTS,
                create_disposition=BigQueryDisposition.CREATE_NEVER,
                write_disposition=BigQueryDisposition.WRITE_APPEND,
            )
        return (
            dead
            | "DeadToJson" >> beam.Map(lambda d: json.dumps(d, sort_keys=True))
            | "WriteDead" >> beam.io.WriteToText(str(self._path), file_name_suffix=".jsonl")
        )
