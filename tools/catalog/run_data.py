"""What a local run adds to the catalog: its report (checks, rows, freshness) and its
database, queried as a tenant for the dashboard. Every problem names the file and field."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from model.errors import InputProblem, SpecIssue
from model.files import FileProblem, read_json_object
from model.fingerprint import mesh_digest
from model.mesh import Mesh
from tools.warehouse.report import REPORT_VERSION

REPORT = "report.json"
DATABASE = "mesh.duckdb"


class CatalogProblem(InputProblem):
    """A catalog input (the run, --out) that cannot be used."""


@dataclass
class RunData:
    folder: Path
    report: dict[str, Any]
    clock: datetime
    checks: dict[tuple[str, str], list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def database(self) -> Path:
        return self.folder / DATABASE

    # read_run checked the types of `rows` and `freshness`
    def rows(self, product: str, port: str) -> int | None:
        count: int | None = self.report["rows"].get(f"{product}.{port}")
        return count

    def newest(self, product: str, port: str) -> str | None:
        newest: str | None = self.report["freshness"].get(f"{product}.{port}")
        return newest

    def age_minutes(self, product: str, port: str) -> int | None:
        newest = self.newest(product, port)
        if newest is None:
            return None
        return int((self.clock - datetime.fromisoformat(newest)).total_seconds() // 60)


def _time(path: Path, field: str, value: object) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise CatalogProblem(SpecIssue(path, field, f"{value!r} is not a time")) from None
    if parsed.tzinfo is None:
        raise CatalogProblem(SpecIssue(path, field, f"{value!r} has no time zone"))
    return parsed


def _shape(path: Path, report: dict[str, Any], rerun: str) -> None:
    """The parts the catalog reads, of the types report.json documents."""
    expected: dict[str, type] = {"rows": dict, "freshness": dict, "checks": list, "isolation": list}
    for key, kind in expected.items():
        if not isinstance(report.get(key), kind):
            raise CatalogProblem(
                SpecIssue(
                    path, key, f"must be a {kind.__name__} as datamesh local writes it; {rerun}"
                )
            )
    for key, value in report["rows"].items():
        if not isinstance(value, int) or isinstance(value, bool):
            raise CatalogProblem(SpecIssue(path, f"rows.{key}", "must be a row count"))
    for key, value in report["freshness"].items():
        _time(path, f"freshness.{key}", value)
    for i, item in enumerate(report["checks"] + report["isolation"]):
        if not isinstance(item, dict):
            where = f"checks[{i}]" if i < len(report["checks"]) else "isolation"
            raise CatalogProblem(SpecIssue(path, where, "must be an object"))


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
    clock = _time(path, "clock", report.get("clock"))
    _shape(path, report, rerun)
    checks: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for check in report.get("checks") or []:
        if isinstance(check, dict):
            checks[(str(check.get("product")), str(check.get("port")))].append(check)
    return RunData(folder, report, clock, dict(checks))


def read_deployed_checks(path: Path, mesh: Mesh) -> dict[tuple[str, str], list[dict[str, Any]]]:
    """`datamesh check --json` results of the deployed stack: (product, port) -> checks."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CatalogProblem(
            SpecIssue(path, "", f"not a JSON file of check results: {exc}")
        ) from None
    if not isinstance(data, list):
        raise CatalogProblem(SpecIssue(path, "", "must be the list `datamesh check --json` writes"))
    out: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for i, item in enumerate(data):
        if not (
            isinstance(item, dict)
            and isinstance(item.get("product"), str)
            and isinstance(item.get("port"), str)
            and isinstance(item.get("check"), str)
            and isinstance(item.get("passed"), bool)
        ):
            raise CatalogProblem(
                SpecIssue(path, f"[{i}]", "needs product, port, check (text) and passed (bool)")
            )
        if item["product"] not in mesh.products:
            raise CatalogProblem(
                SpecIssue(path, f"[{i}].product", f"unknown product {item['product']!r}")
            )
        out[(item["product"], item["port"])].append(item)
    return dict(out)
