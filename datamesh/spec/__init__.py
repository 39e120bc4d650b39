"""The spec layer: product specs, contracts and the mesh graph. No Pulumi here."""

from datamesh.spec.bundle import Edge, ProductBundle
from datamesh.spec.contract import BigQueryField, Contract
from datamesh.spec.errors import SpecError, SpecIssue
from datamesh.spec.mesh import Mesh, load_mesh
from datamesh.spec.product import Product

__all__ = [
    "BigQueryField",
    "Contract",
    "Edge",
    "Mesh",
    "Product",
    "ProductBundle",
    "SpecError",
    "SpecIssue",
    "load_mesh",
]
