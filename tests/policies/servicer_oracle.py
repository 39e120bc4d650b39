"""The reference the evaluator is tested against: pulumi-policy's own analyzer
servicer, driven request by request as the engine drives it (Remediate, then
Analyze per resource, then AnalyzeStack), in the environment the engine gives it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from pulumi.runtime.proto import analyzer_pb2

from tools.plan.evaluator import (
    _LEVEL_NAME,
    StackContext,
    Violation,
    analyze_request,
    analyzed_resources,
    analyzer_environment,
    configured_servicer,
    options,
    provider_of,
    remediate,
    struct,
)
from tools.plan.pack_config import ResolvedConfig
from tools.plan.pack_loader import LoadedPack
from tools.plan.process_state import isolated
from tools.plan.recorder import RecordedResource


def evaluate_with_servicer(
    pack: LoadedPack,
    resolved: ResolvedConfig,
    resources: Sequence[RecordedResource],
    ctx: StackContext,
) -> list[Violation]:
    with isolated():
        os.environ.update(analyzer_environment(ctx))
        servicer = configured_servicer(pack, resolved)
        analyzed, remediations = remediate(servicer, pack, analyzed_resources(resources, ctx))
        by_urn = {r.urn: r for r in analyzed}
        diagnostics: list[Any] = []
        # the engine reports a remediation's diagnostic as an advisory violation
        # (pkg/resource/deploy/step_generator.go: continueStepsFromImport)
        found = [
            Violation(r.policy, "advisory", r.urn, r.diagnostic)
            for r in remediations
            if r.diagnostic
        ]
        for r in analyzed:  # every registration, components and the Stack too (ibid.)
            response = servicer.Analyze(analyze_request(r, by_urn), None)  # type: ignore[no-untyped-call]
            diagnostics += [(d, r.urn) for d in response.diagnostics]
        entries = []
        for r in analyzed:
            entry = analyzer_pb2.AnalyzerResource(
                type=r.type,
                properties=struct(r.inputs),
                urn=r.urn,
                name=r.name,
                options=options(r),
                parent=r.parent,
                dependencies=list(r.dependencies),
            )
            for key, urns in r.property_dependencies.items():
                entry.propertyDependencies[key].urns.extend(urns)
            provider = provider_of(r, by_urn)
            if provider is not None:
                entry.provider.CopyFrom(provider)
            entries.append(entry)
        stack = servicer.AnalyzeStack(  # type: ignore[no-untyped-call]
            analyzer_pb2.AnalyzeStackRequest(resources=entries), None
        )
        diagnostics += [(d, "") for d in stack.diagnostics]
    return found + [
        Violation(
            policy=d.policyName,
            enforcement_level=_LEVEL_NAME.get(d.enforcementLevel, "advisory"),
            urn=d.urn or default_urn,
            message=d.message,
        )
        for d, default_urn in diagnostics
    ]
