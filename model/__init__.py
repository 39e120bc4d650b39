"""The spec layer: product specs, contracts and the mesh graph. No Pulumi here."""

from model.bundle import Edge, ProductBundle
from model.contract import BigQueryField, Contract
from model.errors import SpecError, SpecIssue
from model.mesh import Mesh, load_mesh
from model.product import Product

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
