"""Build every product a stack deploys, in dependency order, and resolve the
ports they read: from this stack's components or another stack's registry."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import pulumi

from components.build import PipelineSource
from components.data_product import DataProduct, DataProductArgs
from components.references import PortReference, registry_port
from components.scanner import QualityScanner, QualityScannerArgs
from model import Mesh
from model import conventions as conv
from model.conventions import REGISTRY_OUTPUT
from model.governance import port_facts
from model.stack_settings import StackSettings


def _entry(registry: Any, product: str, stack: str) -> Any:
    if not isinstance(registry, dict) or product not in registry:
        raise pulumi.RunError(f"stack {stack} does not export {product} in its {REGISTRY_OUTPUT}")
    return registry[product]


def build_mesh(
    mesh: Mesh,
    settings: StackSettings,
    project_number: pulumi.Input[str],
    federated_credentials: Mapping[str, pulumi.Input[Mapping[str, str]]],
    pipelines: Mapping[str, PipelineSource],
) -> dict[str, pulumi.Output[dict[str, Any]]]:
    """Returns the registry entries of the products built here."""
    built: dict[str, DataProduct] = {}
    stacks: dict[str, pulumi.StackReference] = {}
    for pid in mesh.order:
        if pid not in settings.products:
            continue
        upstream = _upstream(mesh, settings, pid, built, stacks)
        built[pid] = DataProduct(
            pid,
            DataProductArgs(
                bundle=mesh[pid],
                settings=settings,
                upstream=upstream,
                project_number=project_number,
                federated_credentials=federated_credentials,
                pipeline=pipelines.get(pid),
                facts={
                    port.name: port_facts(mesh[pid], port.name, mesh.products, mesh.lineage)
                    for port in mesh[pid].spec.output_ports
                    if port.serves_rows
                },
            ),
        )
    _quality_scanner(mesh, settings, project_number)
    return {pid: product.registry for pid, product in built.items()}


def _upstream(
    mesh: Mesh,
    settings: StackSettings,
    pid: str,
    built: Mapping[str, DataProduct],
    stacks: dict[str, pulumi.StackReference],
) -> dict[str, PortReference]:
    """Each data-product input port of `pid` resolved: a product built here, or another
    stack's registry (one StackReference per stack)."""
    upstream: dict[str, PortReference] = {}
    for edge in mesh.upstream(pid):
        port = mesh.output_port(edge.producer, edge.output_port)
        if edge.producer in built:
            upstream[edge.input_port] = built[edge.producer].ports[edge.output_port]
            continue
        owner = settings.external_products[edge.producer].stack
        if owner not in stacks:
            stacks[owner] = pulumi.StackReference(owner)
        entry = (
            stacks[owner]
            .get_output(REGISTRY_OUTPUT)
            .apply(functools.partial(_entry, product=edge.producer, stack=owner))
        )
        upstream[edge.input_port] = registry_port(
            edge.producer, edge.output_port, port.kind, port.tenant_column, entry
        )
    return upstream


def _quality_scanner(
    mesh: Mesh, settings: StackSettings, project_number: pulumi.Input[str]
) -> None:
    tags, checkers = scanned_tags(mesh, settings)
    if tags:
        QualityScanner(
            "quality-scanner",
            QualityScannerArgs(
                pulumi.Output.concat(
                    "serviceAccount:service-",
                    project_number,
                    f"@{conv.DATAPLEX_AGENT}.iam.gserviceaccount.com",
                ),
                tags,
                checkers,
            ),
        )


def scanned_tags(
    mesh: Mesh, settings: StackSettings
) -> tuple[dict[str, str], dict[str, tuple[str, frozenset[str]]]]:
    """classification -> policy tag, for every tag a column of a scanned table (a table
    port the stack deploys) carries, by its contract or by what it derives from; and
    product -> (its identity, the tagged classifications of its own tables)."""
    used: dict[str, set[str]] = {}
    for pid in settings.products:
        for port in mesh[pid].spec.output_ports:
            if not port.stores_rows:
                continue
            facts = port_facts(mesh[pid], port.name, mesh.products, mesh.lineage)
            fields = mesh[pid].contracts[port.name].fields
            classes = {f.classification for f in fields if f.classification}
            classes |= set(facts.required_classifications.values())
            used.setdefault(pid, set()).update(c for c in classes if c in settings.policy_tags)
    tags = {c: t for c, t in settings.policy_tags.items() if any(c in u for u in used.values())}
    checkers = {
        pid: (
            f"serviceAccount:{conv.service_account_email(pid, settings.project)}",
            frozenset(classes),
        )
        for pid, classes in used.items()
        if classes
    }
    return tags, checkers
