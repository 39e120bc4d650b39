"""Benchmark: per-event cost of the telemetry pipeline's transform logic.

In one process and one core: our logic (decode and validate against the contract,
explode into rows, tenant at event time) over generated events, against `json.loads`
of the same payloads measured in the same run. Then the direct runner end to end on a
batch file of 100,000 events.

    .venv/bin/python bench/pipeline_throughput.py [--events 50000] [--e2e 100000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PIPELINE = REPO / "products" / "iot-telemetry" / "pipeline"
sys.path.insert(0, str(PIPELINE))

from telemetry_pipeline import sample  # noqa: E402
from telemetry_pipeline.records import Message, explode  # noqa: E402
from telemetry_pipeline.tenants import TenantIndex  # noqa: E402


def best_of(repeats: int, fn: Callable[[], None]) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def in_process(n_events: int) -> dict[str, float]:
    devices = 500
    every = max(1, 24 * 60 * devices // n_events)
    raw = sample.messages(devices, every)[:n_events]
    messages = [Message(m["data"].encode(), m["message_id"]) for m in raw]
    payloads = [m.data for m in messages]
    index = TenantIndex(sample.device_tenants(devices))
    now = datetime.now(UTC)

    def baseline() -> None:
        for p in payloads:
            with contextlib.suppress(ValueError):
                json.loads(p)

    def ours() -> None:
        for m in messages:
            explode(m, index, now)

    base_s, ours_s = best_of(5, baseline), best_of(5, ours)
    return {
        "events": len(messages),
        "json_eps": len(messages) / base_s,
        "ours_eps": len(messages) / ours_s,
        "ratio": base_s / ours_s,
    }


def end_to_end(n_events: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        devices = max(1, n_events // 96)  # 96 readings a day each, every 15 minutes
        events, tenants = sample.write(root / "in", devices=devices, every_minutes=15)
        sent = sum(1 for _ in events.open())
        start = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                str(PIPELINE / "main.py"),
                f"--input_file={events}",
                f"--device_tenants_file={tenants}",
                f"--output_path={root / 'out' / 'metrics'}",
                f"--dead_letter_path={root / 'out' / 'dead'}",
            ],
            check=True,
            capture_output=True,
            cwd=PIPELINE,
        )
        elapsed = time.perf_counter() - start
        rows = sum(1 for f in (root / "out").glob("metrics-*") for _ in f.open())
    return {"events": sent, "seconds": elapsed, "eps": sent / elapsed, "rows": rows}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--e2e", type=int, default=100_000)
    args = parser.parse_args()
    r = in_process(args.events)
    print(f"in-process, {r['events']} events, one core:")
    print(f"  json.loads of the payloads   {r['json_eps']:>12,.0f} events/s")
    print(f"  parse+validate+explode+tenant {r['ours_eps']:>11,.0f} events/s")
    e = end_to_end(args.e2e)
    print(
        f"direct runner, batch file: {e['events']:,} events -> {e['rows']:,} rows "
        f"in {e['seconds']:.1f} s ({e['eps']:,.0f} events/s)"
    )
    print(
        f"headline: our transform logic runs at {r['ratio']:.2f}x the throughput of "
        f"json.loads (target >= 0.5), {r['ours_eps']:,.0f} events/s per core; "
        f"direct runner end to end {e['eps']:,.0f} events/s"
    )


if __name__ == "__main__":
    main()
