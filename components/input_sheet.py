"""Google Sheet input port: a BigQuery external table over the sheet.

The sheet stays where its users edit it; the owner shares it (read-only) with
the product's service account, whose email the registry exports.
"""

from __future__ import annotations

import json

import pulumi
import pulumi_gcp as gcp

from components.context import TOKEN_PREFIX, ProductContext, child, slug_to_sql
from datamesh.spec.product import GoogleSheetInput


def external_table_id(port: GoogleSheetInput) -> str:
    return f"ext_{slug_to_sql(port.name)}"


class GoogleSheetInputPort(pulumi.ComponentResource):
    table: gcp.bigquery.Table

    def __init__(
        self, name: str, ctx: ProductContext, port: GoogleSheetInput, opts: pulumi.ResourceOptions
    ) -> None:
        super().__init__(f"{TOKEN_PREFIX}GoogleSheetInputPort", name, None, opts)
        schema = [
            {
                "name": c.name,
                "type": c.type,
                "mode": "REQUIRED" if c.required else "NULLABLE",
                "description": c.description,
            }
            for c in port.columns
        ]
        self.table = gcp.bigquery.Table(
            f"{name}-external-table",
            project=ctx.project,
            dataset_id=ctx.dataset_ref,
            table_id=external_table_id(port),
            description=port.description,
            labels=ctx.labels(port.name, "input"),
            external_data_configuration={
                "source_format": "GOOGLE_SHEETS",
                "source_uris": [port.sheet_url],
                "autodetect": False,
                "schema": json.dumps(schema),
                "google_sheets_options": {
                    "range": port.range,
                    "skip_leading_rows": port.header_rows,
                },
            },
            # An external table holds no data: recreating it loses nothing.
            deletion_protection=False,
            opts=child(self),
        )
        self.register_outputs({"tableId": self.table.table_id, "sheetUrl": port.sheet_url})
