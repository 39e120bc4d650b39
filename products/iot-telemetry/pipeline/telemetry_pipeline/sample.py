"""Generate a local day of device events and the device-tenant mapping (deterministic).

    python -m telemetry_pipeline.sample --devices 100 --out /tmp/day

writes events.jsonl (Pub/Sub-shaped messages) and device_tenants.jsonl. A tenth of the
devices move to another tenant at noon; about 2% of the messages are broken in every
way the pipeline must survive, and a few are published twice.
"""

from __future__ import annotations

import argparse
import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

TENANTS = ["acme", "globex", "initech"]
METRICS = [
    ("co2", "ppm", 400, 1800),
    ("temperature", "celsius", 16, 28),
    ("humidity", "percent", 20, 70),
    ("occupancy", "persons", 0, 12),
]
DAY = datetime(2026, 11, 24, tzinfo=UTC)
MOVE_AT = DAY + timedelta(hours=12)


def device_tenants(devices: int) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for d in range(devices):
        device, tenant = f"dev-{d:05d}", TENANTS[d % len(TENANTS)]
        if d % 10 == 0:  # moves to the next tenant at noon
            rows.append(
                {
                    "device_id": device,
                    "tenant_id": tenant,
                    "valid_from": "2026-01-01T00:00:00Z",
                    "valid_to": MOVE_AT.isoformat(),
                }
            )
            rows.append(
                {
                    "device_id": device,
                    "tenant_id": TENANTS[(d + 1) % len(TENANTS)],
                    "valid_from": MOVE_AT.isoformat(),
                    "valid_to": None,
                }
            )
        elif d % 10 == 1:  # installed at 06:00: earlier readings belong to no tenant
            rows.append(
                {
                    "device_id": device,
                    "tenant_id": tenant,
                    "valid_from": (DAY + timedelta(hours=6)).isoformat(),
                    "valid_to": None,
                }
            )
        else:
            rows.append(
                {
                    "device_id": device,
                    "tenant_id": tenant,
                    "valid_from": "2026-01-01T00:00:00Z",
                    "valid_to": None,
                }
            )
    return rows


def _event(device: str, at: datetime, rng: random.Random) -> dict[str, Any]:
    return {
        "device_id": device,
        "event_ts": at.isoformat().replace("+00:00", "Z"),
        "metrics": [
            {"name": n, "value": round(rng.uniform(lo, hi), 2), "unit": u}
            for n, u, lo, hi in METRICS
        ],
    }


def _broken(event: dict[str, Any], rng: random.Random) -> str:
    kind = rng.randrange(6)
    if kind == 0:
        return json.dumps(event)[:-7]  # truncated JSON
    if kind == 1:
        event.pop("device_id")
    elif kind == 2:
        event["metrics"][0]["value"] = "high"
    elif kind == 3:
        event["event_ts"] = "yesterday"
    elif kind == 4:
        event["device_id"] = "dev-unknown"
    else:
        event["metrics"] = []
    return json.dumps(event)


def messages(devices: int, every_minutes: int = 15, seed: int = 7) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    out: list[dict[str, Any]] = []
    n = 0
    for step in range(24 * 60 // every_minutes):
        at = DAY + timedelta(minutes=step * every_minutes)
        for d in range(devices):
            event = _event(f"dev-{d:05d}", at, rng)
            data = _broken(event, rng) if rng.random() < 0.02 else json.dumps(event)
            message = {
                "message_id": str(10**9 + n),
                "publish_time": (at + timedelta(seconds=rng.randrange(1, 90))).isoformat(),
                "attributes": {"gateway": f"gw-{d % 7}"},
                "data": data,
            }
            out.append(message)
            if rng.random() < 0.005:
                out.append(dict(message))  # published twice: same message id
            n += 1
    return out


def write(out: Path, devices: int, every_minutes: int = 15) -> tuple[Path, Path]:
    out.mkdir(parents=True, exist_ok=True)
    events, tenants = out / "events.jsonl", out / "device_tenants.jsonl"
    events.write_text("".join(json.dumps(m) + "\n" for m in messages(devices, every_minutes)))
    tenants.write_text("".join(json.dumps(r) + "\n" for r in device_tenants(devices)))
    return events, tenants


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=100)
    parser.add_argument("--every-minutes", type=int, default=15)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    events, tenants = write(args.out, args.devices, args.every_minutes)
    print(f"wrote {events} and {tenants}")
