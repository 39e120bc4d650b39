"""`run_policy`: one policy called directly on resources written in the test, as
pulumi-policy's own tests do, beside the full-plan cases of test_policies.py."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)

from model import conventions as conv

STACK, PROJECT = "iot-prod", "data-mesh"


@dataclass(frozen=True)
class Res:
    """A resource as a policy sees it: its type, name, inputs, its parent (the name of
    another resource of the test) and the type tokens above it, outermost first (the
    URN's type chain)."""

    type: str
    name: str
    props: Mapping[str, Any] = field(default_factory=dict)
    parent: str | None = None
    parents: Sequence[str] = (conv.DATA_PRODUCT,)

    @property
    def urn(self) -> str:
        chain = "$".join([*self.parents, self.type])
        return f"urn:pulumi:{STACK}::{PROJECT}::{chain}::{self.name}"


def opts() -> PolicyResourceOptions:
    return PolicyResourceOptions(False, [], None, [], PolicyCustomTimeouts(0, 0, 0), [])


def run_policy(
    policy: ResourceValidationPolicy | StackValidationPolicy,
    resources: Sequence[Res],
    config: Mapping[str, Any] | None = None,
) -> list[str]:
    """The messages `policy` reports on `resources` (with `config` as its settings)."""
    reported: list[str] = []

    def report(message: str, urn: str | None = None) -> None:
        reported.append(message)

    settings = dict(config or {})
    if isinstance(policy, ResourceValidationPolicy):
        for r in resources:
            args = ResourceValidationArgs(r.type, r.props, r.urn, r.name, opts(), None, settings)
            policy.validate(args, report)
        return reported
    stack = {
        r.name: PolicyResource(r.type, r.props, r.urn, r.name, opts(), None, None, [], {})
        for r in resources
    }
    for r in resources:
        if r.parent is not None:
            stack[r.name].parent = stack[r.parent]
    policy.validate(StackValidationArgs(list(stack.values()), settings), report)
    return reported
