"""Rules a small edit of the IoT specs cannot reach while the mesh stays valid, checked on
the comparison functions themselves."""

from __future__ import annotations

from model import load_mesh
from model.evolution.compare import compare_port_settings, compare_product
from model.product import CrossTenant, TopicOutput, ViewOutput
from tests.helpers import PRODUCTS


def test_port_kind_changed() -> None:
    mesh = load_mesh(PRODUCTS)
    table = mesh["iot-telemetry"].spec.output_port("metrics")
    assert table is not None
    view = ViewOutput(
        kind="view",
        name="metrics",
        physical_name="metrics_v1",
        contract="contracts/metrics.odcs.yaml",
        tenant_column="tenant_id",
    )
    changes = compare_port_settings("iot-telemetry", table, view, None)
    assert [c.rule for c in changes] == ["port-kind-changed"]
    assert changes[0].detail == "table -> view"


def test_cross_tenant_changed() -> None:
    mesh = load_mesh(PRODUCTS)
    bundle = mesh["iot-analytics"]
    spec = bundle.spec.model_copy(
        update={"cross_tenant": CrossTenant(reason="benchmarks across tenants")}
    )
    changed = type(bundle)(spec, bundle.path, bundle.contracts, bundle.event_contracts, bundle.sql)
    assert [c.rule for c in compare_product(bundle, changed)] == ["cross-tenant-changed"]


def test_topic_retention_shortened() -> None:
    old = TopicOutput(
        kind="topic",
        name="alerts",
        physical_name="alerts_v1",
        contract="contracts/alerts.odcs.yaml",
        message_retention_days=7,
    )
    shorter = old.model_copy(update={"message_retention_days": 1})
    longer = old.model_copy(update={"message_retention_days": 14})
    assert [c.rule for c in compare_port_settings("p", old, shorter, None)] == [
        "topic-retention-shortened"
    ]
    assert [c.rule for c in compare_port_settings("p", old, longer, None)] == [
        "port-settings-changed"
    ]
