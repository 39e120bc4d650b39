"""Views transformation: authorize the product's views on the upstream datasets
they read, so the views' readers need no access to upstream tables.

Each authorization is replaced together with its view: recreating a view drops
the dataset entries that name it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi
import pulumi_gcp as gcp

from components.context import TOKEN_PREFIX, ProductContext, iam
from components.references import PortReference


class ViewsTransformation(pulumi.ComponentResource):
    def __init__(
        self,
        name: str,
        ctx: ProductContext,
        views: Mapping[str, gcp.bigquery.Table],
        reads: Mapping[str, Sequence[PortReference]],
        opts: pulumi.ResourceOptions,
    ) -> None:
        """`views` maps a view port to its view; `reads` maps it to the upstream ports it reads."""
        super().__init__(f"{TOKEN_PREFIX}ViewsTransformation", name, None, opts)
        for port_name, view in views.items():
            seen: set[str] = set()
            for ref in reads.get(port_name, []):
                if ref.product in seen or ref.product == ctx.id:
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
