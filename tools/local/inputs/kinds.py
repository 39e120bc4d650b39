"""How an input port gets its data in a local run, by the kind's `local_rows`: rows of
the `ext_<port>` table its SQL reads, messages handed to the pipeline, or none (the
upstream product's run fills it). A new input kind picks one of these; none is
written for a kind."""

from __future__ import annotations

from typing import Any

from model import ProductBundle
from model import conventions as conv
from model.contract import BigQueryField
from model.errors import SpecIssue
from model.kinds import InputPort
from tools.warehouse.engine import LocalRunError, ProductRun


def holds_rows(port: InputPort) -> bool:
    """Whether a local run gives the port rows of its own (not an upstream port's)."""
    return port.local_rows != "upstream"


def is_events(port: InputPort) -> bool:
    """Rows are Pub/Sub messages (untyped: a pipeline must meet malformed ones)."""
    return port.local_rows == "events"


def input_fields(bundle: ProductBundle, port: InputPort) -> tuple[BigQueryField, ...]:
    """The columns a port's local rows have: declared, an event contract's, or the names
    its spec tells (a federated query's select list), as nullable strings."""
    declared = bundle.input_fields(port.name)
    if declared or port.local_rows != "table":
        return declared
    names = port.inferred_columns()
    if isinstance(names, str):
        field, _, message = names.partition(": ")
        where = f"input_ports[{bundle.spec.input_ports.index(port)}].{field}"
        raise LocalRunError(SpecIssue(bundle.path, where, f"{message} to run it locally"))
    return tuple(BigQueryField(n, "STRING", "NULLABLE", f"{n} (from the query)") for n in names)


def materialise(run: ProductRun, port: InputPort, rows: list[dict[str, Any]]) -> None:
    """Put a port's rows where the product reads them."""
    if port.local_rows == "events":
        run.events[port.name] = rows
    elif port.local_rows == "table":
        table = conv.external_table_id(port.name)
        fields = input_fields(run.bundle, port)
        run.w.create_table(run.dataset, table, fields, port.description or "")
        run.w.load(run.dataset, table, rows)
