"""The batch mode end to end, as a user runs it: a day of events for 100 devices."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

from telemetry_pipeline import sample

from tests.pipeline.conftest import PIPELINE_DIR


def test_a_day_for_100_devices_is_conserved(tmp_path: Path) -> None:
    events, tenants = sample.write(tmp_path / "in", devices=100, every_minutes=30)
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            str(PIPELINE_DIR / "main.py"),
            f"--input_file={events}",
            f"--device_tenants_file={tenants}",
            f"--output_path={out / 'metrics'}",
            f"--dead_letter_path={out / 'dead'}",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=PIPELINE_DIR,
    )
    assert done.returncode == 0, done.stderr[-2000:]

    sent = [json.loads(line) for line in events.read_text().splitlines()]
    distinct = {m["message_id"]: m for m in sent}
    assert len(sent) > len(distinct)  # some were published twice
    rows = [
        json.loads(line) for f in out.glob("metrics-*.jsonl") for line in f.read_text().splitlines()
    ]
    dead = [
        json.loads(line) for f in out.glob("dead-*.jsonl") for line in f.read_text().splitlines()
    ]
    per_message = Counter(r["message_id"] for r in rows)
    dead_ids = {d["message_id"] for d in dead}
    assert len(per_message) + len(dead_ids) == len(distinct)  # conservation
    assert not set(per_message) & dead_ids
    assert all(n == 4 for n in per_message.values())  # all four metrics of each event
    assert len(rows) == 4 * len(per_message)
    reasons = Counter(d["reason"] for d in dead)
    assert set(reasons) == {"invalid_json", "contract_violation", "unknown_device", "no_tenant"}
    # A device that moved at noon carries both tenants, split at noon.
    moved = sorted((r["event_ts"], r["tenant_id"]) for r in rows if r["device_id"] == "dev-00000")
    assert {t for ts, t in moved if ts < "2026-11-24T12"} == {"acme"}
    assert {t for ts, t in moved if ts >= "2026-11-24T12"} == {"globex"}
