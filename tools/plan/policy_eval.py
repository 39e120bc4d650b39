"""Run a CrossGuard policy pack in-process over a recorded plan, as the engine would.

The pack's real `__main__.py` is executed with `PolicyPack` captured instead of
served, and the SDK's own analyzer servicer evaluates it: resource policies see
each custom resource (camelCase inputs behind unknown-checking proxies, options,
provider), stack policies see every resource with parents and dependencies, and
the pack config (the `--policy-pack-config` JSON format, schema defaults filled
in as the CLI does) sets enforcement levels and properties.
"""

from __future__ import annotations

import asyncio
import json
import runpy
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from inspect import isawaitable
from pathlib import Path
from typing import Any

import jsonschema_rs
import pulumi_policy
import yaml
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

from model.errors import SpecIssue
from tools.plan.recorder import RecordedResource

LEVELS = {level.value: level for level in EnforcementLevel}
_PROTO_LEVEL = {
    EnforcementLevel.ADVISORY: analyzer_pb2.ADVISORY,
    EnforcementLevel.MANDATORY: analyzer_pb2.MANDATORY,
    EnforcementLevel.REMEDIATE: analyzer_pb2.REMEDIATE,
    EnforcementLevel.DISABLED: analyzer_pb2.DISABLED,
}
_LEVEL_NAME = {v: k.value for k, v in _PROTO_LEVEL.items()}


class PackProblem(Exception):
    def __init__(self, issue: SpecIssue) -> None:
        self.issue = issue
        super().__init__(issue.render())


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
class LoadedPack:
    name: str
    version: str
    policies: list[Policy]
    enforcement_level: EnforcementLevel
    initial_config: Mapping[str, Any] | None


@contextmanager
def _on_path(folder: Path) -> Iterator[None]:
    """Import the pack as the CLI runs it: its folder first on sys.path, fresh modules."""
    before = set(sys.modules)
    sys.path.insert(0, str(folder))
    try:
        yield
    finally:
        sys.path.remove(str(folder))
        for name in set(sys.modules) - before:
            module = sys.modules.get(name)
            origin = getattr(module, "__file__", None) or ""
            if origin.startswith(str(folder)):
                del sys.modules[name]


def load_pack(folder: Path) -> LoadedPack:
    meta_path = folder / "PulumiPolicy.yaml"
    if not (folder / "__main__.py").is_file() or not meta_path.is_file():
        raise PackProblem(
            SpecIssue(folder, "", "not a policy pack (needs __main__.py and PulumiPolicy.yaml)")
        )
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8")) or {}
    captured: dict[str, Any] = {}

    def capture(
        name: str,
        policies: list[Policy],
        enforcement_level: Any = None,
        initial_config: Any = None,
        **_: Any,
    ) -> None:
        captured.update(
            name=name, policies=policies, level=enforcement_level, initial=initial_config
        )

    real = pulumi_policy.PolicyPack
    pulumi_policy.PolicyPack = capture  # type: ignore[assignment,misc]
    try:
        with _on_path(folder):
            runpy.run_path(str(folder / "__main__.py"), run_name="__main__")
    except Exception as exc:  # a broken pack is the user's input, reported plainly
        raise PackProblem(
            SpecIssue(
                folder / "__main__.py", "", f"cannot load the pack: {type(exc).__name__}: {exc}"
            )
        ) from None
    finally:
        pulumi_policy.PolicyPack = real  # type: ignore[misc]
    if not captured:
        raise PackProblem(SpecIssue(folder / "__main__.py", "", "does not construct a PolicyPack"))
    return LoadedPack(
        name=captured["name"],
        version=str(meta.get("version", "0.0.1")),
        policies=list(captured["policies"]),
        enforcement_level=captured["level"] or EnforcementLevel.ADVISORY,
        initial_config=captured["initial"],
    )


def resolve_config(
    pack: LoadedPack, config: Mapping[str, Any], source: Path
) -> dict[str, tuple[EnforcementLevel, dict[str, Any]]]:
    """Per policy: enforcement level and properties, with schema defaults and validation."""
    names = {p.name for p in pack.policies}
    merged: dict[str, Any] = {**(pack.initial_config or {}), **config}
    default_level = pack.enforcement_level
    if "all" in merged:
        default_level = _level(merged.pop("all"), source, "all")
    for key in merged:
        if key not in names:
            raise PackProblem(SpecIssue(source, key, "no such policy in the pack"))
    out: dict[str, tuple[EnforcementLevel, dict[str, Any]]] = {}
    for policy in pack.policies:
        level = policy.enforcement_level or default_level
        if "all" in config and policy.name not in config:
            level = default_level
        props: dict[str, Any] = {}
        schema = policy.config_schema
        if schema is not None:
            for prop, spec in (schema.properties or {}).items():
                if isinstance(spec, Mapping) and "default" in spec:
                    props[prop] = spec["default"]
        value = merged.get(policy.name)
        if isinstance(value, str | EnforcementLevel):
            level = _level(value, source, policy.name)
        elif isinstance(value, Mapping):
            for k, v in value.items():
                if k == "enforcementLevel":
                    level = _level(v, source, f"{policy.name}.enforcementLevel")
                else:
                    props[k] = v
        if schema is not None and props:
            document = {
                "type": "object",
                "properties": dict(schema.properties or {}),
                "additionalProperties": False,
            }
            if schema.required:
                document["required"] = list(schema.required)
            error = next(jsonschema_rs.Draft7Validator(document).iter_errors(props), None)
            if error is not None:
                where = ".".join([policy.name, *(str(p) for p in error.instance_path)])
                raise PackProblem(SpecIssue(source, where, error.message))
        elif props and schema is None:
            raise PackProblem(SpecIssue(source, policy.name, "this policy takes no properties"))
        out[policy.name] = (level, props)
    return out


def _level(value: Any, source: Path, field: str) -> EnforcementLevel:
    if isinstance(value, EnforcementLevel):
        return value
    if value not in LEVELS:
        raise PackProblem(SpecIssue(source, field, f"{value!r} is not one of {sorted(LEVELS)}"))
    return LEVELS[value]


def read_pack_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PackProblem(SpecIssue(path, "", "file not found")) from None
    except json.JSONDecodeError as exc:
        raise PackProblem(SpecIssue(path, "", f"invalid JSON: {exc}")) from None
    if not isinstance(data, dict):
        raise PackProblem(SpecIssue(path, "", "expected a JSON object"))
    return data


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


def _configured_servicer(
    pack: LoadedPack, resolved: Mapping[str, tuple[EnforcementLevel, dict[str, Any]]]
) -> _PolicyAnalyzerServicer:
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
    resolved: Mapping[str, tuple[EnforcementLevel, dict[str, Any]]],
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


def evaluate_with_servicer(
    pack: LoadedPack,
    resolved: Mapping[str, tuple[EnforcementLevel, dict[str, Any]]],
    resources: list[RecordedResource],
) -> list[Violation]:
    """The reference: the SDK's servicer, request by request, as the engine drives it."""
    servicer = _configured_servicer(pack, resolved)
    managed = [r for r in resources if not r.read]
    structs = {r.urn: _struct(r.inputs) for r in managed}  # converted once, sent twice
    diagnostics: list[Any] = []
    for r in managed:
        if not r.custom:
            continue
        response = servicer.Analyze(  # type: ignore[no-untyped-call]
            analyzer_pb2.AnalyzeRequest(
                type=r.type,
                properties=structs[r.urn],
                urn=r.urn,
                name=r.name,
                options=_options(r),
            ),
            None,
        )
        diagnostics += [(d, r.urn) for d in response.diagnostics]
    stack = servicer.AnalyzeStack(  # type: ignore[no-untyped-call]
        analyzer_pb2.AnalyzeStackRequest(
            resources=[
                analyzer_pb2.AnalyzerResource(
                    type=r.type,
                    properties=structs[r.urn],
                    urn=r.urn,
                    name=r.name,
                    options=_options(r),
                    parent=r.parent,
                    dependencies=list(r.dependencies),
                )
                for r in managed
            ]
        ),
        None,
    )
    diagnostics += [(d, "") for d in stack.diagnostics]
    return [
        Violation(
            policy=d.policyName,
            enforcement_level=_LEVEL_NAME.get(d.enforcementLevel, "advisory"),
            urn=d.urn or default_urn,
            message=d.message,
        )
        for d, default_urn in diagnostics
    ]
