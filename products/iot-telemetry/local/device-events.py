"""Local data of the device-events topic: a reading every 15 minutes from each device of
the fleet the placements sheet makes (same `ctx.scale`), with what the pipeline must
survive: about 0.5% from unknown devices, 0.5% with a value that is not a number, and
0.2% published twice."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.local.inputs.context import LocalContext

EVERY = timedelta(minutes=15)
METRICS = (
    ("co2", "ppm", 420.0, 1600.0),
    ("temperature", "celsius", 17.0, 27.0),
    ("humidity", "percent", 25.0, 65.0),
    ("occupancy", "persons", 0.0, 12.0),
)


def rows(ctx: LocalContext) -> Iterator[dict[str, Any]]:
    rng, n, at = ctx.rng("iot-telemetry", "device-events"), 0, ctx.start
    while at < ctx.clock:
        for d in range(ctx.scale):
            event: dict[str, Any] = {
                "device_id": f"dev-{d:05d}",
                "event_ts": ctx.timestamp(at),
                "metrics": [
                    {"name": name, "value": round(rng.uniform(lo, hi), 2), "unit": unit}
                    for name, unit, lo, hi in METRICS
                ],
            }
            roll = rng.random()
            if roll < 0.005:
                event["device_id"] = "dev-unknown"
            elif roll < 0.01:
                event["metrics"][0]["value"] = "high"
            message = {
                "message_id": str(10**9 + n),
                "publish_time": ctx.timestamp(at + timedelta(seconds=5)),
                "attributes": {"gateway": f"gw-{d % 7}"},
                "data": json.dumps(event),
            }
            yield message
            if rng.random() < 0.002:
                yield dict(message)  # published twice
            n += 1
        at += EVERY
