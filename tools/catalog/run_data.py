"""What a local run adds to the catalog: its report (checks, rows, freshness) and its
database, queried as a tenant for the dashboard. Every problem names the file and field."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from model.errors import SpecIssue
from model.files import FileProblem, read_json_object
from model.fingerprint import mesh_digest
from model.mesh import Mesh
from tools.local.command import REPORT_VERSION

REPORT = "report.json"
DATABASE = "mesh.duckdb"


class CatalogProblem(Exception):
    def __init__(self, issue: SpecIssue) -> None:
        self.issue = issue
        super().__init__(issue.render())


@dataclass
class RunData:
    folder: Path
    report: dict[str, Any]
    clock: datetime
    checks: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def database(self) -> Path:
        return self.folder / DATABASE

    def rows(self, product: str, port: str) -> int | None:
        value = self.report.get("rows", {}).get(f"{product}.{port}")
        return value if isinstance(value, int) else None

    def newest(self, product: str, port: str) -> str | None:
        value = self.report.get("freshness", {}).get(f"{product}.{port}")
        return value if isinstance(value, str) else None

    def age_minutes(self, product: str, port: str) -> int | None:
        newest = self.newest(product, port)
        if newest is None:
            return None
        return int((self.clock - datetime.fromisoformat(newest)).total_seconds() // 60)


def read_run(folder: Path, stack: str, mesh: Mesh) -> RunData:
    """The run in `folder`, checked to be a finished run of `stack` over this mesh."""
    path = folder / REPORT
    rerun = f"run `datamesh local --stack {stack} --out {folder}` again"
    if not folder.is_dir():
        raise CatalogProblem(SpecIssue(folder, "--local", "is not a folder of a local run"))
    if not path.exists():
        raise CatalogProblem(SpecIssue(path, "", f"missing: no local run here; {rerun}"))
    try:
        report = read_json_object(path, root=folder)
    except FileProblem as problem:
        raise CatalogProblem(problem.issue) from None
    if report.get("version") != REPORT_VERSION:
        raise CatalogProblem(
            SpecIssue(
                path,
                "version",
                f"{report.get('version')!r}: made by another datamesh (this one reads version "
                f"{REPORT_VERSION}); {rerun}",
            )
        )
    if report.get("stack") != stack:
        raise CatalogProblem(
            SpecIssue(path, "stack", f"is a run of {report.get('stack')!r}, not of {stack!r}")
        )
    products = report.get("products")
    if not isinstance(products, list) or not all(p in mesh.products for p in products):
        raise CatalogProblem(
            SpecIssue(path, "products", f"names products this mesh does not have; {rerun}")
        )
    if report.get("meshDigest") != mesh_digest(mesh, products):
        raise CatalogProblem(
            SpecIssue(
                path,
                "meshDigest",
                f"the run was made from another version of the mesh's specs; {rerun}",
            )
        )
    if not (folder / DATABASE).is_file():
        raise CatalogProblem(SpecIssue(folder / DATABASE, "", f"missing; {rerun}"))
    try:
        clock = datetime.fromisoformat(str(report.get("clock")))
    except ValueError:
        raise CatalogProblem(SpecIssue(path, "clock", "is not a time")) from None
    checks: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for check in report.get("checks") or []:
        if isinstance(check, dict):
            checks[(str(check.get("product")), str(check.get("port")))].append(check)
    return RunData(folder, report, clock, dict(checks))
