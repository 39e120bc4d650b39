"""Single policies called directly on a few hand-written resources (`run_policy`): each
rule and its near miss without planning a stack."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi_policy import Policy

from model import conventions as conv
from tests.policies.harness import PolicyResource, Res, opts, run_policy
from tools.plan.pack_loader import LoadedPack

TABLE = "gcp:bigquery/table:Table"
TABLE_IAM = "gcp:bigquery/iamMember:IamMember"
ROW_ACCESS = "gcp:bigquery/rowAccessPolicy:RowAccessPolicy"
PORT = ("dp", "metrics_v1")


def _policy(pack: LoadedPack, name: str) -> Policy:
    return next(p for p in pack.policies if p.name == name)


def _grant(member: str) -> Res:
    return Res(
        TABLE_IAM,
        "reader",
        {
            "project": "p",
            "datasetId": "d",
            "tableId": "t",
            "role": "roles/bigquery.dataViewer",
            "member": member,
        },
    )


def test_public_principal_is_reported_and_a_group_is_not(pack: LoadedPack) -> None:
    policy = _policy(pack, "no-public-principals")
    assert run_policy(policy, [_grant("allUsers")]) == [
        "reader grants allUsers; grant a group or service account instead."
    ]
    assert run_policy(policy, [_grant("group:analysts@example.com")]) == []


def _tenant_port(*policies: dict[str, Any]) -> list[Res]:
    port = Res(
        conv.TABLE_OUTPUT_PORT,
        "dp-out-metrics",
        {"tenantColumn": "tenant_id", "tenants": [{"id": "acme", "group": "acme@example.com"}]},
    )
    table = Res(
        TABLE,
        "dp-out-metrics-table",
        {
            "project": "p",
            "datasetId": "d",
            "tableId": "t",
            "schema": '[{"name": "tenant_id", "type": "STRING", "mode": "REQUIRED"}]',
        },
        parent="dp-out-metrics",
        parents=(conv.DATA_PRODUCT, conv.TABLE_OUTPUT_PORT),
    )
    rows = [
        Res(ROW_ACCESS, f"row-{i}", {"project": "p", "datasetId": "d", "tableId": "t", **p})
        for i, p in enumerate(policies)
    ]
    return [port, table, *rows]


def test_tenant_without_its_row_policy_is_reported(pack: LoadedPack) -> None:
    policy = _policy(pack, "tenant-isolation")
    messages = run_policy(policy, _tenant_port())
    assert messages == [
        "dp-out-metrics-table: no row access policy for tenant 'acme' granted to "
        'group:acme@example.com (filter tenant_id = "acme").'
    ]
    exact = {"filterPredicate": 'tenant_id = "acme"', "grantees": ["group:acme@example.com"]}
    assert run_policy(policy, _tenant_port(exact)) == []
    wider = {"filterPredicate": "TRUE", "grantees": ["group:acme@example.com"]}
    assert any("a tenant's filter is exactly" in m for m in run_policy(policy, _tenant_port(wider)))


def test_the_stack_index_is_built_once_per_evaluation(
    pack: LoadedPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stack policies of one evaluation share the index of its resource list."""
    validate = _policy(pack, "tenant-isolation")._StackValidationPolicy__validate  # type: ignore[attr-defined]
    index_class = validate.__globals__["StackIndex"]  # the pack's own module, as loaded
    built: list[int] = []
    original = index_class.build.__func__

    def counting(cls: type, resources: list[Any]) -> Any:
        built.append(len(resources))
        return original(cls, resources)

    monkeypatch.setattr(index_class, "build", classmethod(counting))
    stack = [
        PolicyResource(r.type, r.props, r.urn, r.name, opts(), None, None, [], {})
        for r in _tenant_port()
    ]
    first, second = index_class.of(stack), index_class.of(stack)
    assert built == [len(stack)]
    assert first is not second  # each policy gets its own undecided grants
    assert first.tables == second.tables
    index_class.of(list(stack))  # another evaluation's list: built anew
    assert len(built) == 2


def test_a_tenant_view_reading_no_tenant_scoped_port_is_reported(pack: LoadedPack) -> None:
    policy = _policy(pack, "tenant-isolation")
    port = {"tenantColumn": "tenant_id", "tenants": [{"id": "acme", "group": "acme@example.com"}]}

    def view(scoped: list[str]) -> list[Res]:
        return [
            Res(conv.VIEW_OUTPUT_PORT, "dp-out-v", {**port, "tenantScopedInputs": scoped}),
            Res(
                TABLE,
                "dp-out-v-view",
                {"project": "p", "datasetId": "d", "tableId": "v", "view": {"query": "SELECT 1"}},
                parent="dp-out-v",
                parents=(conv.DATA_PRODUCT, conv.VIEW_OUTPUT_PORT),
            ),
        ]

    messages = run_policy(policy, view([]))
    assert len(messages) == 1
    assert "reads no tenant-scoped port" in messages[0]
    assert run_policy(policy, view(["up.metrics"])) == []


SCANNER = "serviceAccount:service-123@gcp-sa-dataplex.iam.gserviceaccount.com"
TAG = "projects/s/locations/l/taxonomies/1/policyTags/2"


def _scanned(*extra: Res, tagged: bool = False) -> list[Res]:
    column = {"name": "email", "type": "STRING", "mode": "NULLABLE"}
    if tagged:
        column["policyTags"] = {"names": [TAG]}  # type: ignore[assignment]
    import json

    table = Res(
        TABLE,
        "dp-out-t-table",
        {"project": "p", "datasetId": "d", "tableId": "t", "schema": json.dumps([column])},
    )
    scan = Res(
        "gcp:dataplex/datascan:Datascan",
        "dp-control-dq-t",
        {"data": {"resource": "//bigquery.googleapis.com/projects/p/datasets/d/tables/t"}},
    )
    return [table, scan, *extra]


def _rap(filter_: str, grantee: str, name: str = "rap") -> Res:
    keys = {"project": "p", "datasetId": "d", "tableId": "t"}
    return Res(ROW_ACCESS, name, {**keys, "filterPredicate": filter_, "grantees": [grantee]})


def test_a_scan_must_see_every_row_and_tagged_column(pack: LoadedPack) -> None:
    policy = _policy(pack, "quality-scans-see-every-row")
    assert run_policy(policy, _scanned()) == []  # no row policy, no tag: it sees all
    tenant = _rap('tenant_id = "acme"', "group:acme@example.com")
    hidden = run_policy(policy, _scanned(tenant))
    assert len(hidden) == 1
    assert "no policy grants the Dataplex service agent every row" in hidden[0]
    assert run_policy(policy, _scanned(tenant, _rap("TRUE", SCANNER, "scanner"))) == []
    untagged = run_policy(policy, _scanned(tagged=True))
    assert len(untagged) == 1
    assert "not its fine-grained reader" in untagged[0]
    reader = Res(
        "gcp:datacatalog/policyTagIamMember:PolicyTagIamMember",
        "scanner-tag-pii",
        {
            "policyTag": TAG,
            "role": "roles/datacatalog.categoryFineGrainedReader",
            "member": SCANNER,
        },
    )
    assert run_policy(policy, _scanned(reader, tagged=True)) == []


def test_the_scanner_reads_every_row_only_of_what_it_scans(pack: LoadedPack) -> None:
    policy = _policy(pack, "tenant-isolation")
    scanned = _tenant_port(
        {"filterPredicate": 'tenant_id = "acme"', "grantees": ["group:acme@example.com"]},
        {"filterPredicate": "TRUE", "grantees": [SCANNER]},
    )
    scan = Res(
        "gcp:dataplex/datascan:Datascan",
        "dp-control-dq-metrics",
        {"data": {"resource": "//bigquery.googleapis.com/projects/p/datasets/d/tables/t"}},
    )
    assert run_policy(policy, [*scanned, scan]) == []
    unscanned = run_policy(policy, scanned)
    assert len(unscanned) == 1
    assert "no quality scan of the stack reads" in unscanned[0]


def test_a_federated_source_of_another_project_needs_governance(
    pack: LoadedPack, monkeypatch: pytest.MonkeyPatch
) -> None:
    policy = _policy(pack, "project-iam")
    validate = policy._ResourceValidationPolicy__validate  # type: ignore[attr-defined]
    monkeypatch.setattr(
        validate.__globals__["pulumi"].Config, "get", lambda self, key: "crm-prod-1"
    )
    grant = Res(
        "gcp:projects/iAMMember:IAMMember",
        "customers-in-crm-db-connection-cloudsql-client",
        {
            "project": "hr-payroll",
            "role": "roles/cloudsql.client",
            "member": "serviceAccount:service-1@gcp-sa-bigqueryconnection.iam.gserviceaccount.com",
        },
    )
    refused = run_policy(policy, [grant])
    assert len(refused) == 1
    assert "a federated source reads a database of the stack's project" in refused[0]
    allowed = {"sourceProjects": {"customers": ["hr-payroll"]}}
    assert run_policy(policy, [grant], allowed) == []
    home = Res(grant.type, grant.name, {**grant.props, "project": "crm-prod-1"})
    assert run_policy(policy, [home]) == []


def test_a_restricted_column_needs_its_policy_tag(pack: LoadedPack) -> None:
    """Re-classifying pii as restricted (higher) must not drop the tag."""
    import json

    policy = _policy(pack, "pii-policy-tags")
    port = Res(conv.TABLE_OUTPUT_PORT, "dp-out-t", {"classifiedColumns": {"email": "restricted"}})

    def table(tagged: bool) -> Res:
        column: dict[str, Any] = {"name": "email", "type": "STRING"}
        if tagged:
            column["policyTags"] = {"names": [TAG]}
        return Res(
            TABLE,
            "dp-out-t-table",
            {"project": "p", "datasetId": "d", "tableId": "t", "schema": json.dumps([column])},
            parent="dp-out-t",
            parents=(conv.DATA_PRODUCT, conv.TABLE_OUTPUT_PORT),
        )

    assert len(run_policy(policy, [port, table(False)])) == 1
    assert run_policy(policy, [port, table(True)]) == []
