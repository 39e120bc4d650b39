"""Plans of the real stacks, run once per session through the offline harness."""

from __future__ import annotations

import pytest

from tests.helpers import REPO
from tools.plan.runner import ProgramRun, plan_with_references

STACKS = ("iot-prod", "iot-dev", "crm-prod")


@pytest.fixture(scope="session")
def runs() -> dict[str, ProgramRun]:
    return {stack: plan_with_references(REPO, stack) for stack in STACKS}
