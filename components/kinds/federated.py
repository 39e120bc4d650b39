"""Federated input port: a BigQuery connection to a Cloud SQL database.

Queries reach it through `EXTERNAL_QUERY`; the connection's own service agent
needs `cloudsql.client` on the instance's project, and the product's identity
needs `connectionUser` on the connection.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.build import Build
from components.options import child, iam
from components.placement import Placement
from components.sql_render import external_query
from model import conventions as conv
from model.product import FederatedInput


def credentials_key(product_id: str, port: str) -> str:
    """Key of the port's credentials in `data-mesh:federatedCredentials`."""
    return f"{product_id}/{port}"


@dataclass(frozen=True)
class FederatedInputPortArgs:
    placement: Placement
    port: FederatedInput
    credentials: pulumi.Input[Mapping[str, str]]  # {username, password}, secret
    identity: pulumi.Input[str]  # the product's identity: uses the connection


class FederatedInputPort(pulumi.ComponentResource):
    connection: gcp.bigquery.Connection
    connection_name: pulumi.Output[str]  # `project.location.connection`, for EXTERNAL_QUERY

    def __init__(
        self, name: str, args: FederatedInputPortArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.FEDERATED_INPUT_PORT, name, None, opts)
        at, port = args.placement, args.port
        creds = pulumi.Output.secret(args.credentials)
        self.connection = gcp.bigquery.Connection(
            f"{name}-connection",
            project=at.project,
            connection_id=f"{at.product}-{port.name}",
            location=at.location,
            friendly_name=f"{at.product} {port.name}",
            description=port.description,
            cloud_sql={
                "instance_id": port.instance,
                "database": port.database,
                "type": port.engine.value,
                "credential": {
                    "username": creds.apply(lambda c: str(c["username"])),
                    "password": creds.apply(lambda c: str(c["password"])),
                },
            },
            opts=child(self),
        )
        instance_project = port.instance.split(":", 1)[0]
        gcp.projects.IAMMember(
            f"{name}-connection-cloudsql-client",
            project=instance_project,
            role="roles/cloudsql.client",
            member=self.connection.cloud_sql.apply(
                lambda c: f"serviceAccount:{c.service_account_id}" if c else ""
            ),
            opts=iam(self),
        )
        gcp.bigquery.ConnectionIamMember(
            f"{name}-connection-user",
            project=at.project,
            location=at.location,
            connection_id=self.connection.connection_id,
            role="roles/bigquery.connectionUser",
            member=args.identity,
            opts=iam(self),
        )
        self.connection_name = pulumi.Output.concat(
            at.project, ".", at.location, ".", self.connection.connection_id
        )
        self.register_outputs({"connection": self.connection_name})


def build(b: Build, port: FederatedInput) -> None:
    key = credentials_key(b.at.product, port.name)
    creds = b.args.federated_credentials.get(key)
    if creds is None:
        raise pulumi.RunError(
            f"{b.at.product}: input port {port.name!r} needs credentials: run "
            f"`pulumi config set --secret --path "
            f"'data-mesh:federatedCredentials.{key}.password' ...` (and `.username`)"
        )
    part = FederatedInputPort(
        f"{b.name}-in-{port.name}",
        FederatedInputPortArgs(b.at, port, creds, b.storage.identity),
        b.opts(),
    )
    b.sql_inputs[port.name] = part.connection_name.apply(
        functools.partial(external_query, query=port.query)
    )
