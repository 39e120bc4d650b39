"""A product spec together with the files it points at, all checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from model.contract import BigQueryField, Contract
from model.product import Product, SourceColumn
from model.sql import SqlFile


@dataclass(frozen=True)
class ProductBundle:
    spec: Product
    path: Path  # the product.yaml
    contracts: Mapping[str, Contract]  # output port name -> its contract
    event_contracts: Mapping[str, Contract]  # pubsub input port name -> payload contract
    sql: Mapping[str, SqlFile]  # SQL path as written in the spec -> parsed file

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def folder(self) -> Path:
        return self.path.parent

    def input_fields(self, port: str) -> tuple[BigQueryField, ...]:
        """The columns one of the product's own input ports holds: a sheet's or a federated
        query's declared columns, a Pub/Sub port's event contract; () when it declares none
        (a data-product input: the upstream contract holds them)."""
        event = self.event_contracts.get(port)
        if event is not None:
            return event.fields
        spec = self.spec.input_port(port)
        return tuple(source_field(c) for c in spec.declared_columns()) if spec else ()


def source_field(column: SourceColumn) -> BigQueryField:
    return BigQueryField(
        column.name, column.type, "REQUIRED" if column.required else "NULLABLE", column.description
    )


@dataclass(frozen=True, order=True)
class Edge:
    """Lineage: `consumer` reads `producer`'s `output_port` through `input_port`."""

    producer: str
    output_port: str
    consumer: str
    input_port: str
