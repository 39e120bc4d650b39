"""`datamesh:index:DataProduct`: a validated product spec turned into a complete,
governed data product. Parts are built in dependency order: storage, input
ports, output tables, transformation (then views), discovery, control."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.context import TOKEN_PREFIX, ProductContext, child
from components.control import ControlPort, Watched
from components.discovery import Discovery
from components.input_data_product import DataProductInputPort
from components.input_federated import FederatedInputPort, credentials_key
from components.input_pubsub import PubSubInputPort
from components.input_sheet import GoogleSheetInputPort
from components.output_ports import TableOutputPort, TopicOutputPort, ViewOutputPort
from components.references import PortReference, fq_table
from components.storage import ProductStorage
from components.transform_dataflow import DataflowTransformation, PipelineWiring
from components.transform_scheduled_query import ScheduledQueryTransformation
from components.transform_views import ViewsTransformation
from datamesh.spec.product import (
    DataflowFlexTemplate,
    DataProductInput,
    FederatedInput,
    GoogleSheetInput,
    PubSubInput,
    ScheduledQueries,
    TableOutput,
    TopicOutput,
    ViewOutput,
    Views,
)
from datamesh.spec.sql import OWN_INPUT, PortRef, SqlFile


@dataclass(frozen=True)
class DataProductArgs:
    ctx: ProductContext
    upstream: Mapping[str, PortReference]  # data-product input port name -> resolved port
    template_metadata: Mapping[str, Any] = field(default_factory=dict)


class DataProduct(pulumi.ComponentResource):
    """One data product. `registry` is its entry in the stack's mesh registry."""

    registry: pulumi.Output[dict[str, Any]]
    ports: dict[str, PortReference]

    def __init__(
        self, name: str, args: DataProductArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(f"{TOKEN_PREFIX}DataProduct", name, None, opts)
        spec = args.ctx.bundle.spec
        storage_part = ProductStorage(f"{name}-storage", args.ctx, child(self))
        ctx = replace(
            args.ctx,
            dataset=storage_part.dataset,
            service_account=storage_part.service_account,
            identity=storage_part.service_account.email.apply(lambda e: f"serviceAccount:{e}"),
        )

        # Input ports.
        pubsub: dict[str, PubSubInputPort] = {}
        sheets: dict[str, GoogleSheetInputPort] = {}
        federated: dict[str, FederatedInputPort] = {}
        for port in spec.input_ports:
            part = f"{name}-in-{port.name}"
            if isinstance(port, PubSubInput):
                pubsub[port.name] = PubSubInputPort(part, ctx, port, child(self))
            elif isinstance(port, GoogleSheetInput):
                sheets[port.name] = GoogleSheetInputPort(part, ctx, port, child(self))
            elif isinstance(port, FederatedInput):
                creds = ctx.federated_credentials.get(credentials_key(spec.id, port.name))
                if creds is None:
                    raise pulumi.RunError(
                        f"{spec.id}: input port {port.name!r} needs credentials: run "
                        f"`pulumi config set --secret --path "
                        f"'data-mesh:federatedCredentials.{credentials_key(spec.id, port.name)}"
                        f".password' ...` (and `.username`)"
                    )
                federated[port.name] = FederatedInputPort(part, ctx, port, creds, child(self))
            elif isinstance(port, DataProductInput):
                DataProductInputPort(part, ctx, port, args.upstream[port.name], child(self))

        # Output tables and topics (views need their rendered SQL, below).
        tables: dict[str, gcp.bigquery.Table] = {}
        self.ports = {}
        for out in spec.output_ports:
            part = f"{name}-out-{out.name}"
            if isinstance(out, TableOutput):
                tables[out.name] = TableOutputPort(part, ctx, out, child(self)).table
            elif isinstance(out, TopicOutput):
                topic = TopicOutputPort(part, ctx, out, child(self)).topic
                self.ports[out.name] = _port_ref(ctx, out.name, "topic", out.physical_name, topic)

        def render(sql: SqlFile) -> pulumi.Output[str]:
            return _render_sql(ctx, sql, args.upstream, tables, sheets, federated)

        # Transformation.
        watched = Watched(
            subscriptions={k: v.subscription for k, v in pubsub.items()},
            dead_letter_subscriptions={k: v.dead_letter_subscription for k, v in pubsub.items()},
            tables=tables,
        )
        views: dict[str, gcp.bigquery.Table] = {}
        t = spec.transformation
        if isinstance(t, DataflowFlexTemplate):
            flow = DataflowTransformation(
                f"{name}-transform",
                ctx,
                t,
                _wiring(ctx, t, pubsub, tables, args),
                child(self),
            )
            watched = replace(watched, dataflow_job=flow.job)
        elif isinstance(t, ScheduledQueries):
            sq = ScheduledQueryTransformation(
                f"{name}-transform",
                ctx,
                t,
                {q.name: render(ctx.bundle.sql[q.sql]) for q in t.queries},
                tables,
                child(self),
            )
            watched = replace(watched, transfer_configs=list(sq.configs.values()))
        elif isinstance(t, Views):
            reads: dict[str, list[PortReference]] = {}
            for v in t.views:
                view_port = spec.output_port(v.port)
                assert isinstance(view_port, ViewOutput)
                sql = ctx.bundle.sql[v.sql]
                views[v.port] = ViewOutputPort(
                    f"{name}-out-{v.port}", ctx, view_port, render(sql), child(self)
                ).view
                reads[v.port] = [
                    _upstream_for(ref, args.upstream, spec.id)
                    for ref in sql.refs
                    if ref.product not in (OWN_INPUT, spec.id)
                ]
            ViewsTransformation(f"{name}-transform", ctx, views, reads, child(self))

        for port_name, table in {**tables, **views}.items():
            out_port = spec.output_port(port_name)
            assert out_port is not None
            self.ports[port_name] = _port_ref(
                ctx,
                port_name,
                out_port.kind,
                out_port.physical_name,
                table,
                getattr(out_port, "tenant_column", None),
            )
        Discovery(f"{name}-discovery", ctx, {**tables, **views}, child(self))
        ControlPort(f"{name}-control", ctx, watched, child(self))

        self.registry = pulumi.Output.from_input(_registry_entry(ctx, self.ports))
        self.register_outputs({"registry": self.registry})


def _port_ref(
    ctx: ProductContext,
    port: str,
    kind: str,
    physical: str,
    resource: pulumi.Resource,
    tenant_column: str | None = None,
) -> PortReference:
    return PortReference(
        product=ctx.id,
        port=port,
        kind=kind,
        project=ctx.project,
        dataset_id=ctx.dataset_id,
        resource_id=physical,
        tenant_column=tenant_column,
        resource=resource,
    )


def _upstream_for(
    ref: PortRef, upstream: Mapping[str, PortReference], product_id: str
) -> PortReference:
    for resolved in upstream.values():
        if (resolved.product, resolved.port) == (ref.product, ref.port):
            return resolved
    raise pulumi.RunError(f"{product_id}: {ref} is not a resolved input port")


def _render_sql(
    ctx: ProductContext,
    sql: SqlFile,
    upstream: Mapping[str, PortReference],
    tables: Mapping[str, gcp.bigquery.Table],
    sheets: Mapping[str, GoogleSheetInputPort],
    federated: Mapping[str, FederatedInputPort],
) -> pulumi.Output[str]:
    """Resolve the SQL's placeholders to fully qualified tables (or EXTERNAL_QUERY)."""
    values: dict[str, pulumi.Output[str]] = {}
    for ref in sql.refs:
        key = str(ref)
        if ref.product == OWN_INPUT and ref.port in sheets:
            t = sheets[ref.port].table
            values[key] = fq_table(t.project, t.dataset_id, t.table_id)
        elif ref.product == OWN_INPUT and ref.port in federated:
            port = ctx.bundle.spec.input_port(ref.port)
            assert isinstance(port, FederatedInput)
            query = port.query.replace('"""', '\\"\\"\\"')
            values[key] = federated[ref.port].connection_name.apply(
                functools.partial(_external_query, query=query)
            )
        elif ref.product == ctx.id:
            t = tables[ref.port]
            values[key] = fq_table(t.project, t.dataset_id, t.table_id)
        else:
            values[key] = _upstream_for(ref, upstream, ctx.id).fq_table()
    return pulumi.Output.all(**values).apply(
        lambda resolved: sql.render(lambda r: str(resolved[str(r)]))
    )


def _external_query(connection: str, query: str) -> str:
    return f'EXTERNAL_QUERY("{connection}", """{query}""")'


def _wiring(
    ctx: ProductContext,
    t: DataflowFlexTemplate,
    pubsub: Mapping[str, PubSubInputPort],
    tables: Mapping[str, gcp.bigquery.Table],
    args: DataProductArgs,
) -> PipelineWiring:
    def table_ref(project: Any, dataset: Any, table: Any) -> pulumi.Output[str]:
        return pulumi.Output.concat(project, ":", dataset, ".", table)

    out = tables[t.output_port]
    side_inputs = {
        f"{name.replace('-', '_')}_table": table_ref(ref.project, ref.dataset_id, ref.resource_id)
        for name, ref in sorted(args.upstream.items())
    }
    return PipelineWiring(
        input_subscription=pubsub[t.input_port].subscription.id,
        output_table=table_ref(out.project, out.dataset_id, out.table_id),
        side_inputs=side_inputs,
        template_metadata=args.template_metadata,
    )


def _registry_entry(ctx: ProductContext, ports: Mapping[str, PortReference]) -> dict[str, Any]:
    spec = ctx.bundle.spec
    return {
        "domain": spec.domain,
        "owner": spec.owner.team,
        "ownerGroup": ctx.owner_group,
        "alignment": spec.alignment.value,
        "project": ctx.project,
        "datasetId": ctx.dataset_id,
        "dataset": f"{ctx.project}.{ctx.dataset_id}",
        "serviceAccount": ctx.service_account_email,
        "outputPorts": {
            name: {
                "kind": ref.kind,
                "project": ref.project,
                "datasetId": ref.dataset_id,
                "resourceId": ref.resource_id,
                "fqn": pulumi.Output.concat(ref.project, ".", ref.dataset_id, ".", ref.resource_id),
                "contractId": ctx.bundle.contracts[name].id,
                "contractVersion": ctx.bundle.contracts[name].version,
                "tenantColumn": ref.tenant_column,
            }
            for name, ref in sorted(ports.items())
        },
    }
