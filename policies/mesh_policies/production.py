"""Which stacks are production, and the floor their governance cannot go below.

Declared once, by the governance team, in `policies/production.json` (it ships with
the pack). Policies read it here so a pack config cannot switch a production
safeguard off for a production stack; `datamesh plan` reads the same file and
rejects a pack config that tries (exit 2), and CODEOWNERS makes every change to it
a governance review.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pulumi

DECLARATION = Path(__file__).resolve().parent.parent / "production.json"


@cache
def declaration() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DECLARATION.read_text(encoding="utf-8"))
    return data


def is_production() -> bool:
    """The stack being analyzed is declared production, by name or by project."""
    declared = declaration().get("production") or {}
    try:
        stack = pulumi.get_stack()
    except Exception:  # outside an analyzer run: no stack
        stack = ""
    project = pulumi.Config("gcp").get("project") or ""
    return stack in (declared.get("stacks") or []) or project in (declared.get("projects") or [])


def floor_property(policy: str, key: str) -> Any:
    """The production floor of a policy property (None when the floor sets none)."""
    return ((declaration().get("floor") or {}).get("properties") or {}).get(policy, {}).get(key)


def at_most(policy: str, key: str) -> list[Any] | None:
    """The widest allow-list production accepts for a policy property."""
    value = ((declaration().get("floor") or {}).get("atMost") or {}).get(policy, {}).get(key)
    return list(value) if value is not None else None
