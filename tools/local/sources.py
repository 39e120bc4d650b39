"""The operational sources a local run stands in for, generated deterministically.

Consistent across products: the placements sheet assigns devices to rooms of the
stack's tenants (some devices move to another tenant inside the window), the
actions logbook refers to those rooms, the CRM lists the tenants as customers,
and device events come from those devices (with invalid events, unknown
devices and duplicates, as the pipeline must survive).
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

CLOCK = datetime(2026, 11, 25, tzinfo=UTC)  # the run's "now": the end of the window
EVERY = timedelta(minutes=15)
METRICS = (
    ("co2", "ppm", 420.0, 1600.0),
    ("temperature", "celsius", 17.0, 27.0),
    ("humidity", "percent", 25.0, 65.0),
    ("occupancy", "persons", 0.0, 12.0),
)
CATEGORIES = ("ventilation", "window", "occupancy", "hvac", "other")


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class Sources:
    placements: list[dict[str, Any]]  # the metadata sheet
    logbook: list[dict[str, Any]]  # the actions sheet
    customers: list[dict[str, Any]]  # the CRM's public.customers
    messages: list[dict[str, Any]]  # Pub/Sub-shaped device events
    start: datetime
    clock: datetime


def generate(tenants: list[str], days: int, devices: int, seed: int) -> Sources:
    rng = random.Random(seed)
    start = CLOCK - timedelta(days=days)
    placements: list[dict[str, Any]] = []
    rooms: dict[str, tuple[str, str]] = {}  # device -> (tenant at the end, room)
    for d in range(devices):
        device = f"dev-{d:05d}"
        tenant = tenants[d % len(tenants)]
        building = f"{tenant}-hq"
        room = f"r{d % 20:02d}"
        base = {
            "device_id": device,
            "building": building,
            "floor": d % 5,
            "room": room,
            "room_capacity": 4 + d % 12,
            "outdoor_co2_ppm": 415.0,
        }
        if d % 10 == 0 and len(tenants) > 1:  # moves to the next tenant mid-window
            moved = start + (CLOCK - start) / 2
            other = tenants[(d + 1) % len(tenants)]
            placements.append(
                {
                    **base,
                    "tenant_id": tenant,
                    "valid_from": _ts(start - timedelta(days=30)),
                    "valid_to": _ts(moved),
                }
            )
            placements.append(
                {
                    **base,
                    "tenant_id": other,
                    "building": f"{other}-hq",
                    "valid_from": _ts(moved),
                    "valid_to": None,
                }
            )
            tenant = other
        else:
            placements.append(
                {
                    **base,
                    "tenant_id": tenant,
                    "valid_from": _ts(start - timedelta(days=30)),
                    "valid_to": None,
                }
            )
        rooms[device] = (tenant, room)

    logbook = []
    for i, (device, (tenant, _)) in enumerate(sorted(rooms.items())):
        if i % 4:
            continue
        taken = start + timedelta(minutes=rng.randrange(int((CLOCK - start).total_seconds() // 60)))
        logbook.append(
            {
                "taken_at": _ts(taken),
                "tenant_id": tenant,
                "device_id": device,
                "category": CATEGORIES[i % len(CATEGORIES)],
                "action": "opened the windows",
                "taken_by": "facilities",
                "notes": None,
            }
        )

    customers = [
        {
            "customer_id": t,
            "legal_name": f"{t.title()} Ltd",
            "industry": "offices",
            "country_code": "de",
            "contact_email": f"facilities@{t}.example",
            "created_at": _ts(start - timedelta(days=365)),
            "status": "active",
        }
        for t in tenants
    ]

    messages: list[dict[str, Any]] = []
    n = 0
    at = start
    while at < CLOCK:
        for d in range(devices):
            event: dict[str, Any] = {
                "device_id": f"dev-{d:05d}",
                "event_ts": _ts(at),
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
            data = json.dumps(event)
            message = {
                "message_id": str(10**9 + n),
                "publish_time": _ts(at + timedelta(seconds=5)),
                "attributes": {"gateway": f"gw-{d % 7}"},
                "data": data,
            }
            messages.append(message)
            if rng.random() < 0.002:
                messages.append(dict(message))  # published twice
            n += 1
        at += EVERY
    return Sources(placements, logbook, customers, messages, start, CLOCK)
