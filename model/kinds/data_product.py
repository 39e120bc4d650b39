"""Input kind `data-product`: another product's output port."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar, Literal

from model.kinds.base import InputKind, LocalRows, Upstream
from model.kinds.scaffold import InputScaffold, NewProduct
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

    @classmethod
    def scaffold(cls, name: str, new: NewProduct) -> InputScaffold:
        up = new.upstream[name]
        spec = {"name": name, "kind": "data-product", "product": up.product, "port": up.port}
        return InputScaffold(
            spec,
            up.columns,
            sql_ref=f"{{{{ {up.product}.{up.port} }}}}",
            tenant_column=up.tenant_column,
            classifications=up.classifications,
            reads_product=True,
        )


def data_product_inputs(ports: Iterable[InputKind]) -> list[DataProductInput]:
    """The ports that read another product."""
    return [p for p in ports if isinstance(p, DataProductInput)]
