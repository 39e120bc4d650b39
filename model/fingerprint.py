"""A digest of the files that define some products: what a local run was made from, so a
later tool (the catalog) can tell a run of an older mesh from a run of this one."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

from model.mesh import Mesh


def _files(mesh: Mesh, product: str) -> list[Path]:
    bundle = mesh[product]
    contracts = [c.path for c in (*bundle.contracts.values(), *bundle.event_contracts.values())]
    return [bundle.path, *contracts, *(s.path for s in bundle.sql.values())]


def mesh_digest(mesh: Mesh, products: Iterable[str]) -> str:
    """sha256 over the product.yaml, contract and SQL files of `products`, by product id and
    file name (not by folder, so a copy of the repository gives the same digest)."""
    digest = hashlib.sha256()
    for pid in sorted(set(products)):
        for path in sorted(_files(mesh, pid), key=lambda p: p.relative_to(mesh[pid].folder)):
            digest.update(f"{pid}/{path.relative_to(mesh[pid].folder).as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()
