"""Input kind `data-product`: read access to an upstream output port for this product's
identity, on that port only, granted as the upstream port's kind grants readers
(`grant_reader` of its part: table-level IAM, never the dataset; a subscription)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components.build import Build, part_of
from components.placement import Placement
from components.references import PortReference
from components.serving import Reader, ReaderGrant
from model import conventions as conv
from model.product import DataProductInput


@dataclass(frozen=True)
class DataProductInputPortArgs:
    placement: Placement
    port: DataProductInput
    upstream: PortReference  # the resolved output port it reads
    identity: pulumi.Input[str]  # the product's identity: the reader


class DataProductInputPort(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: DataProductInputPortArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.DATA_PRODUCT_INPUT_PORT, name, None, opts)
        at, port, upstream = args.placement, args.port, args.upstream
        depends = [upstream.resource] if upstream.resource is not None else []
        grant: ReaderGrant = part_of(upstream.kind, "grant_reader")
        grant(Reader(name, self, at, port.name, upstream, args.identity, depends))
        self.register_outputs(
            {"upstream": pulumi.Output.concat(upstream.product, ".", upstream.port)}
        )


def build(b: Build, port: DataProductInput) -> None:
    DataProductInputPort(
        f"{b.name}-in-{port.name}",
        DataProductInputPortArgs(b.at, port, b.args.upstream[port.name], b.storage.identity),
        b.opts(),
    )
