"""Views transformation: authorize the product's views on the upstream datasets
they read, so the views' readers need no access to upstream tables.

Each authorization is replaced together with its view: recreating a view drops
the dataset entries that name it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.build import Build
from components.control import Watched
from components.kinds.view import ViewOutputPort, ViewOutputPortArgs
from components.options import iam
from components.references import PortReference
from components.sql_render import render_sql
from model import conventions as conv
from model.product import ViewOutput, Views
from model.sql import OWN_INPUT


@dataclass(frozen=True)
class ViewsTransformationArgs:
    product: str
    views: Mapping[str, gcp.bigquery.Table]  # view port -> its view
    reads: Mapping[str, Sequence[PortReference]]  # view port -> upstream ports it reads


class ViewsTransformation(pulumi.ComponentResource):
    def __init__(
        self, name: str, args: ViewsTransformationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.VIEWS_TRANSFORMATION, name, None, opts)
        for port_name, view in args.views.items():
            seen: set[str] = set()
            for ref in args.reads.get(port_name, []):
                if ref.product in seen or ref.product == args.product:
                    continue  # one authorization per upstream dataset
                seen.add(ref.product)
                gcp.bigquery.DatasetAccess(
                    f"{name}-{port_name}-authorized-on-{ref.product}",
                    project=ref.project,
                    dataset_id=ref.dataset_id,
                    view={
                        "project_id": view.project,
                        "dataset_id": view.dataset_id,
                        "table_id": view.table_id,
                    },
                    opts=iam(self, replace_with=[view], depends_on=[view]),
                )
        self.register_outputs({})


def build(b: Build, t: Views) -> Watched:
    reads: dict[str, list[PortReference]] = {}
    for v in t.views:
        port = b.bundle.spec.output_port(v.port)
        assert isinstance(port, ViewOutput)  # checked by the model
        sql = b.bundle.sql[v.sql]
        b.views[v.port] = ViewOutputPort(
            f"{b.name}-out-{v.port}",
            ViewOutputPortArgs(
                b.at,
                port,
                b.bundle.contracts[port.name],
                b.storage.dataset_id,
                render_sql(sql, b.resolved(sql)),
                tuple(b.args.settings.tenants),
                b.args.facts.get(port.name),
            ),
            b.opts(),
        ).view
        reads[v.port] = [
            b.upstream_port(ref) for ref in sql.refs if ref.product not in (OWN_INPUT, b.at.product)
        ]
    ViewsTransformation(
        f"{b.name}-transform", ViewsTransformationArgs(b.at.product, b.views, reads), b.opts()
    )
    return Watched()
