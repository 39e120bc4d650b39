"""A policy that cannot decide at preview says so, as the engine's analyzer does (an
advisory "can't run policy ... during preview"), never ends the plan with a crash."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
import pulumi_gcp as gcp

from tests.policies.conftest import check, plan_stack
from tools.plan.pack_loader import LoadedPack


def _stranger_reads_dead_letters() -> None:
    """A grant whose grantee is known only after deployment (a new account's email)."""
    account = gcp.serviceaccount.Account(
        "stranger-sa", account_id="stranger-sa", project="example-iot-prod"
    )
    gcp.bigquery.IamMember(
        "stranger-reads-dead-letters",
        project="example-iot-prod",
        dataset_id="iot_iot_telemetry",
        table_id="dead_letters",  # internal: whether the grantee may read it depends on who it is
        role="roles/bigquery.dataViewer",
        member=pulumi.Output.concat("serviceAccount:", account.email),
        opts=pulumi.ResourceOptions(delete_before_replace=True),
    )


def test_an_unknown_grantee_is_undecided_not_a_crash(
    pack: LoadedPack, crm_outputs: Mapping[str, Any]
) -> None:
    run = plan_stack("iot-prod", crm_outputs, extra=_stranger_reads_dead_letters, preview=True)
    violations = check(pack, run)  # a PolicyCrash (exit 3) would raise here
    undecided = [v for v in violations if "during preview" in v.message]
    assert undecided, [v.message for v in violations]
    assert all(v.enforcement_level == "advisory" for v in undecided)
    assert all(
        v.message.startswith(f"can't run policy '{v.policy}' from policy pack") for v in undecided
    )
    # the policy that needs the grantee to judge a grant on an internal table says which
    assert any(
        v.policy == "consumers-read-output-ports-only"
        and "principals of stranger-reads-dead-letters are known only after deployment" in v.message
        for v in undecided
    )
