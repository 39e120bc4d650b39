"""Federated input port: a BigQuery connection to a Cloud SQL database.

Queries reach it through `EXTERNAL_QUERY`; the connection's own service agent
needs `cloudsql.client` on the instance's project, and the product's identity
needs `connectionUser` on the connection.
"""

from __future__ import annotations

from collections.abc import Mapping

import pulumi
import pulumi_gcp as gcp

from components.context import TOKEN_PREFIX, ProductContext, child, iam
from datamesh.spec.product import FederatedInput


def credentials_key(product_id: str, port: str) -> str:
    """Key of the port's credentials in `data-mesh:federatedCredentials`."""
    return f"{product_id}/{port}"


class FederatedInputPort(pulumi.ComponentResource):
    connection: gcp.bigquery.Connection

    def __init__(
        self,
        name: str,
        ctx: ProductContext,
        port: FederatedInput,
        credentials: pulumi.Input[Mapping[str, str]],
        opts: pulumi.ResourceOptions,
    ) -> None:
        super().__init__(f"{TOKEN_PREFIX}FederatedInputPort", name, None, opts)
        creds = pulumi.Output.secret(credentials)
        self.connection = gcp.bigquery.Connection(
            f"{name}-connection",
            project=ctx.project,
            connection_id=f"{ctx.id}-{port.name}",
            location=ctx.settings.location,
            friendly_name=f"{ctx.id} {port.name}",
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
            project=ctx.project,
            location=ctx.settings.location,
            connection_id=self.connection.connection_id,
            role="roles/bigquery.connectionUser",
            member=ctx.sa_member,
            opts=iam(self),
        )
        self.connection_name = pulumi.Output.concat(
            ctx.project, ".", ctx.settings.location, ".", self.connection.connection_id
        )
        self.register_outputs({"connection": self.connection_name})
