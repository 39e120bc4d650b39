"""Output kind `topic`: a Pub/Sub topic the product publishes to."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from model.contract import Contract
from model.identifiers import TOPIC_ID
from model.kinds.base import OutputKind, SpecChecks


class TopicOutput(OutputKind):
    serves_rows: ClassVar[bool] = False
    apis: ClassVar[tuple[str, ...]] = ("pubsub.googleapis.com",)

    kind: Literal["topic"]
    message_retention_days: int = Field(default=7, ge=1, le=31)

    @property
    def tenant_column(self) -> None:
        return None  # messages are not row-filtered

    @property
    def declassify(self) -> dict[str, str]:
        return {}

    def check_contract(self, out: SpecChecks, where: str, contract: Contract) -> None:
        if not TOPIC_ID.match(self.physical_name):
            out.add(
                f"{where}.physical_name", f"{self.physical_name!r} is not a valid Pub/Sub topic id"
            )

    def catalog_facts(self) -> list[tuple[str, str]]:
        return [("Message retention", f"{self.message_retention_days} days")]

    def address(self, project: str, dataset_id: str) -> str:
        return f"projects/{project}/topics/{self.physical_name}"

    def settings_changes(self, new: OutputKind) -> list[tuple[str, str]]:
        if not isinstance(new, TopicOutput):
            return []  # a kind change is its own rule
        old_days, new_days = self.message_retention_days, new.message_retention_days
        if new_days < old_days:
            return [("topic-retention-shortened", f"{old_days} -> {new_days} days")]
        if new_days > old_days:
            return [("port-settings-changed", "message retention lengthened")]
        return []
