"""Field types shared by every part of `product.yaml`: strict models, names, paths."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from model import conventions as conv
from model import identifiers as ids
from model.messages import rule


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, regex_engine="python-re")


Slug = Annotated[str, StringConstraints(pattern=rule(conv.SLUG.pattern, conv.SLUG_RULE))]
ProductId = Annotated[
    str, StringConstraints(pattern=conv.SLUG.pattern, min_length=3, max_length=63)
]
Domain = Annotated[str, StringConstraints(pattern=conv.SLUG.pattern, max_length=30)]
Email = Annotated[str, StringConstraints(pattern=rule(ids.GROUP_EMAIL.pattern, ids.EMAIL_RULE))]
Column = Annotated[str, StringConstraints(pattern=rule(ids.COLUMN_NAME.pattern, ids.COLUMN_RULE))]
VersionedName = Annotated[
    str,
    StringConstraints(
        pattern=rule(conv.VERSIONED_NAME.pattern, conv.VERSIONED_RULE), max_length=255
    ),
]
RelativePath = Annotated[
    str,
    StringConstraints(
        pattern=rule(
            r"^(?!/)(?!.*(^|/)\.\.(/|$))[A-Za-z0-9_.\-/]+$",
            "a path inside the product's folder (letters, digits, '_', '-', '.', '/'; "
            "no '..', not starting with '/')",
        ),
        max_length=255,
    ),
    Field(description="Path relative to the product's folder"),
]
Text = Annotated[str, StringConstraints(min_length=1, max_length=1024)]

SheetType = Literal[
    "STRING", "INT64", "FLOAT64", "NUMERIC", "BOOL", "DATE", "DATETIME", "TIMESTAMP"
]


ColumnClass = Annotated[
    str,
    StringConstraints(pattern=rule(r"^[a-z][a-z0-9-]{0,30}$", "a classification such as pii")),
]


class SourceColumn(StrictModel):
    """A column of a source outside BigQuery (a sheet, a federated query's result)."""

    name: Column
    type: SheetType
    description: Text
    required: bool = False
    classification: ColumnClass | None = Field(
        default=None,
        description="How sensitive the source says it is (e.g. pii): the contracts of what "
        "derives from it must classify it at least as high, or declassify it with a reason",
    )
