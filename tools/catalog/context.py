"""What every page of the catalog is built from: the mesh, the stack, the optional local
run, the products shown, and where each page lives."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from plotly.io.json import to_json_plotly

from model.lineage import PORT, ColumnRef
from model.mesh import Mesh
from model.stack_settings import StackSettings
from tools.catalog.run_data import RunData


@dataclass(frozen=True)
class Site:
    mesh: Mesh
    settings: StackSettings
    stack: str
    run: RunData | None
    products: list[str]  # the stack's products and the ones they read, in lineage order
    # `datamesh check --json` of the deployed stack: (product, port) -> its checks
    deployed: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    @cached_property
    def readers(self) -> dict[ColumnRef, set[ColumnRef]]:
        """Column -> the columns of other ports that derive from it directly."""
        out: dict[ColumnRef, set[ColumnRef]] = {}
        for (p, q), lineage in self.mesh.lineage.items():
            for column, refs in lineage.columns.items():
                for parent in refs:
                    out.setdefault(parent, set()).add(ColumnRef(PORT, p, q, column))
        return out

    def url(self, product: str, port: str = "") -> str:
        """A page, relative to the site's root."""
        return f"products/{product}.html" + (f"#port-{port}" if port else "")

    def lineage_url(self, product: str, port: str) -> str:
        return f"lineage/{product}--{port}.html"

    def deployed_by(self, product: str) -> str:
        if product in self.settings.products:
            return f"this stack ({self.stack})"
        external = self.settings.external_products.get(product)
        return f"stack {external.stack}" if external else "not deployed by this stack"


def script_json(value: Any) -> str:
    """JSON safe inside a <script> element: no `</script>` can close it early."""
    text: str = to_json_plotly(value)
    return text.replace("<", "\\u003c")


def script_var(name: str, value: Any) -> str:
    return f"window.{name} = {script_json(value)};\n"
