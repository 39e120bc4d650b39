"""Every input the components send exists in pulumi-gcp's schema, at every depth.

Mocks accept any property; the real provider rejects unknown ones at preview.
This walks each recorded input through the SDK's own argument classes: property
getters carry the engine's camelCase names and return annotations name the
nested `*Args` classes."""

from __future__ import annotations

import importlib
import inspect
import re
from functools import cache
from typing import Any

import pytest

from tools.plan.runner import ProgramRun

FREE_FORM = re.compile(r"Mapping\[str")  # labels, params, parameters...
NESTED = re.compile(r"'(\w+Args)'")


@cache
def _properties(cls: type) -> dict[str, str]:
    """camelCase property name -> annotation text, for an Args class."""
    out: dict[str, str] = {}
    for attr in vars(cls).values():
        fget = getattr(attr, "fget", None)
        name = getattr(fget, "_pulumi_name", None)
        if name is None:
            continue
        out[name] = str(getattr(fget, "__annotations__", {}).get("return", ""))
    return out


def _args_class(type_token: str) -> tuple[type, Any]:
    package, rest = type_token.split(":", 1)
    module_path, cls = rest.split(":")
    module = importlib.import_module(f"pulumi_{package}.{module_path.split('/')[0]}")
    for name in (f"{cls}InitArgs", f"{cls}Args"):  # InitArgs when Args names a nested type
        if hasattr(module, name):
            return getattr(module, name), importlib.import_module(f"{module.__name__}._inputs")
    raise AssertionError(f"no Args class for {type_token}")


def _missing_required(value: Any, cls: type) -> list[str]:
    """Arguments without a default in the Args constructor that the inputs lack."""
    names = {
        k: getattr(v.fget, "_pulumi_name", k)
        for k, v in vars(cls).items()
        if getattr(v, "fget", None) is not None
    }
    required = [
        p.name
        for p in inspect.signature(cls.__init__).parameters.values()
        if p.default is inspect.Parameter.empty
        and p.name not in {"__self__", "self"}
        and p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    return [names.get(r, r) for r in required if names.get(r, r) not in value]


def _unknown(value: Any, cls: type, inputs: Any, where: str) -> list[str]:
    problems: list[str] = []
    props = _properties(cls)
    for key, sub in value.items():
        if key not in props:
            problems.append(f"{where}.{key}")
            continue
        annotation = props[key]
        nested = NESTED.search(annotation)
        if nested is None or FREE_FORM.search(annotation):
            continue
        nested_cls = getattr(inputs, nested.group(1))
        items = sub if isinstance(sub, list) else [sub]
        for i, item in enumerate(items):
            if isinstance(item, dict):
                problems += _unknown(item, nested_cls, inputs, f"{where}.{key}[{i}]")
    return problems


@pytest.mark.parametrize("stack", ["iot-prod", "crm-prod"])
def test_every_input_is_a_provider_property(runs: dict[str, ProgramRun], stack: str) -> None:
    checked: set[str] = set()
    problems: list[str] = []
    for r in runs[stack].resources:
        if not r.custom or r.read or not r.type.startswith("gcp:"):
            continue
        cls, inputs = _args_class(r.type)
        checked.add(r.type)
        problems += [f"{r.type} {r.name}: {p}" for p in _unknown(r.inputs, cls, inputs, "")]
        problems += [f"{r.type} {r.name}: missing {p}" for p in _missing_required(r.inputs, cls)]
    assert problems == []
    assert len(checked) >= 20 if stack == "iot-prod" else len(checked) >= 10


def test_the_check_catches_an_unknown_nested_key() -> None:
    cls, inputs = _args_class("gcp:pubsub/subscription:Subscription")
    found = _unknown({"deadLetterPolicy": {"maxAttempts": 5}, "topic": "t"}, cls, inputs, "")
    assert found == [".deadLetterPolicy[0].maxAttempts"]
    assert _unknown({"labelz": {}}, cls, inputs, "") == [".labelz"]


def test_the_check_catches_a_missing_required_argument() -> None:
    cls, _ = _args_class("gcp:bigquery/table:Table")
    assert _missing_required({"datasetId": "d"}, cls) == ["tableId"]
