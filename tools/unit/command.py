"""`datamesh test`: every unit test of the chosen products, a report, JUnit XML."""

from __future__ import annotations

import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

from model import Mesh, load_mesh
from model.errors import COMMAND_LINE, InputProblem, SpecIssue
from tools.local.inputs import LocalContext
from tools.stack import load_stack
from tools.unit.runner import CaseResult, run_case
from tools.unit.spec import load_case, test_files

DEFAULT_TENANTS = ["tenant-a", "tenant-b"]  # without --stack: tests name their own tenants


class TestSelectionProblem(InputProblem):
    """An unknown product on the command line (exit 2)."""


@dataclass
class TestReport:
    results: list[CaseResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> list[CaseResult]:
        return [r for r in self.results if not r.passed]


def run_tests(
    project_dir: Path, stack: str | None, product: str | None, products_dir: Path | None
) -> TestReport:
    started = time.perf_counter()
    mesh, tenants, products = _select(project_dir, stack, products_dir)
    if product is not None:
        if product not in mesh.products:
            raise TestSelectionProblem(
                SpecIssue(COMMAND_LINE, "--product", f"no product {product!r} in {mesh.root}")
            )
        products = [product]
    ctx = LocalContext.of(tenants, 1, 0, 1)
    cases = [load_case(mesh[pid], path) for pid in products for path in test_files(mesh[pid])]
    report = TestReport()
    for case in cases:
        began = time.perf_counter()
        result = run_case(mesh, case, ctx)
        result.seconds = round(time.perf_counter() - began, 3)
        report.results.append(result)
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def _select(
    project_dir: Path, stack: str | None, products_dir: Path | None
) -> tuple[Mesh, list[str], list[str]]:
    if stack is None:
        mesh = load_mesh(products_dir or project_dir / "products")
        return mesh, DEFAULT_TENANTS, list(mesh.order)
    context = load_stack(project_dir, stack, products_dir)
    mesh, settings = context.mesh, context.settings
    return mesh, [t.id for t in settings.tenants], mesh.closure(settings.products)


def render_tests(report: TestReport) -> list[str]:
    lines: list[str] = []
    for r in report.results:
        mark = "PASS" if r.passed else "FAIL"
        lines.append(f"{mark} {r.case.id}: {r.case.test.name} ({r.seconds:.2f} s)")
        if r.error:
            lines.append(f"  the transformation failed: {r.error}")
        for port, diff in r.diffs.items():
            if not diff.ok:
                lines.append(f"  {port} (columns {', '.join(diff.columns) or 'all'}):")
                lines += ["  " + line for line in diff.lines()]
    passed = len(report.results) - len(report.failed)
    lines.append(f"{passed} passed, {len(report.failed)} failed in {report.seconds:.2f} s")
    return lines


def write_junit(report: TestReport, path: Path) -> None:
    suites = ET.Element(
        "testsuites",
        tests=str(len(report.results)),
        failures=str(len(report.failed)),
        time=str(report.seconds),
    )
    by_product: dict[str, list[CaseResult]] = {}
    for r in report.results:
        by_product.setdefault(r.case.bundle.id, []).append(r)
    for product, results in by_product.items():
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=product,
            tests=str(len(results)),
            failures=str(sum(not r.passed for r in results)),
        )
        for r in results:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=product,
                name=r.case.test.name,
                file=str(r.case.path),
                time=str(r.seconds),
            )
            if not r.passed:
                text = "\n".join(render_tests(TestReport([r]))[1:-1])
                ET.SubElement(case, "failure", message=r.error or "rows differ").text = text
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)
