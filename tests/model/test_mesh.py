from __future__ import annotations

import json
from pathlib import Path

import pytest

from model import Edge, load_mesh
from model.schema_export import product_json_schema
from tests.helpers import PRODUCTS, REPO
from tools.graph import mermaid

IOT_PRODUCTS = {"iot-telemetry", "iot-actions-taken", "iot-metadata", "customers", "iot-analytics"}


def test_iot_mesh_loads_in_dependency_order() -> None:
    mesh = load_mesh(PRODUCTS)
    assert set(mesh.order) == IOT_PRODUCTS
    position = {pid: i for i, pid in enumerate(mesh.order)}
    for edge in mesh.edges:
        assert position[edge.producer] < position[edge.consumer], edge
    assert mesh.order[-1] == "iot-analytics"
    assert position["iot-metadata"] < position["iot-telemetry"]


def test_lineage_edges_resolve_input_ports_to_output_ports() -> None:
    mesh = load_mesh(PRODUCTS)
    assert Edge("iot-metadata", "device-tenants", "iot-telemetry", "device-tenants") in mesh.edges
    assert {e.producer for e in mesh.upstream("iot-analytics")} == {
        "iot-telemetry",
        "iot-actions-taken",
        "iot-metadata",
        "customers",
    }
    assert mesh.output_port("iot-metadata", "device-tenants").physical_name == "device_tenants_v1"
    assert mesh.closure(["iot-telemetry"]) == ["iot-metadata", "iot-telemetry"]


def test_every_product_has_contracts_and_sql_loaded() -> None:
    mesh = load_mesh(PRODUCTS)
    for bundle in mesh.ordered():
        assert set(bundle.contracts) == {p.name for p in bundle.spec.output_ports}
    telemetry = mesh["iot-telemetry"]
    assert set(telemetry.event_contracts) == {"device-events"}
    assert set(mesh["iot-analytics"].sql) == {
        "sql/co2_per_room_hourly.sql",
        "sql/climate_daily.sql",
        "sql/action_effects.sql",
    }


def test_multi_tenant_ports_have_required_tenant_columns() -> None:
    mesh = load_mesh(PRODUCTS)
    tenant_ports = 0
    for bundle in mesh.ordered():
        for port in bundle.spec.output_ports:
            column = port.tenant_column
            if column:
                tenant_ports += 1
                field = bundle.contracts[port.name].column(column)
                assert field is not None
                assert field.mode == "REQUIRED"
    assert tenant_ports == 8


def test_analytics_sql_has_no_project_or_dataset_names() -> None:
    for sql_file in PRODUCTS.glob("*/sql/*.sql"):
        text = sql_file.read_text()
        assert "example-" not in text, sql_file
        assert "`" not in text, sql_file


def test_committed_json_schema_is_current_and_referenced() -> None:
    committed = (PRODUCTS / "product.schema.json").read_text()
    assert committed == product_json_schema(), "run `datamesh schema`"
    schema = json.loads(committed)
    assert schema["additionalProperties"] is False
    assert "input_ports" in schema["properties"]
    for product_file in PRODUCTS.glob("*/product.yaml"):
        first = product_file.read_text().splitlines()[0]
        assert first == "# yaml-language-server: $schema=../product.schema.json", product_file


def test_mermaid_lists_domains_and_edges() -> None:
    text = mermaid(load_mesh(PRODUCTS))
    assert text.startswith("flowchart LR\n")
    assert "  subgraph crm" in text
    assert "  iot_metadata -->|device-tenants| iot_telemetry" in text


def test_spec_layer_never_imports_pulumi() -> None:
    for source in (REPO / "datamesh" / "spec").glob("*.py"):
        assert "pulumi" not in source.read_text(), source


def test_empty_products_folder(tmp_path: Path) -> None:
    from model import SpecError

    with pytest.raises(SpecError, match=r"no \*/product.yaml found"):
        load_mesh(tmp_path)
