"""A mock resource monitor that keeps every RegisterResource request."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc
from pulumi.runtime.mocks import MockMonitor, Mocks
from pulumi.runtime.settings import get_project, get_stack

from tools.plan.mocks import unwrap_secrets

STACK_TYPE = "pulumi:pulumi:Stack"


UNKNOWN_SHOWN = "[unknown]"  # as `pulumi preview` shows a value known only after `up`


def shown(value: Any) -> Any:
    """Inputs for people and tools: the engine's unknown sentinel as `[unknown]`."""
    if value == rpc.UNKNOWN:
        return UNKNOWN_SHOWN
    if isinstance(value, dict):
        return {k: shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(v) for v in value]
    return value


@dataclass(frozen=True)
class RecordedResource:
    urn: str
    type: str
    name: str
    parent: str
    custom: bool
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool
    dependencies: tuple[str, ...]
    property_dependencies: dict[str, tuple[str, ...]]
    aliases: tuple[str, ...]
    replace_with: tuple[str, ...]
    provider: str
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    read: bool = False  # read (an existing resource), not managed

    def to_json(self) -> dict[str, Any]:
        return {
            "urn": self.urn,
            "type": self.type,
            "name": self.name,
            "parent": self.parent,
            "custom": self.custom,
            "protect": self.protect,
            "deleteBeforeReplace": self.delete_before_replace,
            "retainOnDelete": self.retain_on_delete,
            "dependencies": list(self.dependencies),
            "inputs": shown(self.inputs),
        }


class RecordingMonitor(MockMonitor):
    """Registers through the mocks as usual, and records what the program asked for."""

    def __init__(self, mocks: Mocks, on_record: Callable[[int], None] | None = None) -> None:
        super().__init__(mocks)
        self.recorded: list[RecordedResource] = []
        self._on_record = on_record
        self._outputs: dict[str, dict[str, Any]] = {}

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """URNs as the engine makes them: the parent's whole qualified type chain
        (`a$b$c`), and no `pulumi:pulumi:Stack$` prefix for top-level resources.
        The SDK's mock keeps only the last parent type, which no real stack has."""
        if parent:
            qualified = parent.split("::")[2]
            if qualified != STACK_TYPE:
                type_ = f"{qualified}${type_}"
        return "urn:pulumi:" + "::".join([get_stack(), get_project(), type_, name])

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)  # type: ignore[no-untyped-call]
        if request.type != STACK_TYPE:
            self._record(
                request,
                request.object,
                custom=bool(request.custom),
                protect=bool(request.protect),
                retain_on_delete=bool(request.retainOnDelete),
                delete_before_replace=bool(request.deleteBeforeReplace),
                property_dependencies={
                    k: tuple(v.urns) for k, v in request.propertyDependencies.items()
                },
                aliases=tuple(a.urn or a.spec.name for a in request.aliases),
                replace_with=tuple(request.replace_with),
            )
        return response

    def ReadResource(self, request: Any) -> Any:
        """Reads of existing resources (StackReference among them) are part of the plan too."""
        response = super().ReadResource(request)  # type: ignore[no-untyped-call]
        self._record(request, request.properties, custom=True, read=True)
        return response

    def _record(self, request: Any, properties: Any, **options: Any) -> None:
        urn = self.make_urn(request.parent, request.type, request.name)
        registration = self.resources.get(urn)
        defaults: dict[str, Any] = {
            "protect": False,
            "retain_on_delete": False,
            "delete_before_replace": False,
            "property_dependencies": {},
            "aliases": (),
            "replace_with": (),
        }
        self.recorded.append(
            RecordedResource(
                urn=urn,
                type=request.type,
                name=request.name,
                parent=request.parent,
                dependencies=tuple(sorted(set(request.dependencies))),
                provider=request.provider,
                inputs=unwrap_secrets(rpc.deserialize_properties(properties)),
                outputs=unwrap_secrets(registration.state) if registration is not None else {},
                **{**defaults, **options},
            )
        )
        if self._on_record is not None:
            self._on_record(len(self.recorded))
