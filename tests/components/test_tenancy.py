"""Multi-tenancy: every tenant sees only its rows; pipelines and downstream
products keep full rows."""

from __future__ import annotations

from model import conventions as conv
from model import load_mesh
from tests.components.inspect import ROW_ACCESS
from tests.helpers import PRODUCTS
from tools.plan.runner import ProgramRun

TENANTS = {
    "acme": "tenant-acme-readers@example.com",
    "globex": "tenant-globex-readers@example.com",
    "initech": "tenant-initech-readers@example.com",
}


def _policies(run: ProgramRun, dataset: str, table: str) -> dict[str, dict[str, object]]:
    return {
        str(r.inputs["policyId"]): r.inputs
        for r in run.by_type(ROW_ACCESS)
        if (r.inputs["datasetId"], r.inputs["tableId"]) == (dataset, table)
    }


def test_every_multi_tenant_table_has_a_policy_per_tenant(runs: dict[str, ProgramRun]) -> None:
    mesh = load_mesh(PRODUCTS)
    checked = 0
    for stack in ("iot-prod", "crm-prod"):
        run = runs[stack]
        for entry_id, entry in run.outputs["meshRegistry"].items():
            for port_name, port in entry["outputPorts"].items():
                if port["kind"] != "table" or not port["tenantColumn"]:
                    continue
                policies = _policies(run, entry["datasetId"], port["resourceId"])
                for tenant, group in TENANTS.items():
                    policy = policies[f"tenant_{tenant}"]
                    assert policy["grantees"] == [f"group:{group}"]
                    assert policy["filterPredicate"] == f'{port["tenantColumn"]} = "{tenant}"'
                own = f"serviceAccount:{entry['serviceAccount']}"
                assert policies["mesh_full_access"]["grantees"] == [own]
                assert policies["mesh_full_access"]["filterPredicate"] == "TRUE"
                # Every downstream product of this port gets the TRUE filter too.
                for edge in mesh.downstream(entry_id):
                    if edge.output_port == port_name and edge.consumer in entry_id_products(run):
                        assert f"mesh_reader_{edge.consumer.replace('-', '_')}" in policies
                checked += 1
    assert checked == 5  # metrics, actions, devices, device-tenants, customers


def entry_id_products(run: ProgramRun) -> set[str]:
    return set(run.outputs["meshRegistry"])


def test_no_tenant_has_unfiltered_rows(runs: dict[str, ProgramRun]) -> None:
    tenant_members = {f"group:{g}" for g in TENANTS.values()}
    for run in runs.values():
        for r in run.by_type(ROW_ACCESS):
            if r.inputs["filterPredicate"] == "TRUE":
                assert not tenant_members & set(r.inputs["grantees"]), r.name
                assert all(
                    g.startswith("serviceAccount:dp-") or conv.is_scanner(g)
                    for g in r.inputs["grantees"]
                )


def test_downstream_products_get_full_rows_upstream(runs: dict[str, ProgramRun]) -> None:
    run = runs["iot-prod"]
    readers = {
        (r.inputs["project"], r.inputs["tableId"]): r.inputs["grantees"]
        for r in run.by_type(ROW_ACCESS)
        if r.inputs["policyId"] == "mesh_reader_iot_analytics"
    }
    analytics = ["serviceAccount:dp-iot-analytics@example-iot-prod.iam.gserviceaccount.com"]
    assert readers == {
        ("example-iot-prod", "metrics_v1"): analytics,
        ("example-iot-prod", "actions_v1"): analytics,
        ("example-iot-prod", "device_tenants_v1"): analytics,
        ("example-crm-prod", "customers_v1"): analytics,  # across stacks
    }
    telemetry = [
        r for r in run.by_type(ROW_ACCESS) if r.inputs["policyId"] == "mesh_reader_iot_telemetry"
    ]
    assert [r.inputs["tableId"] for r in telemetry] == ["device_tenants_v1"]


def test_tenants_read_the_analytics_views(runs: dict[str, ProgramRun]) -> None:
    run = runs["iot-prod"]
    readers = {
        r.inputs["member"]
        for r in run.by_type("gcp:bigquery/iamMember:IamMember")
        if r.inputs["tableId"] == "co2_per_room_hourly_v1"
    }
    assert readers == {f"group:{g}" for g in TENANTS.values()}


def test_every_quality_scan_sees_every_row_and_tagged_column(runs: dict[str, ProgramRun]) -> None:
    """The Dataplex service agent has the TRUE filter on every scanned table with row
    access policies, and reads every policy tag of the scanned columns."""
    scanned = 0
    for run in runs.values():
        policies = run.by_type(ROW_ACCESS)
        tags = {
            (r.inputs["policyTag"], r.inputs["member"])
            for r in run.by_type("gcp:datacatalog/policyTagIamMember:PolicyTagIamMember")
        }
        for scan in run.by_type("gcp:dataplex/datascan:Datascan"):
            *_, dataset, _, table = scan.inputs["data"]["resource"].split("/")
            on_table = [
                p
                for p in policies
                if (p.inputs["datasetId"], p.inputs["tableId"]) == (dataset, table)
            ]
            if on_table:
                scanned += 1
                assert any(
                    p.inputs["filterPredicate"] == "TRUE"
                    and all(conv.is_scanner(g) for g in p.inputs["grantees"])
                    for p in on_table
                ), scan.name
        for _tag, member in tags:  # the scanner, and products checked as themselves
            assert conv.is_scanner(member) or member.startswith("serviceAccount:dp-")
    assert scanned >= 5  # actions, devices, device-tenants, metrics, customers
    crm_tags = run_tags(runs["crm-prod"])
    assert crm_tags == {
        "projects/example-security/locations/europe-west1/taxonomies/1001/policyTags/2001"
    }


def run_tags(run: ProgramRun) -> set[str]:
    return {
        r.inputs["policyTag"]
        for r in run.by_type("gcp:datacatalog/policyTagIamMember:PolicyTagIamMember")
    }
