"""How each input-port kind gets its data in a local run, in one table (`LOCAL_INPUTS`).

A kind that holds data says which columns it holds and how its rows enter the
warehouse; `data-product` inputs hold none (the upstream product's run fills them).
A new input kind adds one entry here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from model import ProductBundle
from model import conventions as conv
from model.contract import BigQueryField
from model.errors import SpecIssue
from model.product import FederatedInput, InputPort
from tools.local.warehouse import LocalRunError, ProductRun


class LocalInputKind(Protocol):
    @property
    def events(self) -> bool:  # rows are Pub/Sub messages (untyped), not table rows
        ...

    def fields(self, bundle: ProductBundle, port: InputPort) -> tuple[BigQueryField, ...]: ...

    def materialise(self, run: ProductRun, port: InputPort, rows: list[dict[str, Any]]) -> None: ...


@dataclass(frozen=True)
class _Declared:
    """A kind whose columns its spec declares (ProductBundle.input_fields)."""

    events: bool = False

    def fields(self, bundle: ProductBundle, port: InputPort) -> tuple[BigQueryField, ...]:
        return bundle.input_fields(port.name)


@dataclass(frozen=True)
class _TableSource(_Declared):
    """A source BigQuery reads as a table: the sheet's external table, the federated
    query's result. Placeholders `{{ input.<port> }}` resolve to it."""

    def materialise(self, run: ProductRun, port: InputPort, rows: list[dict[str, Any]]) -> None:
        table = conv.external_table_id(port.name)
        fields = self.fields(run.bundle, port)
        run.w.create_table(run.dataset, table, fields, port.description or "")
        run.w.load(run.dataset, table, rows)


@dataclass(frozen=True)
class _FederatedSource(_TableSource):
    def fields(self, bundle: ProductBundle, port: InputPort) -> tuple[BigQueryField, ...]:
        declared = bundle.input_fields(port.name)
        if declared or not isinstance(port, FederatedInput):
            return declared
        return tuple(
            BigQueryField(name, "STRING", "NULLABLE", f"{name} (from the query)")
            for name in _query_columns(bundle, port)
        )


def _query_columns(bundle: ProductBundle, port: FederatedInput) -> list[str]:
    where = f"input_ports[{bundle.spec.input_ports.index(port)}]"
    try:
        query = sqlglot.parse_one(port.query, read=port.engine.value.lower())
    except SqlglotError as exc:
        raise LocalRunError(
            SpecIssue(bundle.path, f"{where}.query", f"does not parse: {exc}")
        ) from None
    names = list(query.named_selects) if isinstance(query, exp.Query) else []
    if not names or "*" in names:
        raise LocalRunError(
            SpecIssue(
                bundle.path,
                f"{where}.columns",
                "declare the columns the query returns (its select list names none) to run "
                "it locally",
            )
        )
    return names


@dataclass(frozen=True)
class _EventSource(_Declared):
    """Pub/Sub messages, handed to the pipeline that reads the port."""

    events: bool = True

    def materialise(self, run: ProductRun, port: InputPort, rows: list[dict[str, Any]]) -> None:
        run.events[port.name] = rows


LOCAL_INPUTS: dict[str, LocalInputKind | None] = {
    "google-sheet": _TableSource(),
    "federated": _FederatedSource(),
    "pubsub": _EventSource(),
    "data-product": None,  # filled by the upstream product's run
}
