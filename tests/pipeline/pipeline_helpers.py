"""Running the pipeline in tests: TestPipeline, in-memory inputs, results collected."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import apache_beam as beam
from apache_beam.options.pipeline_options import PipelineOptions
from apache_beam.testing.test_pipeline import TestPipeline
from telemetry_pipeline.options import TelemetryOptions
from telemetry_pipeline.pipeline import build
from telemetry_pipeline.transforms import LocalSink

CLOCK = datetime(2026, 11, 25, tzinfo=UTC)

# dev-1 moves from acme to globex at noon on 2026-11-24: its readings before belong to
# acme, after to globex (the tenant at event time).
DEV_1_MOVES: list[dict[str, Any]] = [
    {
        "device_id": "dev-1",
        "tenant_id": "acme",
        "valid_from": "2026-01-01T00:00:00Z",
        "valid_to": "2026-11-24T12:00:00Z",
    },
    {
        "device_id": "dev-1",
        "tenant_id": "globex",
        "valid_from": "2026-11-24T12:00:00Z",
        "valid_to": None,
    },
]


def envelope(message_id: str, data: str | dict[str, Any], **attributes: str) -> dict[str, Any]:
    payload = data if isinstance(data, str) else json.dumps(data)
    return {
        "message_id": message_id,
        "publish_time": "2026-11-24T10:00:05Z",
        "attributes": attributes,
        "data": payload,
    }


def run_batch(
    tmp: Path,
    messages: list[dict[str, Any]],
    mapping: list[dict[str, Any]],
    reject: Callable[[dict[str, Any]], str | None] | None = None,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Run the batch pipeline on the direct runner; return (rows, dead letters)."""
    (tmp / "events.jsonl").write_text("".join(json.dumps(m) + "\n" for m in messages))
    (tmp / "tenants.jsonl").write_text("".join(json.dumps(r) + "\n" for r in mapping))
    argv = [
        f"--input_file={tmp / 'events.jsonl'}",
        f"--device_tenants_file={tmp / 'tenants.jsonl'}",
        f"--output_path={tmp / 'out' / 'rows'}",
    ]
    opts = PipelineOptions(argv).view_as(TelemetryOptions)
    sink = LocalSink(str(tmp / "out" / "rows"), reject) if reject else None
    with TestPipeline(argv=argv) as p:
        _, dead = build(p, opts, clock=lambda: CLOCK, sink=sink)
        _ = (
            dead
            | beam.Map(lambda d: json.dumps(d, sort_keys=True))
            | beam.io.WriteToText(str(tmp / "out" / "dead"), file_name_suffix=".jsonl")
        )
    return _read(tmp / "out", "rows"), _read(tmp / "out", "dead")


def _read(folder: Path, prefix: str) -> list[dict[str, Any]]:
    return [
        json.loads(line)
        for f in sorted(folder.glob(f"{prefix}-*.jsonl"))
        for line in f.read_text().splitlines()
        if line
    ]
