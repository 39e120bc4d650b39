"""`datamesh:index:DataProduct`: a validated product spec turned into a complete,
governed data product.

Parts are built in dependency order (storage, input ports, output tables and
topics, the transformation with its views, discovery, control), each from a
table that maps the spec's kind to the part that provisions it. Every part
gets its own complete arguments; nothing is filled in later.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
import pulumi_gcp as gcp

from components.control import ControlPort, ControlPortArgs, Watched
from components.discovery import Discovery, DiscoveryArgs
from components.input_data_product import DataProductInputPort, DataProductInputPortArgs
from components.input_federated import (
    FederatedInputPort,
    FederatedInputPortArgs,
    credentials_key,
)
from components.input_pubsub import PubSubInputPort, PubSubInputPortArgs
from components.input_sheet import GoogleSheetInputPort, GoogleSheetInputPortArgs
from components.options import child
from components.output_ports import (
    TableOutputPort,
    TableOutputPortArgs,
    TopicOutputPort,
    TopicOutputPortArgs,
    ViewOutputPort,
    ViewOutputPortArgs,
)
from components.placement import Placement, StorageRef
from components.references import PortReference, fq_table
from components.sql_render import external_query, render_sql, write_script
from components.storage import ProductStorage, ProductStorageArgs
from components.transform_dataflow import (
    DataflowTransformation,
    DataflowTransformationArgs,
    PipelineWiring,
)
from components.transform_scheduled_query import (
    ScheduledQueryTransformation,
    ScheduledQueryTransformationArgs,
)
from components.transform_views import ViewsTransformation, ViewsTransformationArgs
from model import ProductBundle
from model import conventions as conv
from model.governance import PortFacts
from model.product import (
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
from model.sql import OWN_INPUT, PortRef, SqlFile
from model.stack_settings import StackSettings


@dataclass(frozen=True)
class DataProductArgs:
    bundle: ProductBundle  # the validated spec with its contracts and SQL
    settings: StackSettings  # the validated stack that deploys it
    upstream: Mapping[str, PortReference]  # data-product input port -> resolved port
    project_number: pulumi.Input[str]  # of the stack's project (names service agents)
    federated_credentials: Mapping[str, pulumi.Input[Mapping[str, str]]] = field(
        default_factory=dict
    )
    template_metadata: Mapping[str, Any] = field(default_factory=dict)  # metadata.json
    facts: Mapping[str, PortFacts] = field(default_factory=dict)  # output port -> lineage facts


def placement_of(bundle: ProductBundle, settings: StackSettings) -> Placement:
    spec = bundle.spec
    return Placement(
        product=spec.id,
        domain=spec.domain,
        owner_team=spec.owner.team,
        environment=settings.environment,
        project=settings.project,
        region=settings.region,
        location=settings.location,
        kms_key=settings.kms_key,
    )


@dataclass
class _Build:
    """What the product has built so far, for the parts that come after."""

    component: DataProduct
    name: str
    args: DataProductArgs
    at: Placement
    storage: StorageRef
    pubsub: dict[str, PubSubInputPort] = field(default_factory=dict)
    sheets: dict[str, GoogleSheetInputPort] = field(default_factory=dict)
    federated: dict[str, FederatedInputPort] = field(default_factory=dict)
    tables: dict[str, gcp.bigquery.Table] = field(default_factory=dict)
    views: dict[str, gcp.bigquery.Table] = field(default_factory=dict)
    topics: dict[str, gcp.pubsub.Topic] = field(default_factory=dict)
    watched: Watched = field(default_factory=Watched)

    @property
    def bundle(self) -> ProductBundle:
        return self.args.bundle

    def opts(self) -> pulumi.ResourceOptions:
        return child(self.component)

    def resolved(self, sql: SqlFile) -> dict[PortRef, pulumi.Input[str]]:
        """Every placeholder of `sql` as the table (or external query) this stack deploys."""
        out: dict[PortRef, pulumi.Input[str]] = {}
        for ref in sql.refs:
            if ref.product == OWN_INPUT and ref.port in self.sheets:
                t = self.sheets[ref.port].table
                out[ref] = fq_table(t.project, t.dataset_id, t.table_id)
            elif ref.product == OWN_INPUT and ref.port in self.federated:
                port = self.bundle.spec.input_port(ref.port)
                assert isinstance(port, FederatedInput)  # checked by the model
                out[ref] = self.federated[ref.port].connection_name.apply(
                    functools.partial(external_query, query=port.query)
                )
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


# ---- input ports -------------------------------------------------------------------


def _pubsub_input(b: _Build, port: PubSubInput) -> None:
    b.pubsub[port.name] = PubSubInputPort(
        f"{b.name}-in-{port.name}",
        PubSubInputPortArgs(
            b.at,
            port,
            b.bundle.event_contracts[port.name],
            b.storage.identity,
            b.args.project_number,
        ),
        b.opts(),
    )


def _sheet_input(b: _Build, port: GoogleSheetInput) -> None:
    b.sheets[port.name] = GoogleSheetInputPort(
        f"{b.name}-in-{port.name}",
        GoogleSheetInputPortArgs(b.at, port, b.storage.dataset_id),
        b.opts(),
    )


def _federated_input(b: _Build, port: FederatedInput) -> None:
    key = credentials_key(b.at.product, port.name)
    creds = b.args.federated_credentials.get(key)
    if creds is None:
        raise pulumi.RunError(
            f"{b.at.product}: input port {port.name!r} needs credentials: run "
            f"`pulumi config set --secret --path "
            f"'data-mesh:federatedCredentials.{key}.password' ...` (and `.username`)"
        )
    b.federated[port.name] = FederatedInputPort(
        f"{b.name}-in-{port.name}",
        FederatedInputPortArgs(b.at, port, creds, b.storage.identity),
        b.opts(),
    )


def _data_product_input(b: _Build, port: DataProductInput) -> None:
    DataProductInputPort(
        f"{b.name}-in-{port.name}",
        DataProductInputPortArgs(b.at, port, b.args.upstream[port.name], b.storage.identity),
        b.opts(),
    )


INPUT_PARTS: dict[type, Callable[[_Build, Any], None]] = {
    PubSubInput: _pubsub_input,
    GoogleSheetInput: _sheet_input,
    FederatedInput: _federated_input,
    DataProductInput: _data_product_input,
}

# ---- output ports (views are made by the views transformation: they need its SQL) ---


def _table_output(b: _Build, port: TableOutput) -> None:
    settings = b.args.settings
    b.tables[port.name] = TableOutputPort(
        f"{b.name}-out-{port.name}",
        TableOutputPortArgs(
            b.at,
            port,
            b.bundle.contracts[port.name],
            b.storage.dataset_id,
            b.storage.identity,
            tuple(settings.tenants),
            settings.policy_tags,
            b.args.facts.get(port.name),
        ),
        b.opts(),
    ).table


def _topic_output(b: _Build, port: TopicOutput) -> None:
    b.topics[port.name] = TopicOutputPort(
        f"{b.name}-out-{port.name}",
        TopicOutputPortArgs(b.at, port, b.bundle.contracts[port.name]),
        b.opts(),
    ).topic


def _no_part(b: _Build, port: ViewOutput) -> None:
    """View ports are built by the views transformation."""


OUTPUT_PARTS: dict[type, Callable[[_Build, Any], None]] = {
    TableOutput: _table_output,
    TopicOutput: _topic_output,
    ViewOutput: _no_part,
}

# ---- transformations ---------------------------------------------------------------


def _dataflow(b: _Build, t: DataflowFlexTemplate) -> None:
    settings = b.args.settings

    def table_ref(project: Any, dataset: Any, table: Any) -> pulumi.Output[str]:
        return pulumi.Output.concat(project, ":", dataset, ".", table)

    out = b.tables[t.output_port]
    wiring = PipelineWiring(
        input_subscription=b.pubsub[t.input_port].subscription_path,
        output_table=table_ref(out.project, out.dataset_id, out.table_id),
        side_inputs={
            f"{conv.sql_name(name)}_table": table_ref(ref.project, ref.dataset_id, ref.resource_id)
            for name, ref in sorted(b.args.upstream.items())
        },
        template_metadata=b.args.template_metadata,
    )
    flow = DataflowTransformation(
        f"{b.name}-transform",
        DataflowTransformationArgs(
            b.at,
            t,
            wiring,
            b.storage.dataset_id,
            b.storage.identity,
            settings.pipeline_image_tag,
            settings.subnetwork,
        ),
        b.opts(),
    )
    b.watched = replace(b.watched, dataflow_job=flow.job)


def _scheduled_queries(b: _Build, t: ScheduledQueries) -> None:
    queries: dict[str, pulumi.Input[str]] = {}
    for q in t.queries:
        sql = b.bundle.sql[q.sql]
        table = b.tables[q.destination_port]
        queries[q.name] = write_script(
            fq_table(table.project, table.dataset_id, table.table_id),
            [f.name for f in b.bundle.contracts[q.destination_port].fields],
            render_sql(sql, b.resolved(sql)),
            q.write_disposition,
        )
    sq = ScheduledQueryTransformation(
        f"{b.name}-transform",
        ScheduledQueryTransformationArgs(
            b.at,
            t,
            queries,
            b.tables,
            b.storage.service_account_name,
            b.args.project_number,
        ),
        b.opts(),
    )
    b.watched = replace(b.watched, transfer_configs=list(sq.configs.values()))


def _views(b: _Build, t: Views) -> None:
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


TRANSFORMATIONS: dict[type, Callable[[_Build, Any], None]] = {
    DataflowFlexTemplate: _dataflow,
    ScheduledQueries: _scheduled_queries,
    Views: _views,
}


class DataProduct(pulumi.ComponentResource):
    """One data product. `registry` is its entry in the stack's mesh registry."""

    registry: pulumi.Output[dict[str, Any]]
    ports: dict[str, PortReference]

    def __init__(
        self, name: str, args: DataProductArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.DATA_PRODUCT, name, None, opts)
        spec, settings = args.bundle.spec, args.settings
        at = placement_of(args.bundle, settings)
        owner_group = settings.owner_group(spec.owner.team, spec.owner.group)
        storage = ProductStorage(
            f"{name}-storage",
            ProductStorageArgs(at, spec.name, spec.description, owner_group),
            child(self),
        )
        b = _Build(self, name, args, at, storage.ref)

        for in_port in spec.input_ports:
            INPUT_PARTS[type(in_port)](b, in_port)
        for out_port in spec.output_ports:
            OUTPUT_PARTS[type(out_port)](b, out_port)
        b.watched = Watched(
            subscriptions={k: v.subscription for k, v in b.pubsub.items()},
            dead_letter_subscriptions={k: v.dead_letter_subscription for k, v in b.pubsub.items()},
            tables=dict(b.tables),
        )
        TRANSFORMATIONS[type(spec.transformation)](b, spec.transformation)

        self.ports = {}
        served: dict[str, pulumi.Resource] = {**b.tables, **b.views, **b.topics}
        for out_port in spec.output_ports:
            self.ports[out_port.name] = PortReference(
                product=spec.id,
                port=out_port.name,
                kind=out_port.kind,
                project=at.project,
                dataset_id=at.dataset_id,
                resource_id=out_port.physical_name,
                tenant_column=getattr(out_port, "tenant_column", None),
                resource=served[out_port.name],
            )
        Discovery(
            f"{name}-discovery",
            DiscoveryArgs(
                at,
                spec.name,
                spec.description,
                owner_group,
                spec.output_ports,
                {**b.tables, **b.views},
                [t.group for t in settings.tenants],
            ),
            child(self),
        )
        ControlPort(
            f"{name}-control",
            ControlPortArgs(
                at,
                owner_group,
                spec.owner.contact,
                settings.notification_emails,
                spec.slos.freshness_minutes,
                spec.output_ports,
                args.bundle.contracts,
                b.watched,
            ),
            child(self),
        )
        self.registry = pulumi.Output.from_input(
            _registry_entry(args.bundle, at, owner_group, self.ports)
        )
        self.register_outputs({"registry": self.registry})


def _registry_entry(
    bundle: ProductBundle, at: Placement, owner_group: str, ports: Mapping[str, PortReference]
) -> dict[str, Any]:
    spec = bundle.spec
    return {
        "domain": spec.domain,
        "owner": spec.owner.team,
        "ownerGroup": owner_group,
        "alignment": spec.alignment.value,
        "project": at.project,
        "datasetId": at.dataset_id,
        "dataset": f"{at.project}.{at.dataset_id}",
        "serviceAccount": at.service_account_email,
        "outputPorts": {
            name: {
                "kind": ref.kind,
                "project": ref.project,
                "datasetId": ref.dataset_id,
                "resourceId": ref.resource_id,
                "fqn": pulumi.Output.concat(ref.project, ".", ref.dataset_id, ".", ref.resource_id),
                "contractId": bundle.contracts[name].id,
                "contractVersion": bundle.contracts[name].version,
                "tenantColumn": ref.tenant_column,
            }
            for name, ref in sorted(ports.items())
        },
        # What the product reads, so a producer's contract diff in another repository
        # knows its deployed readers (`datamesh diff`, data-mesh:offlineRegistries).
        "inputPorts": {
            port.name: {"product": port.product, "port": port.port}
            for port in spec.data_product_inputs
        },
    }
