"""What a local run hands to the data it makes: the window, the tenants, the seed.

A product's own generator (`products/<id>/local/<port>.py`) receives it as its one
argument: `def rows(ctx: LocalContext) -> Iterable[dict]`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

CLOCK = datetime(2026, 11, 25, tzinfo=UTC)  # the run's "now": the end of its window


@dataclass(frozen=True)
class LocalContext:
    tenants: tuple[str, ...]  # the stack's tenant ids
    start: datetime  # the window: [start, clock)
    clock: datetime
    seed: int
    scale: int  # how much to make: rows of a generated port, devices of a fleet

    @classmethod
    def of(cls, tenants: list[str], days: int, seed: int, scale: int) -> LocalContext:
        return cls(tuple(tenants), CLOCK - timedelta(days=days), CLOCK, seed, scale)

    def rng(self, *names: str) -> random.Random:
        """A random source of its own per port: adding a port changes no other's data."""
        return random.Random("/".join([str(self.seed), *names]))

    @staticmethod
    def timestamp(value: datetime) -> str:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
