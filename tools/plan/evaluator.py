"""Run a loaded policy pack over a recorded plan with the semantics of the SDK's
analyzer servicer: resource policies see each custom resource (camelCase inputs
behind unknown-checking proxies, options), stack policies see every resource
with parents and dependencies; enforcement levels, not-applicable and unknown
values behave as in the servicer, whose own helpers build options, configs and
messages. `tests/policies/servicer_oracle.py` drives the servicer itself, request
by request, and the tests check both report the same violations.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from inspect import isawaitable
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import (
    EnforcementLevel,
    Policy,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    _NotApplicableError,
    _PolicyAnalyzerServicer,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from tools.plan.pack_config import ResolvedConfig
from tools.plan.pack_loader import LoadedPack
from tools.plan.recorder import RecordedResource

_PROTO_LEVEL = {
    EnforcementLevel.ADVISORY: analyzer_pb2.ADVISORY,
    EnforcementLevel.MANDATORY: analyzer_pb2.MANDATORY,
    EnforcementLevel.REMEDIATE: analyzer_pb2.REMEDIATE,
    EnforcementLevel.DISABLED: analyzer_pb2.DISABLED,
}
_LEVEL_NAME = {v: k.value for k, v in _PROTO_LEVEL.items()}


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement_level: str  # advisory | mandatory | remediate | disabled
    urn: str
    message: str

    def to_json(self) -> dict[str, str]:
        return {
            "policy": self.policy,
            "enforcementLevel": self.enforcement_level,
            "urn": self.urn,
            "message": self.message,
        }


def _struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    json_format.ParseDict(json.loads(json.dumps(value, default=str)), message)
    return message


def _options(r: RecordedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        parent=r.parent,
        protect=r.protect,
        deleteBeforeReplace=r.delete_before_replace,
        deleteBeforeReplaceDefined=r.delete_before_replace,
        aliases=list(r.aliases),
    )


def _configured_servicer(pack: LoadedPack, resolved: ResolvedConfig) -> _PolicyAnalyzerServicer:
    servicer = _PolicyAnalyzerServicer(
        pack.name, pack.version, pack.policies, pack.enforcement_level, None
    )
    servicer.Configure(  # type: ignore[no-untyped-call]
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(
                    enforcementLevel=_PROTO_LEVEL[level], properties=_struct(props)
                )
                for name, (level, props) in resolved.items()
            }
        ),
        None,
    )
    return servicer


def evaluate(
    pack: LoadedPack,
    resolved: ResolvedConfig,
    resources: list[RecordedResource],
) -> list[Violation]:
    """The servicer's semantics, with each resource deserialized once for all policies.

    The SDK's `Analyze`/`AnalyzeStack` rebuild every resource's properties for every
    policy (about 24 conversions per resource with this pack). Here each resource's
    properties go through the same conversion once (Struct -> dict -> unknown-checking
    proxy, numbers as floats) and are shared; options, configs, enforcement levels and
    violation messages come from the servicer's own helpers. `evaluate_with_servicer`
    is the reference it is tested against.
    """
    servicer = _configured_servicer(pack, resolved)
    response = analyzer_pb2.AnalyzeResponse()
    managed = [r for r in resources if not r.read]
    requests = {
        r.urn: analyzer_pb2.AnalyzeRequest(
            type=r.type,
            properties=_struct(r.inputs),
            urn=r.urn,
            name=r.name,
            options=_options(r),
        )
        for r in managed
    }
    props = {
        urn: unknown_checking_proxy(
            deserialize_properties(json_format.MessageToDict(req.properties))
        )
        for urn, req in requests.items()
    }
    options = {urn: servicer._get_resource_options(req) for urn, req in requests.items()}
    first_urn: dict[int, str] = {}
    stack_resources: list[PolicyResource] | None = None

    for policy in pack.policies:
        level = servicer._get_enforcement_level(policy)
        if level == EnforcementLevel.DISABLED:
            continue
        if level == EnforcementLevel.REMEDIATE:
            level = EnforcementLevel.MANDATORY
        report = servicer._create_report_violation(
            response, policy.name, policy.description, level, policy.severity
        )
        config = servicer._get_policy_config(policy.name)
        if isinstance(policy, ResourceValidationPolicy) and policy.has_validation():
            for r in managed:
                if not r.custom:
                    continue
                before = len(response.diagnostics)
                args = ResourceValidationArgs(
                    r.type, props[r.urn], r.urn, r.name, options[r.urn], None, config, {}
                )
                _run(servicer, response, policy, args, report)
                for i in range(before, len(response.diagnostics)):
                    first_urn[i] = r.urn
        elif isinstance(policy, StackValidationPolicy):
            if stack_resources is None:
                stack_resources = _policy_resources(managed, props, options)
            _run(
                servicer, response, policy, StackValidationArgs(stack_resources, config, {}), report
            )
    return [
        Violation(
            policy=d.policyName,
            enforcement_level=_LEVEL_NAME.get(d.enforcementLevel, "advisory"),
            urn=d.urn or first_urn.get(i, ""),
            message=d.message,
        )
        for i, d in enumerate(response.diagnostics)
    ]


def _policy_resources(
    managed: list[RecordedResource], props: Mapping[str, Any], options: Mapping[str, Any]
) -> list[PolicyResource]:
    """What AnalyzeStack hands stack policies: resources linked to parents and dependencies."""
    by_urn = {
        r.urn: PolicyResource(
            r.type, props[r.urn], r.urn, r.name, options[r.urn], None, None, [], {}
        )
        for r in managed
    }
    for r in managed:
        resource = by_urn[r.urn]
        resource.parent = by_urn.get(r.parent)
        resource.dependencies = [by_urn[d] for d in r.dependencies if d in by_urn]
    return list(by_urn.values())


def _run(servicer: Any, response: Any, policy: Policy, args: Any, report: Any) -> None:
    """Call a policy as the servicer does: awaitables run, unknowns become advisory."""
    try:
        result = policy.validate(args, report)  # type: ignore[attr-defined]
        if isawaitable(result):
            loop = asyncio.new_event_loop()
            loop.run_until_complete(result)
            loop.close()
    except UnknownValueError as e:
        response.diagnostics.append(
            analyzer_pb2.AnalyzeDiagnostic(
                policyName=policy.name,
                policyPackName=servicer._PolicyAnalyzerServicer__policy_pack_name,
                policyPackVersion=servicer._PolicyAnalyzerServicer__policy_pack_version,
                message=(f"can't run policy '{policy.name}' during preview: {e.message}"),
                urn="",
                description=policy.description,
                enforcementLevel=_PROTO_LEVEL[EnforcementLevel.ADVISORY],
            )
        )
    except _NotApplicableError:
        pass
