"""The reference the evaluator is tested against: pulumi-policy's own analyzer
servicer, driven request by request as the engine drives it."""

from __future__ import annotations

from typing import Any

from pulumi.runtime.proto import analyzer_pb2

from tools.plan.evaluator import (
    _LEVEL_NAME,
    Violation,
    _configured_servicer,
    _options,
    _struct,
)
from tools.plan.pack_config import ResolvedConfig
from tools.plan.pack_loader import LoadedPack
from tools.plan.recorder import RecordedResource


def evaluate_with_servicer(
    pack: LoadedPack,
    resolved: ResolvedConfig,
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
