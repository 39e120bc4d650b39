"""A data profile of every table and view port from a local run: rows, and per column
the share of nulls, distinct values, the range (or length range) and the most common
values; and a few sample rows as each tenant reads them. Columns a tenant's role would
not see (classified pii, sensitive or restricted, by the contract or by lineage, or
under a policy tag of the stack) are masked in the samples and show no values."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from model.contract import BigQueryField
from model.governance import port_facts, rank
from model.stack_settings import StackSettings
from tools.catalog.run_reads import RunReads, plain

SAMPLE_ROWS = 5
TOP_VALUES = 5
MASKED = "•••• masked"
_ORDERED = {"INT64", "FLOAT64", "NUMERIC", "BIGNUMERIC", "DATE", "DATETIME", "TIMESTAMP", "TIME"}


@dataclass(frozen=True)
class ColumnProfile:
    name: str
    type: str
    nulls: float  # share of rows, 0..1
    distinct: int
    low: Any = None  # range of ordered types, as shown
    high: Any = None
    lengths: tuple[int, int] | None = None  # of strings
    top: list[tuple[Any, int]] = field(default_factory=list)
    masked: bool = False


@dataclass(frozen=True)
class PortProfile:
    rows: int
    columns: list[ColumnProfile]
    sample_columns: list[str]
    samples: dict[str, list[list[Any]]]  # tenant -> rows as that tenant reads them


def _profiled(f: BigQueryField) -> bool:
    return f.mode != "REPEATED" and f.type not in {"RECORD", "JSON"}


def masked_columns(reads: RunReads, settings: StackSettings, pid: str, port: str) -> set[str]:
    """Columns a tenant's role would not read: sensitive by the contract or by what they
    derive from (lineage), or under one of the stack's policy tags."""
    bundle = reads.mesh[pid]
    facts = port_facts(bundle, port, reads.mesh.products, reads.mesh.lineage)
    out = set()
    for f in bundle.contracts[port].fields:
        classification = facts.required_classifications.get(f.name) or f.classification
        if classification and (
            rank(classification) >= rank("pii") or classification in settings.policy_tags
        ):
            out.add(f.name)
    return out


def port_profile(
    reads: RunReads, settings: StackSettings, pid: str, port: str, tenants: list[str]
) -> PortProfile:
    fields = [f for f in reads.mesh[pid].contracts[port].fields if _profiled(f)]
    hidden = masked_columns(reads, settings, pid, port)
    source = reads.as_owner(pid, port)
    rows = int(reads.query(f"SELECT COUNT(*) FROM {source}")[0][0])
    columns = [_column(reads, source, f, rows, f.name in hidden) for f in fields]
    names = [f.name for f in fields]
    samples = {
        tenant: [
            [MASKED if c in hidden and row[c] is not None else row[c] for c in names]
            for row in reads.as_tenant(pid, port, tenant, names, [], SAMPLE_ROWS)
        ]
        for tenant in tenants
    }
    return PortProfile(rows, columns, names, samples)


def _column(
    reads: RunReads, source: str, f: BigQueryField, rows: int, masked: bool
) -> ColumnProfile:
    q = f'"{f.name}"'
    text = f.type == "STRING"
    nulls, distinct, low, high, short, long = reads.query(
        f"SELECT COUNT(*) - COUNT({q}), COUNT(DISTINCT {q}), "
        f"{'NULL, NULL' if text or masked else f'MIN({q}), MAX({q})'}, "
        f"{f'MIN(LENGTH({q})), MAX(LENGTH({q}))' if text else 'NULL, NULL'} FROM {source}"
    )[0]
    top: list[tuple[Any, int]] = []
    if not masked and distinct and (text or f.type == "BOOL"):
        top = [
            (plain(v), int(n))
            for v, n in reads.query(
                f"SELECT {q}, COUNT(*) AS n FROM {source} WHERE {q} IS NOT NULL "
                f"GROUP BY {q} ORDER BY n DESC, {q} LIMIT {TOP_VALUES}"
            )
        ]
    ordered = f.type in _ORDERED and not masked
    return ColumnProfile(
        f.name,
        f.type,
        (nulls / rows) if rows else 0.0,
        int(distinct),
        plain(low) if ordered else None,
        plain(high) if ordered else None,
        (int(short), int(long)) if text and short is not None else None,
        top,
        masked,
    )
