"""iot-prod reads customers from crm-prod's mesh registry."""

from __future__ import annotations

from tools.plan.runner import ProgramRun


def test_iot_prod_references_crm_prod(runs: dict[str, ProgramRun]) -> None:
    refs = runs["iot-prod"].by_type("pulumi:pulumi:StackReference")
    assert [r.name for r in refs] == ["example-org/data-mesh/crm-prod"]
    assert runs["iot-dev"].by_type("pulumi:pulumi:StackReference")
    assert runs["crm-prod"].by_type("pulumi:pulumi:StackReference") == []


def test_customers_port_resolves_to_crm_project(runs: dict[str, ProgramRun]) -> None:
    run = runs["iot-prod"]
    crm_entry = runs["crm-prod"].outputs["meshRegistry"]["customers"]
    assert crm_entry["outputPorts"]["customers"]["fqn"] == (
        "example-crm-prod.crm_customers.customers_v1"
    )
    reader = run.named("iot-analytics-in-customers-reader")
    assert (reader.inputs["project"], reader.inputs["datasetId"], reader.inputs["tableId"]) == (
        "example-crm-prod",
        "crm_customers",
        "customers_v1",
    )
    view = run.named("iot-analytics-out-climate-daily-view")
    assert "`example-crm-prod.crm_customers.customers_v1`" in view.inputs["view"]["query"]
    assert "{{" not in view.inputs["view"]["query"]


def test_registry_is_exported_per_product(runs: dict[str, ProgramRun]) -> None:
    registry = runs["iot-prod"].outputs["meshRegistry"]
    assert set(registry) == {"iot-metadata", "iot-actions-taken", "iot-telemetry", "iot-analytics"}
    metrics = registry["iot-telemetry"]["outputPorts"]["metrics"]
    assert metrics == {
        "kind": "table",
        "project": "example-iot-prod",
        "datasetId": "iot_iot_telemetry",
        "resourceId": "metrics_v1",
        "fqn": "example-iot-prod.iot_iot_telemetry.metrics_v1",
        "contractId": "urn:datacontract:iot:iot-telemetry:metrics",
        "contractVersion": "1.0.0",
        "tenantColumn": "tenant_id",
    }
    # What each product reads, so a producer's `datamesh diff` elsewhere sees its readers.
    assert registry["iot-analytics"]["inputPorts"]["metrics"] == {
        "product": "iot-telemetry",
        "port": "metrics",
    }
    assert registry["iot-telemetry"]["serviceAccount"] == (
        "dp-iot-telemetry@example-iot-prod.iam.gserviceaccount.com"
    )
