"""Rules a small edit of the IoT specs cannot reach while the mesh stays valid, checked on
the comparison functions themselves."""

from __future__ import annotations

from typing import Any

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
    assert [c.rule for c in compare_product(bundle, changed)] == ["cross-tenant-set"]
    assert [c.rule for c in compare_product(changed, bundle)] == ["cross-tenant-changed"]


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


def test_semver_orders_pre_releases_below_their_release() -> None:
    from model.evolution import _version

    order = [
        "1.0.0-alpha",
        "1.0.0-alpha.1",
        "1.0.0-alpha.beta",
        "1.0.0-beta.2",
        "1.0.0-beta.11",
        "1.0.0-rc.1",
        "1.0.0",
        "1.0.1",
        "1.1.0",
        "2.0.0",
    ]  # the SemVer 2.0.0 example
    assert sorted(order, key=_version) == order
    assert _version("1.0.0+build.5") == _version("1.0.0")


def test_the_same_valid_values_in_another_order_are_no_change(tmp_path: Any) -> None:
    from model.contract import load_contract
    from model.evolution.compare import compare_quality

    source = (PRODUCTS / "iot-actions-taken" / "contracts" / "actions.odcs.yaml").read_text()
    base = tmp_path / "base.odcs.yaml"
    base.write_text(source)
    values = "[ventilation, window, occupancy, hvac, other]"
    assert values in source
    head = tmp_path / "head.odcs.yaml"
    head.write_text(source.replace(values, "[other, hvac, occupancy, window, ventilation]"))
    fewer = tmp_path / "fewer.odcs.yaml"
    fewer.write_text(source.replace(values, "[ventilation, window, occupancy, hvac]"))
    more = tmp_path / "more.odcs.yaml"
    more.write_text(source.replace(values, "[ventilation, window, occupancy, hvac, other, fan]"))
    loaded = [load_contract(p)[0] for p in (base, head, fewer, more)]
    assert None not in loaded
    a, b, c, d = (x for x in loaded if x is not None)
    assert compare_quality(a, b, "iot-actions-taken", "actions") == []
    assert [x.rule for x in compare_quality(a, c, "p", "q")] == ["quality-rule-tightened"]
    assert [x.rule for x in compare_quality(a, d, "p", "q")] == ["quality-rule-loosened"]


def _topic(**changes: Any) -> TopicOutput:
    """A port with no tenant column (an alerts topic); its contract's classes decide."""
    fields = {
        "kind": "topic",
        "name": "alerts",
        "physical_name": "alerts_v1",
        "contract": "contracts/alerts.odcs.yaml",
    }
    return TopicOutput(**(fields | changes))


def test_access_granted_to_an_unprotected_port() -> None:
    """Not tenant-scoped and serving no sensitive column: the owners decide alone."""
    old, new = _topic(consumers=[]), _topic(consumers=["ops@example.com"])
    assert [c.rule for c in compare_port_settings("p", old, new, None)] == ["access-granted"]
    protected = compare_port_settings("p", old, new, None, protected=True)
    assert [c.rule for c in protected] == ["protected-access-granted"]


def test_declassify_narrowed_and_widened() -> None:
    mesh = load_mesh(PRODUCTS)
    port = mesh["iot-analytics"].spec.output_ports[0]
    wide = port.model_copy(update={"declassify": {"readings": "a count", "room": "a label"}})
    narrow = port.model_copy(update={"declassify": {"readings": "a count"}})
    reason = port.model_copy(update={"declassify": {"readings": "another reason"}})
    assert [c.rule for c in compare_port_settings("a", wide, narrow, None)] == [
        "declassify-changed"
    ]
    assert [c.rule for c in compare_port_settings("a", narrow, wide, None)] == [
        "declassify-widened"
    ]
    assert [c.rule for c in compare_port_settings("a", narrow, reason, None)] == [
        "declassify-widened"
    ]
