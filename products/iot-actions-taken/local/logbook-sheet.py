"""Local data of the logbook sheet: an action in the room of each device of the fleet
the placements sheet makes (same `ctx.scale`), at a random time of the window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.local.inputs.context import LocalContext

CATEGORIES = ("ventilation", "window", "occupancy", "hvac", "other")


def rows(ctx: LocalContext) -> Iterator[dict[str, Any]]:
    rng, tenants = ctx.rng("iot-actions-taken", "logbook"), ctx.tenants
    minutes = int((ctx.clock - ctx.start).total_seconds() // 60)
    for d in range(ctx.scale):
        moves = d % 10 == 0 and len(tenants) > 1  # the tenant at the end of the window
        tenant = tenants[(d + moves) % len(tenants)]
        taken = ctx.start + (ctx.clock - ctx.start) * rng.randrange(minutes) / minutes
        yield {
            "taken_at": ctx.timestamp(taken),
            "tenant_id": tenant,
            "device_id": f"dev-{d:05d}",
            "category": CATEGORIES[d % len(CATEGORIES)],
            "action": "opened the windows",
            "taken_by": "facilities",
            "notes": None,
        }
