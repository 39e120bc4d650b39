"""Access boundaries: who may read and write what."""

from __future__ import annotations

from tests.components.inspect import (
    bigquery_grants,
    dataset_owner,
    product_of_identity,
    tables,
)
from tools.plan.runner import ProgramRun

BASIC_ROLES = {"roles/owner", "roles/editor", "roles/viewer"}
PUBLIC = {"allUsers", "allAuthenticatedUsers"}
WRITE_ROLES = {
    "WRITER",
    "OWNER",
    "roles/bigquery.dataEditor",
    "roles/bigquery.dataOwner",
    "roles/bigquery.admin",
}


def _members(run: ProgramRun) -> list[tuple[str, str, str]]:
    """(resource name, role, member) of every IAM-like grant in the plan."""
    out = []
    for r in run.resources:
        i = r.inputs
        if "member" in i and "role" in i:
            out.append((r.name, i["role"], i["member"]))
        for grantee in i.get("grantees", []):
            out.append((r.name, "row-access", grantee))
        for key in ("userByEmail", "groupByEmail", "iamMember", "specialGroup"):
            if key in i:
                out.append((r.name, i.get("role", ""), i[key]))
    return out


def test_no_basic_roles_and_no_public_principals(runs: dict[str, ProgramRun]) -> None:
    for run in runs.values():
        members = _members(run)
        assert members
        for name, role, member in members:
            assert role not in BASIC_ROLES, name
            assert member not in PUBLIC, name
            assert not member.startswith("user:"), name


def test_every_iam_grant_is_replaced_delete_first(runs: dict[str, ProgramRun]) -> None:
    for run in runs.values():
        for r in run.resources:
            if r.custom and (
                "member" in r.inputs or r.type.endswith("datasetAccess:DatasetAccess")
            ):
                assert r.delete_before_replace, r.name


def test_only_owner_and_own_identity_write_a_dataset(runs: dict[str, ProgramRun]) -> None:
    for stack, run in runs.items():
        registry = run.outputs["meshRegistry"]
        writes = [g for g in bigquery_grants(run) if g.role in WRITE_ROLES]
        assert len(writes) == 2 * len(registry)
        for g in writes:
            owner = dataset_owner(run, g.project, g.dataset)
            assert owner is not None
            assert g.table is None
            entry = registry[owner]
            allowed = {f"group:{entry['ownerGroup']}", f"serviceAccount:{entry['serviceAccount']}"}
            assert g.member in allowed, (stack, g.resource.name, g.member)
    assert runs["iot-dev"].outputs["meshRegistry"]["iot-telemetry"]["ownerGroup"] == (
        "iot-team-dev@example.com"
    )


def test_outsiders_only_reach_output_ports(runs: dict[str, ProgramRun]) -> None:
    """No identity of another product, consumer or tenant touches an internal resource."""
    for stack, run in runs.items():
        known_tables = tables(run)
        for g in bigquery_grants(run):
            owner = dataset_owner(run, g.project, g.dataset)
            grantee_product = product_of_identity(g.member, run)
            if grantee_product is not None and grantee_product == owner:
                continue  # the product's own identity
            if g.role in WRITE_ROLES:
                continue  # checked above: owner group only
            if g.table is None:
                # Dataset-level: only authorized views of products reading this one.
                assert g.member.startswith("view:"), (stack, g.resource.name, g.member)
                continue
            target = known_tables.get((g.project, g.dataset, g.table))
            if target is None:
                # In another stack: it must be an upstream output port, read by a product.
                assert grantee_product is not None, (stack, g.resource.name)
                continue
            labels = target.inputs["labels"]
            assert labels["mesh-port-kind"] == "output", (stack, g.resource.name, g.table)


def test_authorized_views_belong_to_products_that_declare_the_input(
    runs: dict[str, ProgramRun],
) -> None:
    run = runs["iot-prod"]
    views = [g for g in bigquery_grants(run) if g.member.startswith("view:")]
    authorized = {(g.dataset, g.member.rsplit(".", 1)[-1]) for g in views}
    assert ("iot_iot_telemetry", "co2_per_room_hourly_v1") in authorized
    assert ("crm_customers", "climate_daily_v1") in authorized
    for g in views:
        assert g.member.startswith("view:example-iot-prod.analytics_iot_analytics."), g.member
        # Replaced together with the view, so a recreated view keeps its authorization.
        assert g.resource.replace_with, g.resource.name


def test_consumers_read_only_their_port(runs: dict[str, ProgramRun]) -> None:
    run = runs["iot-prod"]
    analytics_team = [
        g
        for g in bigquery_grants(run)
        if g.member == "group:analytics-team@example.com" and g.role.startswith("roles/")
    ]
    assert {(g.dataset, g.table) for g in analytics_team} == {
        ("iot_iot_telemetry", "metrics_v1"),
        ("iot_iot_actions_taken", "actions_v1"),
        ("iot_iot_metadata", "devices_v1"),
    }
    assert all(g.role == "roles/bigquery.dataViewer" for g in analytics_team)


def test_a_reading_product_gets_read_access_to_the_port_it_declares(
    runs: dict[str, ProgramRun],
) -> None:
    run = runs["iot-prod"]
    telemetry_reads = [
        g
        for g in bigquery_grants(run)
        if g.member == "serviceAccount:dp-iot-telemetry@example-iot-prod.iam.gserviceaccount.com"
        and g.role == "roles/bigquery.dataViewer"
    ]
    assert [(g.dataset, g.table) for g in telemetry_reads] == [
        ("iot_iot_metadata", "device_tenants_v1")
    ]
