"""`datamesh plan` plans as a real preview of a first `up` does: the cloud's computed
values are unknown, what the policies need is still known, and a policy that cannot
decide says so. `--resolved` gives the fully resolved view."""

from __future__ import annotations

import json
from pathlib import Path

from pulumi.runtime import rpc
from typer.testing import CliRunner

from tests.helpers import REPO
from tools.cli import app
from tools.plan.runner import plan_with_references


def test_computed_values_are_unknown_and_grants_stay_known() -> None:
    run = plan_with_references(REPO, "iot-prod", preview=True)
    account = run.named("iot-telemetry-storage-sa")
    assert "email" not in account.outputs or account.outputs["email"] in (None, rpc.UNKNOWN)
    grant = run.named("iot-telemetry-storage-sa-jobuser")
    assert grant.inputs["member"] == (
        "serviceAccount:dp-iot-telemetry@example-iot-prod.iam.gserviceaccount.com"
    )
    subscription = run.named("iot-telemetry-in-device-events-subscription").inputs
    assert subscription["topic"] == "projects/example-iot-prod/topics/iot-telemetry-device-events"
    job = run.named("iot-telemetry-transform-job").inputs
    assert job["parameters"]["input_subscription"] == (
        "projects/example-iot-prod/subscriptions/iot-telemetry-device-events-pipeline"
    )
    unknown = [r.name for r in run.resources if rpc.UNKNOWN in json.dumps(r.inputs)]
    # Only what really follows from creation: transfer config ids, channel names, the
    # Cloud SQL connection's service agent.
    assert "iot-telemetry-storage-sa-jobuser" not in unknown
    assert unknown, "a preview of a first up has values known only after deployment"


def test_undecidable_policy_says_so_and_resolved_view(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(
        app, ["plan", "--project-dir", str(REPO), "--stack", "crm-prod", "--json", str(out)]
    )
    assert result.exit_code == 0, result.stderr
    assert "computed values unknown" in result.stdout
    doc = json.loads(out.read_text())
    undecided = [
        v
        for v in doc["violations"]
        if "can't run policy" in v["message"] and "agent-key" not in v["message"] + v["urn"]
    ]  # (the service agents of two lookups are known after deployment too: test_baseline)
    assert {v["policy"] for v in undecided} == {
        "principal-kinds",
        "no-public-principals",
        "project-iam",
        "service-account-grantees",
    }
    assert all(v["enforcementLevel"] == "advisory" for v in undecided)
    assert all(
        v["urn"].endswith("::customers-in-crm-db-connection-cloudsql-client") for v in undecided
    )
    client = next(r for r in doc["resources"] if r["name"].endswith("cloudsql-client"))
    assert client["inputs"]["member"] == "[unknown]"

    result = CliRunner().invoke(
        app,
        [
            "plan",
            "--project-dir",
            str(REPO),
            "--stack",
            "crm-prod",
            "--resolved",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 0
    doc = json.loads(out.read_text())
    assert doc["violations"] == []
    client = next(r for r in doc["resources"] if r["name"].endswith("cloudsql-client"))
    assert client["inputs"]["member"].endswith("@gcp-sa-bigqueryconnection.iam.gserviceaccount.com")
