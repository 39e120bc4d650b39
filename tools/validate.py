"""`datamesh validate`: every product, contract and SQL file checked; the mesh in
dependency order."""

from __future__ import annotations

from pathlib import Path

from model import Mesh, load_mesh


def run_validate(products_dir: Path) -> Mesh:
    return load_mesh(products_dir)


def render_validate(mesh: Mesh, products_dir: Path) -> list[str]:
    ports = sum(len(b.spec.input_ports) + len(b.spec.output_ports) for b in mesh.ordered())
    lines = [
        f"Mesh in {products_dir}: {len(mesh.products)} products, {ports} ports, "
        f"{len(mesh.edges)} lineage edges — valid",
        "Products in dependency order:",
    ]
    width = max(len(pid) for pid in mesh.order)
    for n, bundle in enumerate(mesh.ordered(), start=1):
        spec = bundle.spec
        lines.append(
            f"  {n}. {spec.id:<{width}}  {spec.alignment.value:<9} domain={spec.domain} "
            f"owner={spec.owner.team} inputs={len(spec.input_ports)}"
        )
        for port in spec.output_ports:
            contract = bundle.contracts[port.name]
            lines.append(
                f"     {'':<{width}}  -> {port.name}: {port.kind} {port.physical_name} "
                f"(contract {contract.version})"
            )
    lines.append("Lineage:")
    lines += [
        f"  {edge.producer}.{edge.output_port} -> {edge.consumer} (input port {edge.input_port})"
        for edge in mesh.edges
    ]
    return lines
