"""Each policy asserts what the engine hands an analyzer; none reports a violation."""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.runtime import is_dry_run
from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

STACK = "pulumi:pulumi:Stack"


def _runtime_data() -> None:
    """runtime_data: dry run, project, stack and config as the engine gives them."""
    assert is_dry_run() is True, "a plan is a preview"
    assert pulumi.get_project() == "data-mesh", pulumi.get_project()
    stack = pulumi.get_stack()
    assert stack in ("iot-prod", "iot-dev", "crm-prod"), stack
    assert pulumi.Config("gcp").require("region") == "europe-west1"
    assert pulumi.Config("data-mesh").require("environment") in ("prod", "dev")


def _validate_resource(args: ResourceValidationArgs, report: ReportViolation) -> None:
    _runtime_data()


def _remediate_resource(args: ResourceValidationArgs) -> Any:
    _runtime_data()
    return None


def _parents_and_dependencies(args: StackValidationArgs, report: ReportViolation) -> None:
    """parent_dependencies: the Stack and the providers have no parent, every other
    resource's parent is one of the resources (the Stack at the top), and dependencies
    and property dependencies are the resources themselves."""
    _runtime_data()
    resources = args.resources
    ids = {id(r) for r in resources}
    (stack,) = [r for r in resources if r.resource_type == STACK]
    for r in resources:
        if r.resource_type == STACK or r.resource_type.startswith("pulumi:providers:"):
            assert r.parent is None, r.urn
            continue
        assert r.parent is not None, r.urn
        assert id(r.parent) in ids, r.urn
        for dep in r.dependencies:
            assert id(dep) in ids, (r.urn, dep)
        for deps in r.property_dependencies.values():
            assert all(id(d) in ids for d in deps), r.urn
    tops = [r for r in resources if r.parent is stack]
    assert tops, "nothing hangs under the Stack"


POLICIES = [
    ResourceValidationPolicy(
        name="runtime-data-resource",
        description="Runtime data while resources are validated and remediated.",
        validate=_validate_resource,
        remediate=_remediate_resource,
    ),
    StackValidationPolicy(
        name="parent-dependencies",
        description="Parents, dependencies and runtime data while the stack is validated.",
        validate=_parents_and_dependencies,
    ),
]
