"""Output kind `table`: a BigQuery table the transformation writes."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field

from model.contract import Contract
from model.kinds.base import OutputKind, RowsOutput, SpecChecks, check_tenant_column
from model.spec_types import Column, StrictModel

PARTITION_TYPES = frozenset({"DATE", "TIMESTAMP", "DATETIME"})
UNCLUSTERABLE = frozenset({"RECORD", "JSON", "FLOAT64"})


class Partitioning(StrictModel):
    field: Column
    type: Literal["HOUR", "DAY", "MONTH", "YEAR"] = "DAY"
    expiration_days: int | None = Field(default=None, ge=1)


class TableOutput(RowsOutput):
    stores_rows: ClassVar[bool] = True

    kind: Literal["table"]
    partitioning: Partitioning | None = None
    clustering: list[Column] = Field(default_factory=list, max_length=4)
    require_partition_filter: bool = False
    tenant_column: Column | None = Field(
        default=None, description="Multi-tenant column; tenants only see their own rows"
    )

    def catalog_facts(self) -> list[tuple[str, str]]:
        facts = []
        if self.partitioning is not None:
            p = self.partitioning
            expires = (
                f", partitions expire after {p.expiration_days} days" if p.expiration_days else ""
            )
            facts.append(("Partitioning", f"by {p.type.lower()} of {p.field}{expires}"))
            if self.require_partition_filter:
                facts.append(
                    ("Partition filter", f"required: every query must filter on {p.field}")
                )
        if self.clustering:
            facts.append(("Clustering", ", ".join(self.clustering)))
        return facts

    def required_filter_column(self) -> str | None:
        if self.partitioning is None or not self.require_partition_filter:
            return None
        return self.partitioning.field

    def check_contract(self, out: SpecChecks, where: str, contract: Contract) -> None:
        check_tenant_column(out, where, contract, self.tenant_column)
        self._check_partitioning(out, where, contract)
        for j, name in enumerate(self.clustering):
            col = contract.column(name)
            if col is None:
                out.add(
                    f"{where}.clustering[{j}]",
                    f"column {name!r} is not in contract {contract.path.name}",
                )
            elif col.mode == "REPEATED" or col.type in UNCLUSTERABLE:
                out.add(
                    f"{where}.clustering[{j}]",
                    f"column {name!r} ({col.mode} {col.type}) cannot cluster a table",
                )
        if len(set(self.clustering)) != len(self.clustering):
            out.add(f"{where}.clustering", "lists a column twice")

    def _check_partitioning(self, out: SpecChecks, where: str, contract: Contract) -> None:
        if self.partitioning is None:
            if self.require_partition_filter:
                out.add(f"{where}.require_partition_filter", "needs `partitioning`")
            return
        col = contract.column(self.partitioning.field)
        if col is None:
            out.add(
                f"{where}.partitioning.field",
                f"column {self.partitioning.field!r} is not in contract {contract.path.name}",
            )
        elif col.type not in PARTITION_TYPES or col.mode == "REPEATED":
            out.add(
                f"{where}.partitioning.field",
                f"column {col.name!r} is {col.mode} {col.type}; time partitioning needs a "
                "DATE, TIMESTAMP or DATETIME column",
            )

    def settings_changes(self, new: OutputKind) -> list[tuple[str, str]]:
        if not isinstance(new, TableOutput):
            return []  # a kind change is its own rule
        out: list[tuple[str, str]] = []
        p0, p1 = self.partitioning, new.partitioning
        if (p0 and (p0.field, p0.type)) != (p1 and (p1.field, p1.type)):
            shown = [f"{p.field} by {p.type}" if p else "none" for p in (p0, p1)]
            out.append(("partitioning-changed", " -> ".join(shown)))
        e0 = p0.expiration_days if p0 else None
        e1 = p1.expiration_days if p1 else None
        if e0 != e1:
            shorter = e1 is not None and (e0 is None or e1 < e0)
            rule = "partition-expiration-shortened" if shorter else "port-settings-changed"
            out.append((rule, f"partition expiration {e0 or 'none'} -> {e1 or 'none'} days"))
        if self.require_partition_filter != new.require_partition_filter:
            if new.require_partition_filter:
                out.append(("partition-filter-required", ""))
            else:
                out.append(("port-settings-changed", "partition filter no longer required"))
        if self.clustering != new.clustering:
            out.append(("clustering-changed", f"{self.clustering} -> {new.clustering}"))
        return out
