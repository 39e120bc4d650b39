"""Input kind `data-product`: another product's output port."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

from model.kinds.base import InputKind, LocalRows, Upstream
from model.spec_types import ProductId, Slug, Text


class DataProductInput(InputKind):
    """Another product's output port."""

    local_rows: ClassVar[LocalRows] = "upstream"

    kind: Literal["data-product"]
    name: Slug
    description: Text | None = None
    product: ProductId
    port: Slug

    def upstream(self) -> Upstream:
        return Upstream(self.product, self.port)

    def source(self) -> str:
        return f"{self.product}.{self.port}"


def data_product_inputs(ports: Iterable[InputKind]) -> list[DataProductInput]:
    """The ports that read another product."""
    return [p for p in ports if isinstance(p, DataProductInput)]
