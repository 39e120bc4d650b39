"""Local data of the placements sheet: `ctx.scale` devices in rooms of the stack's
tenants, each tenant in two buildings (its headquarters and a lab); every tenth device
moves to the next tenant halfway through the window."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tools.local.inputs.context import LocalContext


def rows(ctx: LocalContext) -> Iterator[dict[str, Any]]:
    tenants, since = ctx.tenants, ctx.timestamp(ctx.start.replace(day=1, month=1))
    moved = ctx.timestamp(ctx.start + (ctx.clock - ctx.start) / 2)
    for d in range(ctx.scale):
        tenant = tenants[d % len(tenants)]
        site = "lab" if d % 4 == 3 else "hq"
        place = {
            "device_id": f"dev-{d:05d}",
            "building": f"{tenant}-{site}",
            "floor": d % 5,
            "room": f"r{d % 20:02d}",
            "room_capacity": 4 + d % 12,
            "outdoor_co2_ppm": 415.0,
        }
        if d % 10 == 0 and len(tenants) > 1:  # moves to the next tenant mid-window
            other = tenants[(d + 1) % len(tenants)]
            yield {**place, "tenant_id": tenant, "valid_from": since, "valid_to": moved}
            yield {**place, "tenant_id": other, "building": f"{other}-{site}", "valid_from": moved}
        else:
            yield {**place, "tenant_id": tenant, "valid_from": since, "valid_to": None}
