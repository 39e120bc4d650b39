"""The report of a local run (`report.json` beside `mesh.duckdb`): what `datamesh local`
writes and the catalog reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tools.warehouse.checks import CheckResult, Isolation

REPORT_VERSION = 3  # 2: meshDigest and freshness; 3: scale (was devices) and inputs


@dataclass
class LocalReport:
    stack: str
    clock: str
    window_days: int
    scale: int
    seed: int
    products: list[str] = field(default_factory=list)
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)  # product.port -> source
    rows: dict[str, int] = field(default_factory=dict)  # product.port -> rows
    checks: list[CheckResult] = field(default_factory=list)
    isolation: list[Isolation] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    mesh_digest: str = ""  # model/fingerprint.py over the products run
    freshness: dict[str, str] = field(default_factory=dict)  # product.port -> newest time

    @property
    def failures(self) -> list[str]:
        out = [f"{c.product}.{c.port}: {c.check}: {c.detail}" for c in self.checks if not c.passed]
        out += [f"{i.product}.{i.port}: {i.verdict}" for i in self.isolation if not i.passed]
        return out

    def to_json(self) -> dict[str, Any]:
        return {
            "version": REPORT_VERSION,
            "stack": self.stack,
            "clock": self.clock,
            "windowDays": self.window_days,
            "scale": self.scale,
            "seed": self.seed,
            "products": self.products,
            "inputs": self.inputs,
            "rows": self.rows,
            "checks": [c.to_json() for c in self.checks],
            "isolation": [i.to_json() for i in self.isolation],
            "seconds": self.seconds,
            "meshDigest": self.mesh_digest,
            "freshness": self.freshness,
            "passed": not self.failures,
        }
