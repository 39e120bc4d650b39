"""Production protects what holds data; development does not."""

from __future__ import annotations

from tools.plan.runner import ProgramRun

STATEFUL = {
    "gcp:bigquery/dataset:Dataset",
    "gcp:pubsub/topic:Topic",
    "gcp:pubsub/subscription:Subscription",
}
TABLE = "gcp:bigquery/table:Table"


def _stateful(run: ProgramRun) -> list:  # type: ignore[type-arg]
    out = [r for r in run.resources if r.type in STATEFUL]
    out += [r for r in run.by_type(TABLE) if "externalDataConfiguration" not in r.inputs]
    return out


def test_prod_protects_stateful_resources(runs: dict[str, ProgramRun]) -> None:
    for stack in ("iot-prod", "crm-prod"):
        resources = _stateful(runs[stack])
        assert resources
        for r in resources:
            assert r.protect, r.name
            if r.type == TABLE:
                assert r.inputs["deletionProtection"] is True, r.name
            if r.type == "gcp:bigquery/dataset:Dataset":
                assert r.inputs["deleteContentsOnDestroy"] is False


def test_dev_does_not_protect(runs: dict[str, ProgramRun]) -> None:
    resources = _stateful(runs["iot-dev"])
    assert len(resources) == len(_stateful(runs["iot-prod"]))
    for r in resources:
        assert not r.protect, r.name
        if r.type == TABLE:
            assert r.inputs["deletionProtection"] is False, r.name


def test_cmek_only_where_configured(runs: dict[str, ProgramRun]) -> None:
    prod = runs["iot-prod"].named("iot-telemetry-storage-dataset")
    dev = runs["iot-dev"].named("iot-telemetry-storage-dataset")
    assert prod.inputs["defaultEncryptionConfiguration"]["kmsKeyName"].endswith("/iot-prod")
    assert "defaultEncryptionConfiguration" not in dev.inputs
