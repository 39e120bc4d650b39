from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from model import conventions as conv
from model import identifiers as ids

slugs = st.from_regex(r"\A[a-z][a-z0-9-]{1,61}[a-z0-9]\Z")


@given(slugs)
def test_service_account_id_is_always_valid(product_id: str) -> None:
    sa = conv.service_account_id(product_id)
    assert ids.SERVICE_ACCOUNT_ID.match(sa), sa
    assert 6 <= len(sa) <= 30


@given(slugs, slugs)
def test_service_account_ids_of_different_products_differ(a: str, b: str) -> None:
    if a != b:
        assert conv.service_account_id(a) != conv.service_account_id(b)


def test_short_ids_stay_readable_and_long_ids_are_hashed() -> None:
    assert conv.service_account_id("iot-telemetry") == "dp-iot-telemetry"
    long_a = "building-energy-consumption-forecasts"
    long_b = "building-energy-consumption-forecasts-v2"
    sa_a, sa_b = conv.service_account_id(long_a), conv.service_account_id(long_b)
    assert sa_a.startswith("dp-building-energy")
    assert len(sa_a) == 30
    assert sa_a != sa_b
    assert conv.service_account_id(long_a) == sa_a  # deterministic


def test_dataset_id_joins_domain_and_product() -> None:
    assert conv.dataset_id("iot", "iot-telemetry") == "iot_iot_telemetry"
    assert ids.DATASET_ID.match(conv.dataset_id("crm", "customers"))


def test_label_value_coercion() -> None:
    assert conv.label_value("Analytics Team!") == "analytics-team-"
    assert len(conv.label_value("x" * 100)) == 63
    assert re.fullmatch(conv.LABEL_VALUE, conv.label_value("ÄÖ ü"))


def test_topic_id_rules() -> None:
    assert ids.TOPIC_ID.match("metrics_v1")
    assert not ids.TOPIC_ID.match("goog-metrics")
    assert not ids.TOPIC_ID.match("ab")
