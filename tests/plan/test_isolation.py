"""The planner leaves the process as it found it, and plans are reproducible:
planning two stacks, or one stack twice, in one process gives identical results."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

import pulumi_policy
from pulumi.runtime import config as runtime_config
from pulumi.runtime import settings as runtime_settings

from tests.helpers import REPO
from tools.plan.process_state import ProcessState
from tools.plan.session import run_plan as plan
from tools.plan.session import to_json

PACK = REPO / "policies"


def _fingerprint() -> dict[str, Any]:
    state = ProcessState.capture()
    return {
        "cwd": state.cwd,
        "path": state.path,
        "loop": id(state.loop),
        "settings": {k: id(v) for k, v in state.settings.items()},
        "config": state.config,
        "secret_keys": state.secret_keys,
        "root": id(state.root),
        "policy_pack": id(state.policy_pack),
    }


def test_planning_restores_the_process_state() -> None:
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    try:
        before = _fingerprint()
        modules = set(sys.modules)
        plan(REPO, "iot-dev", pack_dir=PACK)
        assert _fingerprint() == before
        pack_modules = [
            name
            for name in set(sys.modules) - modules
            if (getattr(sys.modules[name], "__file__", None) or "").startswith(str(PACK))
        ]
        assert pack_modules == []
        assert pulumi_policy.PolicyPack.__module__ == "pulumi_policy.policy"
        assert id(runtime_settings.SETTINGS.monitor) == before["settings"]["monitor"]
        assert runtime_config.CONFIG.get() == before["config"]
        assert os.getcwd() == before["cwd"]
    finally:
        asyncio.set_event_loop(None)
        loop.close()


def _plan_json(stack: str) -> str:
    result = plan(REPO, stack, pack_dir=PACK)
    return json.dumps(to_json(result), sort_keys=True, default=str)


def test_same_stack_twice_and_two_stacks_in_one_process() -> None:
    first = _plan_json("iot-prod")
    other = _plan_json("crm-prod")
    again = _plan_json("iot-prod")
    assert first == again
    assert other != first
    assert _plan_json("crm-prod") == other
