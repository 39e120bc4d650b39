"""Input kind `pubsub`: events pushed to a Pub/Sub topic the product owns."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field

from model.kinds.base import InputKind, LocalRows
from model.kinds.scaffold import InputScaffold, NewProduct
from model.spec_types import RelativePath, Slug, Text


class PubSubInput(InputKind):
    """Events pushed to a Pub/Sub topic the product owns."""

    local_rows: ClassVar[LocalRows] = "events"
    apis: ClassVar[tuple[str, ...]] = ("pubsub.googleapis.com",)

    kind: Literal["pubsub"]
    name: Slug
    description: Text
    contract: RelativePath = Field(description="ODCS contract of the event payload")
    message_retention_days: int = Field(default=7, ge=1, le=31)
    ack_deadline_seconds: int = Field(default=60, ge=10, le=600)
    max_delivery_attempts: int = Field(default=10, ge=5, le=100)

    def event_contract(self) -> str:
        return self.contract

    def source(self) -> str:
        return f"Pub/Sub events, contract {Path(self.contract).name}"

    @classmethod
    def scaffold(cls, name: str, new: NewProduct) -> InputScaffold:
        contract = f"contracts/{name}-events.odcs.yaml"
        spec = {
            "name": name,
            "kind": "pubsub",
            "description": f"Events of {name}.",
            "contract": contract,
        }
        return InputScaffold(
            spec,
            new.source_columns(name),
            fixture="jsonl",
            event_contract=contract,
            tenant_column=new.tenant_column,
        )
