"""A product spec together with the files it points at, all checked."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from model.contract import Contract
from model.product import OutputPort, Product
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

    def port_contract(self, port: OutputPort) -> Contract:
        return self.contracts[port.name]


@dataclass(frozen=True, order=True)
class Edge:
    """Lineage: `consumer` reads `producer`'s `output_port` through `input_port`."""

    producer: str
    output_port: str
    consumer: str
    input_port: str
