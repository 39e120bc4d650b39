"""Which tenant owned a device at a given time (iot-metadata's device-tenants port)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

UNKNOWN_DEVICE = "unknown_device"
NO_TENANT = "no_tenant"


def parse_ts(value: Any) -> datetime | None:
    """BigQuery TIMESTAMP values: datetimes from the client, ISO strings from files."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class _Intervals:
    starts: list[datetime]
    ends: list[datetime | None]
    tenants: list[str]


class TenantIndex:
    """Per device, validity intervals [valid_from, valid_to) sorted by start."""

    def __init__(self, rows: Iterable[Mapping[str, Any]]) -> None:
        grouped: dict[str, list[tuple[datetime, datetime | None, str]]] = {}
        for row in rows:
            start = parse_ts(row["valid_from"])
            if start is None:
                continue
            grouped.setdefault(str(row["device_id"]), []).append(
                (start, parse_ts(row.get("valid_to")), str(row["tenant_id"]))
            )
        self._by_device = {
            device: _Intervals(
                [s for s, _, _ in items], [e for _, e, _ in items], [t for _, _, t in items]
            )
            for device, items in ((d, sorted(v, key=lambda x: x[0])) for d, v in grouped.items())
        }

    def __len__(self) -> int:
        return len(self._by_device)

    def lookup(self, device_id: str, at: datetime) -> str | tuple[str, str]:
        """The tenant id, or (reason, detail) when there is none."""
        intervals = self._by_device.get(device_id)
        if intervals is None:
            return UNKNOWN_DEVICE, f"device {device_id!r} is not in the device-tenant mapping"
        i = bisect.bisect_right(intervals.starts, at) - 1
        if i >= 0:
            end = intervals.ends[i]
            if end is None or at < end:
                return intervals.tenants[i]
        return NO_TENANT, f"device {device_id!r} belonged to no tenant at {at.isoformat()}"
