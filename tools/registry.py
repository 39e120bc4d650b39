"""Registry files: what `pulumi stack output --json` prints for a mesh stack (its
`meshRegistry`: each product's output ports and the ports it reads). The offline plan
reads other stacks' from them, `datamesh check` a deployed stack's, the diff their readers."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from model import identifiers as ids
from model.conventions import REGISTRY_OUTPUT
from model.errors import InputProblem, SpecIssue
from model.files import read_json_object
from model.mesh import Mesh


class RegistryProblem(InputProblem):
    """A registry file that cannot be read or is not a mesh stack's outputs."""


_PORT_KEYS = ("project", "datasetId", "resourceId")


def registry_problem(path: Path, outputs: Mapping[str, Any]) -> SpecIssue | None:
    """A registry file is what `pulumi stack output --json` prints for a mesh stack."""
    registry = outputs.get(REGISTRY_OUTPUT)
    if not isinstance(registry, dict):
        return SpecIssue(path, REGISTRY_OUTPUT, "missing: the file holds no mesh registry")
    for product, entry in registry.items():
        where = f"{REGISTRY_OUTPUT}.{product}"
        ports = entry.get("outputPorts") if isinstance(entry, dict) else None
        if not isinstance(ports, dict):
            return SpecIssue(path, f"{where}.outputPorts", "must map port names to ports")
        for port, value in ports.items():
            if not isinstance(value, dict):
                return SpecIssue(path, f"{where}.outputPorts.{port}", "must be an object")
            for key in _PORT_KEYS:
                if not isinstance(value.get(key), str) or not value.get(key):
                    return SpecIssue(path, f"{where}.outputPorts.{port}.{key}", "must be text")
        reads = entry.get("inputPorts", {})  # older registries do not list them
        if not isinstance(reads, dict):
            return SpecIssue(path, f"{where}.inputPorts", "must map input port names to ports")
        for name, value in reads.items():
            if not (
                isinstance(value, dict)
                and all(isinstance(value.get(k), str) and value.get(k) for k in ("product", "port"))
            ):
                return SpecIssue(path, f"{where}.inputPorts.{name}", "must be {product, port}")
    return None


def read_registry(path: Path, root: Path | None = None) -> dict[str, Any]:
    """The registry a file holds, checked; raises FileProblem or RegistryProblem."""
    outputs = read_json_object(path, root=root)
    issue = registry_problem(path, outputs)
    if issue is not None:
        raise RegistryProblem(issue)
    registry: dict[str, Any] = outputs[REGISTRY_OUTPUT]
    return registry


def registry_ids_problem(path: Path, registry: Mapping[str, Any], mesh: Mesh) -> SpecIssue | None:
    """Before a registry's values reach a query: every product and port it names is one
    of the mesh, and project, dataset and table ids follow Google's id rules."""
    for product, entry in registry.items():
        where = f"{REGISTRY_OUTPUT}.{product}"
        if product not in mesh.products:
            return SpecIssue(path, where, f"unknown product {product!r}: not in the mesh")
        for port, value in (entry.get("outputPorts") or {}).items():
            at = f"{where}.outputPorts.{port}"
            spec = mesh[product].spec.output_port(port)
            if spec is None:
                return SpecIssue(path, at, f"{product} has no output port {port!r}")
            for key, rule, text in (
                ("project", ids.PROJECT_ID, ids.PROJECT_RULE),
                ("datasetId", ids.DATASET_ID, "a dataset id: letters, digits and underscores"),
                ("resourceId", ids.TABLE_ID if spec.serves_rows else ids.TOPIC_ID, "a table id"),
            ):
                if not rule.match(str(value.get(key))):
                    return SpecIssue(path, f"{at}.{key}", f"{value.get(key)!r} is not {text}")
    return None
