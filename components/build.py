"""What a data product has built so far, handed to each kind's part in turn.

`DataProduct` builds storage, then each input port, output port and the
transformation by calling `build(b, spec)` of the kind's module in
`components/kinds/` (`part_of`). A part adds what later parts need here: a
table, a topic, what the product's SQL reads for one of its own inputs.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.options import child
from components.placement import Placement, StorageRef
from components.references import PortReference, fq_table
from model import ProductBundle
from model.governance import PortFacts
from model.sql import OWN_INPUT, PortRef, SqlFile
from model.stack_settings import StackSettings


@dataclass(frozen=True)
class PipelineSource:
    """A Dataflow product's pipeline as the program read it (components read no files)."""

    folder: str  # the image's build context, with its Dockerfile
    tag: str  # digest of the folder's files (model/pipeline_image.py)
    metadata: Mapping[str, Any]  # its metadata.json


@dataclass(frozen=True)
class DataProductArgs:
    bundle: ProductBundle  # the validated spec with its contracts and SQL
    settings: StackSettings  # the validated stack that deploys it
    upstream: Mapping[str, PortReference]  # data-product input port -> resolved port
    project_number: pulumi.Input[str]  # of the stack's project (names service agents)
    federated_credentials: Mapping[str, pulumi.Input[Mapping[str, str]]] = field(
        default_factory=dict
    )
    pipeline: PipelineSource | None = None  # a Dataflow product's pipeline folder
    facts: Mapping[str, PortFacts] = field(default_factory=dict)  # output port -> lineage facts


@dataclass
class Build:
    component: pulumi.ComponentResource
    name: str
    args: DataProductArgs
    at: Placement
    storage: StorageRef
    sql_inputs: dict[str, pulumi.Input[str]] = field(default_factory=dict)  # {{ input.<port> }}
    subscriptions: dict[str, gcp.pubsub.Subscription] = field(default_factory=dict)
    subscription_paths: dict[str, pulumi.Output[str]] = field(default_factory=dict)
    dead_letters: dict[str, gcp.pubsub.Subscription] = field(default_factory=dict)
    tables: dict[str, gcp.bigquery.Table] = field(default_factory=dict)
    views: dict[str, gcp.bigquery.Table] = field(default_factory=dict)
    topics: dict[str, gcp.pubsub.Topic] = field(default_factory=dict)

    @property
    def bundle(self) -> ProductBundle:
        return self.args.bundle

    def opts(self) -> pulumi.ResourceOptions:
        return child(self.component)

    def resolved(self, sql: SqlFile) -> dict[PortRef, pulumi.Input[str]]:
        """Every placeholder of `sql` as the table (or external query) this stack deploys."""
        out: dict[PortRef, pulumi.Input[str]] = {}
        for ref in sql.refs:
            if ref.product == OWN_INPUT:
                out[ref] = self.sql_inputs[ref.port]
            elif ref.product == self.at.product:
                t = self.tables[ref.port]
                out[ref] = fq_table(t.project, t.dataset_id, t.table_id)
            else:
                out[ref] = self.upstream_port(ref).fq_table()
        return out

    def upstream_port(self, ref: PortRef) -> PortReference:
        for resolved in self.args.upstream.values():
            if (resolved.product, resolved.port) == (ref.product, ref.port):
                return resolved
        raise pulumi.RunError(f"{self.at.product}: {ref} is not a resolved input port")


def part_of(kind: str, what: str = "build") -> Any:
    """`build` (or another function) of a kind's Pulumi part: `components/kinds/<kind>.py`,
    named like the kind's module in `model/kinds/`."""
    module = importlib.import_module(f"components.kinds.{kind.replace('-', '_')}")
    return getattr(module, what)
