"""Run a loaded policy pack over a recorded plan as `pulumi preview --policy-pack` does.

What the engine hands the analyzer, and so what this evaluator hands the pack:
- the stack's project, stack name, config and dry-run flag, as the environment the
  analyzer process starts with (`pulumi.get_stack()` and `pulumi.Config()` work in a
  pack);
- remediations first: policies at level `remediate` that implement `remediate`
  rewrite a resource's inputs, in pack order, and validation sees the result;
- resource policies see every registered resource (custom ones, components, the
  Stack and default providers: the engine's step generator analyzes each
  registration) with its camelCase inputs behind unknown-checking proxies, its
  options and its provider; a remediation that cannot run reports its diagnostic
  as an advisory violation, one that raises fails the plan as the update would;
- stack policies see every resource, the `pulumi:pulumi:Stack` resource and the
  default providers included, linked to parents and dependencies;
- enforcement levels, not-applicable and unknown values behave as in the SDK's
  servicer, whose own helpers build options, configs and messages; a policy that
  raises is a broken pack (`PolicyCrash`), not a violation.

Each resource is deserialized once for all policies; the servicer rebuilds every
resource for every policy. `tests/policies/servicer_oracle.py` drives the servicer
itself, request by request, and the tests check both report the same.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from importlib import metadata
from inspect import isawaitable
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import (
    EnforcementLevel,
    Policy,
    PolicyProviderResource,
    PolicyResource,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    _NotApplicableError,
    _PolicyAnalyzerServicer,
)
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from model.errors import CommandFailed
from tools.plan.pack_config import ResolvedConfig
from tools.plan.pack_loader import LoadedPack
from tools.plan.process_state import isolated
from tools.plan.recorder import STACK_TYPE, RecordedResource

_PROTO_LEVEL = {
    EnforcementLevel.ADVISORY: analyzer_pb2.ADVISORY,
    EnforcementLevel.MANDATORY: analyzer_pb2.MANDATORY,
    EnforcementLevel.REMEDIATE: analyzer_pb2.REMEDIATE,
    EnforcementLevel.DISABLED: analyzer_pb2.DISABLED,
}
_LEVEL_NAME = {v: k.value for k, v in _PROTO_LEVEL.items()}


@dataclass(frozen=True)
class StackContext:
    """What the engine tells an analyzer about the stack it analyzes."""

    project: str
    stack: str
    config: Mapping[str, str] = field(default_factory=dict)  # `ns:key` -> engine string
    dry_run: bool = True

    @property
    def stack_urn(self) -> str:
        return f"urn:pulumi:{self.stack}::{self.project}::{STACK_TYPE}::{self.project}-{self.stack}"


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


@dataclass(frozen=True)
class Remediation:
    policy: str
    urn: str
    diagnostic: str = ""  # set when the remediation could not run (unknown values)

    def to_json(self) -> dict[str, str]:
        return {"policy": self.policy, "urn": self.urn, "diagnostic": self.diagnostic}


@dataclass(frozen=True)
class Evaluation:
    violations: list[Violation]
    remediations: list[Remediation]
    resources: list[RecordedResource]  # as validated: remediated inputs, Stack, providers


class PolicyCrash(CommandFailed):
    """A policy raised: the pack is broken (exit 3), which is not a violation (exit 1)."""

    exit_code = 3

    def __init__(self, policy: str, error: BaseException, pack: str = "policy pack") -> None:
        self.policy = policy
        self.error = error
        self.pack = pack
        first = (str(error).splitlines() or [""])[0]
        super().__init__(f"policy '{policy}' failed: {type(error).__name__}: {first}")

    def lines(self) -> list[str]:
        return [f"{self.pack}: {self} (a bug in the policy pack)"]


# ---- what the engine adds to the program's resources ----------------------------------


def _default_provider(package: str, ctx: StackContext) -> RecordedResource:
    """The default provider the engine creates for a package, with the stack's config."""
    try:
        version = metadata.version(f"pulumi_{package}")
    except metadata.PackageNotFoundError:
        version = "0.0.0"
    name = f"default_{version.replace('.', '_')}"
    inputs: dict[str, Any] = {
        key.split(":", 1)[1]: value
        for key, value in ctx.config.items()
        if key.startswith(f"{package}:")
    }
    inputs["version"] = version
    urn = f"urn:pulumi:{ctx.stack}::{ctx.project}::pulumi:providers:{package}::{name}"
    return _engine_resource(urn, f"pulumi:providers:{package}", name, True, inputs)


def _engine_resource(
    urn: str, type_: str, name: str, custom: bool, inputs: dict[str, Any]
) -> RecordedResource:
    """A resource the engine itself registers (the Stack, default providers)."""
    return RecordedResource(
        urn=urn,
        type=type_,
        name=name,
        parent="",
        custom=custom,
        protect=False,
        retain_on_delete=False,
        delete_before_replace=False,
        dependencies=(),
        property_dependencies={},
        aliases=(),
        replace_with=(),
        provider="",
        inputs=inputs,
    )


def analyzed_resources(
    resources: Sequence[RecordedResource], ctx: StackContext
) -> list[RecordedResource]:
    """The program's managed resources, each with its default provider, plus the Stack
    resource and those providers: what the engine analyzes."""
    managed = [r for r in resources if not r.read]
    providers: dict[str, RecordedResource] = {}
    out: list[RecordedResource] = []
    for r in managed:
        package = r.type.split(":", 1)[0]
        if r.custom and not r.provider and package not in ("pulumi", "datamesh"):
            if package not in providers:
                providers[package] = _default_provider(package, ctx)
            r = replace(r, provider=f"{providers[package].urn}::default")
        out.append(r)
    stack = _engine_resource(ctx.stack_urn, STACK_TYPE, f"{ctx.project}-{ctx.stack}", False, {})
    return [stack, *sorted(providers.values(), key=lambda p: p.urn), *out]


def struct(value: Mapping[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    json_format.ParseDict(json.loads(json.dumps(value, default=str)), message)
    return message


def options(r: RecordedResource) -> analyzer_pb2.AnalyzerResourceOptions:
    return analyzer_pb2.AnalyzerResourceOptions(
        parent=r.parent,
        protect=r.protect,
        deleteBeforeReplace=r.delete_before_replace,
        deleteBeforeReplaceDefined=r.delete_before_replace,
        aliases=list(r.aliases),
    )


def provider_of(
    r: RecordedResource, by_urn: Mapping[str, RecordedResource]
) -> analyzer_pb2.AnalyzerProviderResource | None:
    provider = by_urn.get(r.provider.rsplit("::", 1)[0]) if r.provider else None
    if provider is None:
        return None
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type,
        properties=struct(provider.inputs),
        urn=provider.urn,
        name=provider.name,
    )


def analyze_request(
    r: RecordedResource, by_urn: Mapping[str, RecordedResource]
) -> analyzer_pb2.AnalyzeRequest:
    request = analyzer_pb2.AnalyzeRequest(
        type=r.type, properties=struct(r.inputs), urn=r.urn, name=r.name, options=options(r)
    )
    provider = provider_of(r, by_urn)
    if provider is not None:
        request.provider.CopyFrom(provider)
    return request


def configured_servicer(pack: LoadedPack, resolved: ResolvedConfig) -> _PolicyAnalyzerServicer:
    servicer = _PolicyAnalyzerServicer(
        pack.name, pack.version, pack.policies, pack.enforcement_level, None
    )
    servicer.Configure(  # type: ignore[no-untyped-call]
        analyzer_pb2.ConfigureAnalyzerRequest(
            policyConfig={
                name: analyzer_pb2.PolicyConfig(
                    enforcementLevel=_PROTO_LEVEL[level], properties=struct(props)
                )
                for name, (level, props) in resolved.items()
            }
        ),
        None,
    )
    return servicer


def analyzer_environment(ctx: StackContext) -> dict[str, str]:
    """The environment the engine starts a policy pack with."""
    return {
        "PULUMI_PROJECT": ctx.project,
        "PULUMI_STACK": ctx.stack,
        "PULUMI_DRY_RUN": "true" if ctx.dry_run else "false",
        "PULUMI_CONFIG": json.dumps(dict(ctx.config)),
    }


def remediate(
    servicer: _PolicyAnalyzerServicer,
    pack: LoadedPack,
    resources: list[RecordedResource],
) -> tuple[list[RecordedResource], list[Remediation]]:
    """Apply remediations as the engine does before it validates (custom resources)."""
    active = [
        p
        for p in pack.policies
        if isinstance(p, ResourceValidationPolicy)
        and p.has_remediation()
        and servicer._get_enforcement_level(p) == EnforcementLevel.REMEDIATE
    ]
    if not active:
        return resources, []
    by_urn = {r.urn: r for r in resources}
    out: list[RecordedResource] = []
    applied: list[Remediation] = []
    for r in resources:  # every registered resource, components and the Stack included
        try:
            response = servicer.Remediate(analyze_request(r, by_urn), None)  # type: ignore[no-untyped-call]
        except Exception as exc:  # the engine fails the update: "failed to run remediation"
            raise PolicyCrash("remediation", exc) from exc
        for rem in response.remediations:
            applied.append(Remediation(rem.policyName, r.urn, rem.diagnostic))
            if rem.HasField("properties"):
                r = replace(r, inputs=json_format.MessageToDict(rem.properties))
        out.append(r)
    return out, applied


def remediation_diagnostics(remediations: Sequence[Remediation]) -> list[Violation]:
    """A remediation that could not run says why as an advisory violation of its policy
    (the engine's step generator reports `tresult.Diagnostic` so)."""
    return [
        Violation(r.policy, "advisory", r.urn, r.diagnostic) for r in remediations if r.diagnostic
    ]


# ---- evaluation -------------------------------------------------------------------------


def evaluate(
    pack: LoadedPack,
    resolved: ResolvedConfig,
    resources: Sequence[RecordedResource],
    ctx: StackContext,
) -> Evaluation:
    """The servicer's semantics, with each resource deserialized once for all policies."""
    with isolated():
        os.environ.update(analyzer_environment(ctx))
        servicer = configured_servicer(pack, resolved)
        servicer._configure_runtime_settings()  # type: ignore[no-untyped-call]
        analyzed = analyzed_resources(resources, ctx)
        analyzed, remediations = remediate(servicer, pack, analyzed)
        violations = remediation_diagnostics(remediations) + _validate(servicer, pack, analyzed)
    return Evaluation(violations, remediations, analyzed)


def _validate(
    servicer: _PolicyAnalyzerServicer, pack: LoadedPack, analyzed: list[RecordedResource]
) -> list[Violation]:
    response = analyzer_pb2.AnalyzeResponse()
    by_urn = {r.urn: r for r in analyzed}
    requests = {r.urn: analyze_request(r, by_urn) for r in analyzed}
    props = {
        urn: unknown_checking_proxy(
            deserialize_properties(json_format.MessageToDict(req.properties))
        )
        for urn, req in requests.items()
    }
    opts = {urn: servicer._get_resource_options(req) for urn, req in requests.items()}
    providers = {urn: servicer._get_provider_resource(req) for urn, req in requests.items()}
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
            for r in analyzed:  # the engine analyzes components and the Stack too
                before = len(response.diagnostics)
                args = ResourceValidationArgs(
                    r.type, props[r.urn], r.urn, r.name, opts[r.urn], providers[r.urn], config, {}
                )
                _run(servicer, response, policy, args, report)
                for i in range(before, len(response.diagnostics)):
                    first_urn[i] = r.urn
        elif isinstance(policy, StackValidationPolicy):
            if stack_resources is None:
                stack_resources = _policy_resources(analyzed, props, opts, providers)
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
    analyzed: list[RecordedResource],
    props: Mapping[str, Any],
    opts: Mapping[str, Any],
    providers: Mapping[str, PolicyProviderResource | None],
) -> list[PolicyResource]:
    """What AnalyzeStack hands stack policies: resources linked to parents and dependencies."""
    by_urn = {
        r.urn: PolicyResource(
            r.type, props[r.urn], r.urn, r.name, opts[r.urn], providers[r.urn], None, [], {}
        )
        for r in analyzed
    }
    for r in analyzed:
        resource = by_urn[r.urn]
        resource.parent = by_urn.get(r.parent)
        resource.dependencies = [by_urn[d] for d in r.dependencies if d in by_urn]
        resource.property_dependencies = {
            k: [by_urn[d] for d in v if d in by_urn] for k, v in r.property_dependencies.items()
        }
    return list(by_urn.values())


def _run(servicer: Any, response: Any, policy: Policy, args: Any, report: Any) -> None:
    """Call a policy as the servicer does: awaitables run, unknowns become advisory."""
    try:
        result = policy.validate(args, report)  # type: ignore[attr-defined]
        if isawaitable(result):
            loop = asyncio.new_event_loop()
            try:
                loop.run_until_complete(result)
            finally:
                loop.close()
    except UnknownValueError as e:
        name = servicer._PolicyAnalyzerServicer__policy_pack_name
        version = servicer._PolicyAnalyzerServicer__policy_pack_version
        response.diagnostics.append(
            analyzer_pb2.AnalyzeDiagnostic(
                policyName=policy.name,
                policyPackName=name,
                policyPackVersion=version,
                message=(
                    f"can't run policy '{policy.name}' from policy pack "
                    f"'{name}@v{version}' during preview: {e.message}"
                ),
                urn="",
                description=policy.description,
                enforcementLevel=_PROTO_LEVEL[EnforcementLevel.ADVISORY],
            )
        )
    except _NotApplicableError:
        pass
    except Exception as exc:  # the pack's own bug, not a verdict on the resources
        raise PolicyCrash(policy.name, exc) from exc
