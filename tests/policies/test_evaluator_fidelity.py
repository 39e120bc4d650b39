"""The shared-deserialization evaluator reports exactly what the SDK's own
analyzer servicer reports, request by request, on clean and broken plans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest

from tests.helpers import REPO
from tests.policies.conftest import PACK_DIR, alter, plan_stack
from tests.policies.servicer_oracle import evaluate_with_servicer
from tools.plan.evaluator import Violation, evaluate
from tools.plan.pack_config import read_pack_config, resolve_config
from tools.plan.pack_loader import LoadedPack
from tools.plan.runner import ProgramRun, plan_with_references


def _key(v: Violation) -> tuple[str, str, str, str]:
    return (v.policy, v.enforcement_level, v.urn, v.message)


def _same(pack: LoadedPack, run: ProgramRun, config: dict[str, Any]) -> int:
    resolved = resolve_config(pack, config, PACK_DIR)
    fast = sorted(map(_key, evaluate(pack, resolved, run.resources, run.context()).violations))
    reference = sorted(
        map(_key, evaluate_with_servicer(pack, resolved, run.resources, run.context()))
    )
    assert fast == reference
    return len(fast)


@pytest.mark.parametrize(
    ("stack", "config"),
    [("iot-prod", "prod"), ("iot-dev", "prod"), ("iot-dev", "dev"), ("crm-prod", "dev")],
)
def test_same_violations_as_the_sdk_servicer(pack: LoadedPack, stack: str, config: str) -> None:
    run = plan_with_references(REPO, stack)
    count = _same(pack, run, read_pack_config(PACK_DIR / "config" / f"{config}.json"))
    if (stack, config) == ("iot-dev", "prod"):
        assert count > 10  # dev is neither protected nor CMEK-encrypted


def test_same_violations_with_faulty_components_and_levels(
    pack: LoadedPack, crm_outputs: Mapping[str, Any]
) -> None:
    run = plan_stack(
        "iot-prod",
        crm_outputs,
        transform=alter(
            "iamMember:IamMember",
            "metrics-reader-group-analytics-team",
            member="allUsers",
            role="roles/editor",
            table_id="dead_letters",
        ),
    )
    config = {
        **read_pack_config(PACK_DIR / "config" / "prod.json"),
        "no-basic-roles": "advisory",
        "naming": "disabled",
        "cmek": "remediate",
    }
    assert _same(pack, run, config) >= 3
