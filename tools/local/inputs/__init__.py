"""The data every input port of a local run starts from: the product's own fixture
(`products/<id>/local/<port>.csv|.jsonl|.py`) or, without one, rows generated from
the port's declared columns and the rules its outputs' contracts carry back."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from model import Mesh
from tools.local.inputs.context import CLOCK, LocalContext
from tools.local.inputs.fixtures import FixtureProblem, find_fixture, messages, typed_rows
from tools.local.inputs.generate import Generator
from tools.local.inputs.hints import input_hints
from tools.local.inputs.kinds import holds_rows, input_fields, is_events

__all__ = ["CLOCK", "FixtureProblem", "LocalContext", "PortData", "input_data"]


@dataclass(frozen=True)
class PortData:
    product: str
    port: str
    rows: list[dict[str, Any]]  # table rows, or Pub/Sub messages for an event port
    source: str  # the fixture's path relative to the products folder, or "generated"
    notes: tuple[str, ...] = ()  # rules the generated rows could not be made to meet

    @property
    def key(self) -> str:
        return f"{self.product}.{self.port}"


def input_data(mesh: Mesh, order: list[str], ctx: LocalContext) -> dict[str, PortData]:
    """`product.port` -> its data, for every input port of `order` that holds data."""
    out: dict[str, PortData] = {}
    pools: dict[str, list[Any]] = defaultdict(list)  # column -> values fixtures hold
    pending = []
    for pid in order:
        bundle = mesh[pid]
        for port in bundle.spec.input_ports:
            if not holds_rows(port):
                continue
            fixture = find_fixture(bundle.folder, port.name)
            if fixture is None:
                pending.append((bundle, port))
                continue
            source = str(fixture.relative_to(mesh.root.parent))
            if is_events(port):
                rows = messages(fixture, ctx)
                for message in rows:
                    _pool_event(pools, message["data"])
            else:
                rows = typed_rows(fixture, input_fields(bundle, port), ctx, port.name)
                for row in rows:
                    for column, value in row.items():
                        pools[column].append(value)
            data = PortData(pid, port.name, rows, source)
            out[data.key] = data
    hints = input_hints(mesh, order)
    names = Counter(f.name for b, p in pending for f in input_fields(b, p))
    generator = Generator(ctx, pools, {n for n, count in names.items() if count > 1})
    for bundle, port in pending:
        rules = hints.for_port(bundle.id, port.name)
        rows = generator.rows(bundle.id, port.name, input_fields(bundle, port), rules)
        if is_events(port):
            rows = [_message(ctx, i, row) for i, row in enumerate(rows)]
        notes = tuple(
            f"{ref.column}: {', '.join(lost)}; if that check fails, give this port a fixture "
            f"(products/{bundle.id}/local/{port.name}.csv)"
            for ref, lost in sorted(hints.uncarried.items())
            if ref.product == bundle.id and ref.port == port.name
        )
        data = PortData(bundle.id, port.name, rows, "generated", notes)
        out[data.key] = data
    return out


def _pool_event(pools: dict[str, list[Any]], data: str) -> None:
    try:
        event = json.loads(data)
    except json.JSONDecodeError:
        return
    if isinstance(event, dict):
        for column, value in event.items():
            if not isinstance(value, dict | list):
                pools[column].append(value)


def _message(ctx: LocalContext, number: int, event: dict[str, Any]) -> dict[str, Any]:
    published = next(
        (v for v in event.values() if isinstance(v, str) and v.endswith("Z") and "T" in v),
        LocalContext.timestamp(ctx.clock),
    )
    return {
        "message_id": str(10**9 + number),
        "publish_time": published,
        "attributes": {},
        "data": json.dumps(event),
    }
