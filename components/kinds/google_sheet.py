"""Google Sheet input port: a BigQuery external table over the sheet.

The sheet stays where its users edit it; the owner shares it (read-only) with
the product's service account, whose email the registry exports.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_gcp as gcp

from components.build import Build
from components.options import child
from components.placement import Placement
from components.references import fq_table
from model import conventions as conv
from model.product import GoogleSheetInput


@dataclass(frozen=True)
class GoogleSheetInputPortArgs:
    placement: Placement
    port: GoogleSheetInput
    dataset_id: pulumi.Input[str]  # the product's dataset, where the external table lives


class GoogleSheetInputPort(pulumi.ComponentResource):
    table: gcp.bigquery.Table

    def __init__(
        self, name: str, args: GoogleSheetInputPortArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(conv.GOOGLE_SHEET_INPUT_PORT, name, None, opts)
        at, port = args.placement, args.port
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
            project=at.project,
            dataset_id=args.dataset_id,
            table_id=conv.external_table_id(port.name),
            description=port.description,
            labels=at.labels(port.name, "input"),
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


def build(b: Build, port: GoogleSheetInput) -> None:
    table = GoogleSheetInputPort(
        f"{b.name}-in-{port.name}",
        GoogleSheetInputPortArgs(b.at, port, b.storage.dataset_id),
        b.opts(),
    ).table
    b.sql_inputs[port.name] = fq_table(table.project, table.dataset_id, table.table_id)
