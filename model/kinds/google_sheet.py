"""Input kind `google-sheet`: a Google Sheet read through a BigQuery external table."""

from __future__ import annotations

from typing import Annotated, ClassVar, Literal

from pydantic import Field, StringConstraints

from model.kinds.base import InputKind, LocalRows
from model.kinds.scaffold import InputScaffold, NewProduct
from model.messages import rule
from model.spec_types import Slug, SourceColumn, Text


class GoogleSheetInput(InputKind):
    """A Google Sheet read through a BigQuery external table."""

    local_rows: ClassVar[LocalRows] = "table"
    sql_readable: ClassVar[bool] = True

    kind: Literal["google-sheet"]
    name: Slug
    description: Text
    sheet_url: Annotated[
        str,
        StringConstraints(
            pattern=rule(
                r"^https://docs\.google\.com/spreadsheets/d/[A-Za-z0-9_-]+(/[A-Za-z0-9_=&?#./-]*)?$",
                "a Google Sheets address, https://docs.google.com/spreadsheets/d/<id>",
            )
        ),
    ]
    range: Annotated[str, StringConstraints(min_length=1, max_length=255)] = Field(
        description="Sheet and cell range, e.g. `logbook!A1:F`"
    )
    header_rows: int = Field(default=1, ge=0, le=10)
    columns: list[SourceColumn] = Field(min_length=1)

    def manual_steps(self, product: str, identity: str, project: str) -> list[str]:
        # Sheets live in people's Drive: only their owner can share them
        return [f"share the Google Sheet of {product}.{self.name} (read-only) with {identity}"]

    def declared_columns(self) -> list[SourceColumn]:
        return self.columns

    @classmethod
    def setup_steps(cls, name: str, product: str, stack: str | None) -> list[str]:
        return [
            f"set sheet_url of input port {name} and share the sheet with the product's "
            "service account (datamesh plan --stack ... names it)"
        ]

    def source(self) -> str:
        return f"Google Sheet {self.sheet_url}"

    @classmethod
    def scaffold(cls, name: str, new: NewProduct) -> InputScaffold:
        columns = new.source_columns(name)
        spec = {
            "name": name,
            "kind": "google-sheet",
            "description": f"The {name} sheet.",
            "sheet_url": "https://docs.google.com/spreadsheets/d/REPLACE-WITH-THE-SHEET-ID",
            "range": f"{name}!A1:{chr(ord('A') + len(columns) - 1)}",
            "header_rows": 1,
            "columns": [c.model_dump(exclude_defaults=True) for c in columns],
        }
        return InputScaffold(
            spec,
            columns,
            fixture="csv",
            sql_ref=f"{{{{ input.{name} }}}}",
            tenant_column=new.tenant_column,
        )
