"""Output kind `view`: a BigQuery view under its contract, with its readers. Built by
the `views` transformation, which holds its SQL."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.build import Build
from components.options import stateful
from components.placement import Placement
from components.serving import (
    grant_table_reader,
    grant_table_readers,
    port_props,
    port_table_args,
    readers,
)
from model import conventions as conv
from model.contract import Contract
from model.governance import PortFacts
from model.product import ViewOutput
from model.stack_settings import Tenant


@dataclass(frozen=True)
class ViewOutputPortArgs:
    placement: Placement
    port: ViewOutput
    contract: Contract
    dataset_id: pulumi.Input[str]
    query: pulumi.Input[str]  # the view's SQL, placeholders resolved
    tenants: Sequence[Tenant] = ()
    facts: PortFacts | None = None


class ViewOutputPort(pulumi.ComponentResource):
    view: gcp.bigquery.Table

    def __init__(
        self, name: str, args: ViewOutputPortArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        at, port, contract = args.placement, args.port, args.contract
        super().__init__(
            conv.VIEW_OUTPUT_PORT,
            name,
            port_props(contract, port.tenant_column, args.tenants, args.facts),
            opts,
        )
        self.view = gcp.bigquery.Table(
            f"{name}-view",
            **port_table_args(at, port, contract, args.dataset_id),
            view={"query": args.query, "use_legacy_sql": False},
            opts=stateful(self, at.protect),
        )
        members = readers(port.consumers, port.tenant_column, args.tenants)
        grant_table_readers(name, at.project, self, self.view, members)
        self.register_outputs({"tableId": self.view.table_id, "contract": contract.id})


def build(b: Build, port: ViewOutput) -> None:
    """Nothing yet: the views transformation builds the view (it needs the SQL)."""


grant_reader = grant_table_reader  # how another product is granted read
