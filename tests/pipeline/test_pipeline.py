"""The pipeline on Beam's direct runner (TestPipeline): rows, tenants, dead letters."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from tests.pipeline.pipeline_helpers import DEV_1_MOVES, envelope, run_batch

MAPPING = [
    *DEV_1_MOVES,
    {
        "device_id": "dev-2",
        "tenant_id": "initech",
        "valid_from": "2026-11-24T06:00:00Z",
        "valid_to": None,
    },
]


def event(device: str, ts: str, **metrics: float) -> dict[str, Any]:
    return {
        "device_id": device,
        "event_ts": ts,
        "metrics": [{"name": k, "value": v, "unit": "u"} for k, v in metrics.items()],
    }


def test_happy_path_one_row_per_metric(tmp_path: Path) -> None:
    rows, dead = run_batch(
        tmp_path,
        [
            envelope(
                "m1",
                event(
                    "dev-1",
                    "2026-11-24T10:00:00Z",
                    co2=600,
                    temperature=21.5,
                    humidity=40,
                    occupancy=3,
                ),
            ),
            envelope("m2", event("dev-2", "2026-11-24T10:00:00Z", co2=450)),
        ],
        MAPPING,
    )
    assert dead == []
    assert Counter(r["message_id"] for r in rows) == {"m1": 4, "m2": 1}
    m1 = {r["metric"]: r for r in rows if r["message_id"] == "m1"}
    assert m1["temperature"]["value"] == 21.5
    assert {r["tenant_id"] for r in m1.values()} == {"acme"}
    assert m1["co2"]["ingested_at"] == "2026-11-25T00:00:00Z"


def test_device_moving_between_tenants_gets_the_tenant_of_each_moment(tmp_path: Path) -> None:
    rows, dead = run_batch(
        tmp_path,
        [
            envelope("before", event("dev-1", "2026-11-24T11:59:59Z", co2=600)),
            envelope("at", event("dev-1", "2026-11-24T12:00:00Z", co2=610)),
            envelope("after", event("dev-1", "2026-11-24T18:00:00+02:00", co2=620)),
        ],
        MAPPING,
    )
    assert dead == []
    assert {r["message_id"]: r["tenant_id"] for r in rows} == {
        "before": "acme",
        "at": "globex",
        "after": "globex",
    }
    assert {r["message_id"]: r["event_ts"] for r in rows}["after"] == "2026-11-24T16:00:00Z"


def test_every_kind_of_bad_input_reaches_the_dead_letters(tmp_path: Path) -> None:
    good = event("dev-1", "2026-11-24T10:00:00Z", co2=600)
    rows, dead = run_batch(
        tmp_path,
        [
            envelope("json", '{"device_id": "dev-1", "event_ts"', gateway="gw-7"),
            envelope("missing", {"device_id": "dev-1", "metrics": good["metrics"]}),
            envelope("type", {**good, "metrics": [{"name": "co2", "value": "x", "unit": "ppm"}]}),
            envelope("unknown", {**good, "device_id": "dev-404"}),
            envelope(
                "no-tenant", {**good, "device_id": "dev-2", "event_ts": "2026-11-24T05:00:00Z"}
            ),
            envelope("ok", good),
        ],
        MAPPING,
    )
    assert {r["message_id"] for r in rows} == {"ok"}
    reasons = {d["message_id"]: d["reason"] for d in dead}
    assert reasons == {
        "json": "invalid_json",
        "missing": "contract_violation",
        "type": "contract_violation",
        "unknown": "unknown_device",
        "no-tenant": "no_tenant",
    }
    json_dead = next(d for d in dead if d["message_id"] == "json")
    assert json_dead["payload"] == '{"device_id": "dev-1", "event_ts"'
    assert json_dead["attributes"] == '{"gateway": "gw-7"}'
    assert json_dead["publish_time"] == "2026-11-24T10:00:05Z"
    assert json_dead["failed_at"] == "2026-11-25T00:00:00Z"


def test_duplicated_message_ids_are_written_once(tmp_path: Path) -> None:
    e = event("dev-1", "2026-11-24T10:00:00Z", co2=600, humidity=41)
    rows, dead = run_batch(
        tmp_path,
        [envelope("m1", e), envelope("m1", e), envelope("m1", e), envelope("m2", e)],
        MAPPING,
    )
    assert dead == []
    assert Counter(r["message_id"] for r in rows) == {"m1": 2, "m2": 2}


def test_sink_errors_are_routed_to_dead_letters(tmp_path: Path) -> None:
    def refuse_humidity(row: dict[str, Any]) -> str | None:
        return "insert error: quota exceeded" if row["metric"] == "humidity" else None

    rows, dead = run_batch(
        tmp_path,
        [
            envelope("m1", event("dev-1", "2026-11-24T10:00:00Z", co2=600, humidity=41)),
        ],
        MAPPING,
        reject=refuse_humidity,
    )
    assert [r["metric"] for r in rows] == ["co2"]
    assert len(dead) == 1
    assert dead[0]["reason"] == "sink_error"
    assert dead[0]["error"] == "insert error: quota exceeded"
    assert dead[0]["message_id"] == "m1"
    assert '"metric": "humidity"' in dead[0]["payload"]
