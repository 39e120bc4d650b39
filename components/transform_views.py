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

from components.options import iam
from components.references import PortReference
from model import conventions as conv


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
