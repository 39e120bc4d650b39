"""`datamesh:index:DataProduct`: a validated product spec turned into a complete,
governed data product.

Parts are built in dependency order (storage, input ports, output tables and
topics, the transformation with its views, discovery, control), each by the
Pulumi part of its kind (`components/kinds/`, found by `part_of`). Every part
gets its own complete arguments; nothing is filled in later.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pulumi

from components.build import Build, DataProductArgs, part_of
from components.control import ControlPort, ControlPortArgs, Watched
from components.discovery import Discovery, DiscoveryArgs
from components.options import child
from components.placement import Placement
from components.references import PortReference
from components.storage import ProductStorage, ProductStorageArgs
from model import ProductBundle
from model import conventions as conv
from model.stack_settings import StackSettings

__all__ = ["DataProduct", "DataProductArgs", "placement_of"]


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
        b = Build(self, name, args, at, storage.ref)
        watched = self._ports_and_transformation(b)
        self.ports = self._references(b)
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
                watched,
            ),
            child(self),
        )
        self.registry = pulumi.Output.from_input(
            _registry_entry(args.bundle, at, owner_group, self.ports)
        )
        self.register_outputs({"registry": self.registry})

    @staticmethod
    def _ports_and_transformation(b: Build) -> Watched:
        """Each port and the transformation by its kind's part; what the control port
        watches: the transformation's running parts, the subscriptions, the tables."""
        spec = b.bundle.spec
        for in_port in spec.input_ports:
            part_of(in_port.kind)(b, in_port)
        for out_port in spec.output_ports:
            part_of(out_port.kind)(b, out_port)
        running: Watched = part_of(spec.transformation.kind)(b, spec.transformation)
        return replace(
            running,
            subscriptions=dict(b.subscriptions),
            dead_letter_subscriptions=dict(b.dead_letters),
            tables=dict(b.tables),
        )

    @staticmethod
    def _references(b: Build) -> dict[str, PortReference]:
        served: dict[str, pulumi.Resource] = {**b.tables, **b.views, **b.topics}
        return {
            port.name: PortReference(
                product=b.at.product,
                port=port.name,
                kind=port.kind,
                project=b.at.project,
                dataset_id=b.at.dataset_id,
                resource_id=port.physical_name,
                tenant_column=port.tenant_column,
                resource=served[port.name],
            )
            for port in b.bundle.spec.output_ports
        }


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
