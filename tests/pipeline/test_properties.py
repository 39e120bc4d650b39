"""Property: over arbitrary payloads nothing crashes and nothing is lost.
Every distinct message is either written with all of its metrics or dead-lettered,
and the rows are exactly the sum of the written events' metric counts."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from telemetry_pipeline.records import Message, explode
from telemetry_pipeline.tenants import TenantIndex

from tests.pipeline.pipeline_helpers import envelope, run_batch

MAPPING = [
    {
        "device_id": f"dev-{i}",
        "tenant_id": f"t{i % 2}",
        "valid_from": "2026-06-01T00:00:00Z",
        "valid_to": None,
    }
    for i in range(3)
]
INDEX = TenantIndex(MAPPING)
NOW = datetime(2026, 11, 25, tzinfo=UTC)

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
metric = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["co2", "temperature", "humidity", "occupancy", ""]),
        "value": st.one_of(
            st.floats(allow_nan=False, allow_infinity=False),
            st.integers(),
            st.text(max_size=3),
            st.booleans(),
        ),
        "unit": st.sampled_from(["ppm", "celsius", "%"]),
    }
)
events = st.fixed_dictionaries(
    {
        "device_id": st.sampled_from(["dev-0", "dev-1", "dev-2", "dev-9", "", 7]),
        "event_ts": st.one_of(
            st.datetimes(
                min_value=datetime(2026, 1, 1),
                max_value=datetime(2027, 1, 1),
                timezones=st.just(UTC),
            ).map(lambda d: d.isoformat()),
            st.text(max_size=5),
        ),
        "metrics": st.lists(metric, max_size=5),
    }
)
payloads = st.one_of(
    events.map(json.dumps),
    json_values.map(json.dumps),
    st.text(max_size=40),
    st.binary(max_size=40).map(lambda b: b.decode("latin-1")),
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(payloads)
def test_explode_never_crashes_and_is_all_or_nothing(payload: str) -> None:
    rows, dead = explode(Message(payload.encode("utf-8", "surrogatepass"), "m"), INDEX, NOW)
    assert (rows == []) != (dead is None)
    if dead is not None:
        assert dead["reason"] in {
            "invalid_json",
            "contract_violation",
            "unknown_device",
            "no_tenant",
        }
        assert dead["message_id"] == "m"
    else:
        doc = json.loads(payload)
        assert len(rows) == len(doc["metrics"])
        assert {r["metric"] for r in rows} == {m["name"] for m in doc["metrics"]}


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(payloads, min_size=1, max_size=25))
def test_pipeline_conserves_every_message(tmp_path_factory: Any, batch: list[str]) -> None:
    tmp = Path(tmp_path_factory.mktemp("prop"))
    messages = [envelope(f"m{i}", p) for i, p in enumerate(batch)]
    rows, dead = run_batch(tmp, messages, MAPPING)
    written = Counter(r["message_id"] for r in rows)
    dead_ids = Counter(d["message_id"] for d in dead)
    assert not set(written) & set(dead_ids)
    assert all(count == 1 for count in dead_ids.values())
    assert set(written) | set(dead_ids) == {m["message_id"] for m in messages}
    for message_id, count in written.items():
        payload = json.loads(batch[int(message_id[1:])])
        assert count == len(payload["metrics"])
