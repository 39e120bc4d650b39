"""Rows made from an input port's declared columns, deterministic by seed.

Each value follows the column's type and mode and the rules carried back to it
(hints.py): a tenant column cycles through the stack's tenants (every tenant gets
rows), valid values, patterns, bounds, lengths and uniqueness are met, timestamps
fall inside the run's window with the newest a minute before its clock. Columns
of the same name in different inputs draw from one pool of values (a fixture's
values when one holds that column), so the joins of the mesh find their partners.
"""

from __future__ import annotations

import base64
import json
import random
import string
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

import exrex

from model.contract import BigQueryField
from tools.local.inputs.context import LocalContext
from tools.local.inputs.rules import ValueRules

NULL_SHARE = 0.1  # of a nullable column's values, where nothing needs them set
_NONE = ValueRules()


class Generator:
    def __init__(
        self, ctx: LocalContext, pools: Mapping[str, Sequence[Any]], shared: set[str]
    ) -> None:
        self.ctx = ctx
        # column name -> the distinct values fixtures hold, sorted once (read per value)
        self.pools = {
            name: sorted({v for v in values if v is not None}, key=str)
            for name, values in pools.items()
        }
        self.shared = shared  # column names more than one generated port holds

    def rows(
        self,
        product: str,
        port: str,
        fields: Sequence[BigQueryField],
        rules: Mapping[str, ValueRules],
    ) -> list[dict[str, Any]]:
        rng = self.ctx.rng(product, port)
        n = min([self.ctx.scale, *(self._distinct(rules.get(f.name, _NONE)) for f in fields)])
        rows = [
            {f.name: self._value(f, f.name, rules, i, n, rng) for f in fields} for i in range(n)
        ]
        # the timestamps of a row follow their declaration order (created before updated,
        # valid from before valid to): the k-th is k hours after the first
        times = [f.name for f in fields if f.mode != "REPEATED" and f.type == "TIMESTAMP"]
        for row in rows:
            for k, name in enumerate(times[1:], 1):
                if row[name] is not None and rules.get(name, _NONE).valid_values is None:
                    row[name] = LocalContext.timestamp(
                        datetime.fromisoformat(row[name]) + timedelta(hours=k)
                    )
        return rows

    def _distinct(self, rule: ValueRules) -> int:
        """How many rows a unique column allows (a unique tenant column: one per tenant)."""
        if not rule.unique:
            return self.ctx.scale
        if rule.tenant and self.ctx.tenants:
            return len(self.ctx.tenants)
        return len(rule.valid_values) if rule.valid_values is not None else self.ctx.scale

    def _value(
        self,
        f: BigQueryField,
        path: str,
        rules: Mapping[str, ValueRules],
        i: int,
        n: int,
        rng: random.Random,
    ) -> Any:
        rule = rules.get(path, _NONE)
        if f.mode == "REPEATED":
            element = BigQueryField(f.name, f.type, "REQUIRED", f.description, f.fields)
            return [
                self._value(element, path, rules, i * 3 + k, n * 3, rng) for k in range(1 + i % 3)
            ]
        if (
            f.mode == "NULLABLE"
            and not (rule.required or rule.tenant)
            and rng.random() < NULL_SHARE
        ):
            return None
        if f.type == "RECORD":
            return {c.name: self._value(c, f"{path}.{c.name}", rules, i, n, rng) for c in f.fields}
        return self._scalar(f, rule, i, n, rng)

    def _scalar(
        self, f: BigQueryField, rule: ValueRules, i: int, n: int, rng: random.Random
    ) -> Any:
        if rule.tenant and self.ctx.tenants:
            return self.ctx.tenants[i % len(self.ctx.tenants)]
        examples = f.name not in self.shared  # a shared column draws from a shared pool
        choices = _choices(rule, self.pools.get(f.name), examples)
        if choices and not rule.unique:
            return _typed(f.type, rng.choice(choices))
        if choices and (i < len(choices) or rule.valid_values is not None):
            return _typed(f.type, choices[i % len(choices)])  # each once, then made anew
        kind = f.type
        if kind in ("INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC"):
            return _number(kind, rule, i, n, rng)
        if kind == "BOOL":
            return rng.random() < 0.5
        if kind in ("TIMESTAMP", "DATETIME", "DATE"):
            return self._time(kind, i, n)
        if kind == "TIME":
            return f"{i % 24:02d}:{rng.randrange(60):02d}:00"
        if kind == "BYTES":
            return base64.b64encode(f"{f.name}-{i}".encode()).decode()
        if kind == "JSON":
            return json.dumps({"n": i})
        if kind == "GEOGRAPHY":
            return f"POINT({rng.uniform(-180, 180):.4f} {rng.uniform(-90, 90):.4f})"
        return _text(f.name, rule, i, n, rng)

    def _time(self, kind: str, i: int, n: int) -> str:
        """Evenly over the window, the newest a minute before the clock: unique, and fresh."""
        span = self.ctx.clock - self.ctx.start - timedelta(minutes=1)
        at = self.ctx.clock - timedelta(minutes=1) - span * (n - 1 - i) / max(n, 1)
        if kind == "DATE":
            return at.date().isoformat()
        if kind == "DATETIME":
            return at.replace(tzinfo=None).isoformat()
        return LocalContext.timestamp(at)


def _choices(rule: ValueRules, pool: Sequence[Any] | None, examples: bool) -> Sequence[Any]:
    if rule.valid_values is not None:
        return rule.valid_values
    if rule.kept is not None:
        return rule.kept
    if pool:
        return pool
    if examples and rule.examples and not rule.unique:
        return rule.examples
    return []


def _typed(kind: str, value: Any) -> Any:
    if kind == "INT64" and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    if kind in ("FLOAT64", "NUMERIC") and isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return value
    return value


def _number(kind: str, rule: ValueRules, i: int, n: int, rng: random.Random) -> int | float:
    low = rule.minimum if rule.minimum is not None else 0.0
    high = rule.maximum if rule.maximum is not None else max(low, 0.0) + 1000.0
    if kind == "INT64":
        lo, hi = int(-(-low // 1)), int(high // 1)  # the integers inside [low, high]
        if rule.unique:
            return lo + i
        return rng.randint(lo, max(lo, hi))
    if rule.unique:
        return round(low + (high - low) * i / max(n, 1), 6)
    return round(rng.uniform(low, high), 3)


def _text(name: str, rule: ValueRules, i: int, n: int, rng: random.Random) -> str:
    if rule.pattern:
        state = random.getstate()  # exrex draws from the module's random source
        random.seed(f"{rng.random()}")
        try:
            text = str(exrex.getone(rule.pattern, limit=8))
        finally:
            random.setstate(state)
    elif rule.unique:
        text = f"{name}-{i:05d}"
    else:  # a pool of n values per column name: other inputs draw the same ones
        text = f"{name}-{rng.randrange(max(n, 1)):05d}"
    if rule.min_length is not None and len(text) < rule.min_length:
        text += "".join(
            rng.choice(string.ascii_lowercase) for _ in range(rule.min_length - len(text))
        )
    if rule.max_length is not None:
        text = text[: rule.max_length]
    return text
