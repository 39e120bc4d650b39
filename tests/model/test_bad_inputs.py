"""Broken and hostile inputs by category: every one ends in exit 2 with a line
`file: field: message` naming the file to edit, no traceback, within stated
time and memory bounds (measured on the real command, in a child process, for
the inputs that try to exhaust them)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import REPO, replace_in
from tools.cli import app, main

# Stated bounds (README, "Limits on input"): a rejected input costs at most this.
MEMORY_BOUND_MIB = 256
TIME_BOUND_S = 30.0

TELEMETRY = "products/iot-telemetry/product.yaml"
METRICS = "products/iot-telemetry/contracts/metrics.odcs.yaml"
ANALYTICS = "products/iot-analytics/product.yaml"
ANALYTICS_SQL = "products/iot-analytics/sql/climate_daily.sql"
STACK = "Pulumi.iot-prod.yaml"

BOMB = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
    f"a{i + 1}: &a{i + 1} [{', '.join([f'*a{i}'] * 10)}]\n" for i in range(9)
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A private copy of the project (stacks, program, products, pack) to break."""
    root = tmp_path / "project"
    root.mkdir()
    for file in [REPO / "Pulumi.yaml", REPO / "__main__.py", *REPO.glob("Pulumi.*.yaml")]:
        shutil.copy(file, root / file.name)
    shutil.copytree(REPO / "products", root / "products")
    shutil.copytree(REPO / "policies", root / "policies", ignore=shutil.ignore_patterns("*.pyc"))
    return root


def _append(rel: str, text: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).write_text((root / rel).read_text() + text)


def _write(rel: str, data: str | bytes) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        path.unlink(missing_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data)

    return apply


def _link(rel: str, target: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        path.unlink()
        os.symlink(target if target.startswith("/") else root / target, path)

    return apply


@dataclass(frozen=True)
class Case:
    id: str
    category: str
    break_it: Callable[[Path], None]
    file: str  # the file the message must name, relative to the project ("" = command line)
    field: str
    message: str
    command: tuple[str, ...] = ("validate",)


SCHEMA_LINE = "# yaml-language-server: $schema=../product.schema.json\n"
CASES = [
    # YAML
    Case(
        "alias-bomb-product",
        "yaml",
        _write(TELEMETRY, SCHEMA_LINE + BOMB),
        TELEMETRY,
        "(file)",
        "once its aliases are expanded",
    ),
    Case(
        "alias-bomb-contract",
        "yaml",
        _write(METRICS, BOMB),
        METRICS,
        "(file)",
        "once its aliases are expanded",
    ),
    Case(
        "recursive-alias",
        "yaml",
        _append(TELEMETRY, "loop: &loop [*loop]\n"),
        TELEMETRY,
        "(file)",
        "an alias refers to a value that holds it",
    ),
    Case(
        "complex-key",
        "yaml",
        _append(TELEMETRY, "? [a, b]\n: 1\n"),
        TELEMETRY,
        "(file)",
        "a key must be plain text",
    ),
    Case(
        "deep-nesting",
        "yaml",
        _append(TELEMETRY, "deep: " + "[" * 200 + "]" * 200 + "\n"),
        TELEMETRY,
        "(file)",
        "nested deeper than",
    ),
    Case(
        "tab-indent",
        "yaml",
        _append(TELEMETRY, "x:\n\t- 1\n"),
        TELEMETRY,
        "(file)",
        "invalid YAML at line",
    ),
    Case(
        "date-where-text",
        "yaml",
        replace_in(TELEMETRY, "domain: iot", "domain: 2024-01-01"),
        TELEMETRY,
        "domain",
        "is not valid",
    ),
    Case(
        "number-where-text",
        "yaml",
        replace_in(TELEMETRY, "domain: iot", "domain: 42"),
        TELEMETRY,
        "domain",
        "must be text",
    ),
    Case(
        "not-utf8",
        "yaml",
        _write(TELEMETRY, b"id: \xff\xfe\n"),
        TELEMETRY,
        "(file)",
        "is not UTF-8 text",
    ),
    Case(
        "too-large",
        "yaml",
        _write(TELEMETRY, SCHEMA_LINE + "# x\n" * 400_000),
        TELEMETRY,
        "(file)",
        "is larger than 1024 KiB",
    ),
    # schema
    Case(
        "missing-kind",
        "schema",
        replace_in(TELEMETRY, "kind: dataflow-flex-template", "pipeline_kind: x"),
        TELEMETRY,
        "transformation",
        "needs a `kind`",
    ),
    Case(
        "owner-not-mapping",
        "schema",
        replace_in(TELEMETRY, "owner:", "owner: nobody\nx_owner:"),
        TELEMETRY,
        "owner",
        "must be a mapping",
    ),
    # contracts
    Case(
        "contract-date-accepted-then-bad-type",
        "contracts",
        replace_in(METRICS, "logicalType: timestamp", "logicalType: datetime"),
        METRICS,
        "schema[0].properties[2].logicalType",
        "is not one of",
    ),
    # SQL
    Case(
        "sql-incomplete",
        "sql",
        _append(ANALYTICS_SQL, "\nWHERE\n"),
        ANALYTICS,
        "transformation.views[1].sql",
        "is invalid",
    ),
    Case(
        "view-reads-itself",
        "sql",
        replace_in(
            ANALYTICS_SQL,
            "LEFT JOIN {{ customers.customers }}",
            "LEFT JOIN {{ iot-analytics.climate-daily }}",
        ),
        ANALYTICS,
        "transformation.views[1].sql",
        "reads itself",
    ),
    # graph
    Case(
        "unknown-upstream-no-knock-on",
        "graph",
        _write("products/iot-metadata/product.yaml", SCHEMA_LINE + "id: [\n"),
        "products/iot-metadata/product.yaml",
        "(file)",
        "invalid YAML at line",
    ),
    # stack config
    Case(
        "not-a-location",
        "stack",
        replace_in(STACK, "data-mesh:location: europe-west1", "data-mesh:location: europe-west99"),
        STACK,
        "data-mesh:location",
        "is not a BigQuery location",
        ("plan", "--stack", "iot-prod"),
    ),
    Case(
        "not-a-region",
        "stack",
        replace_in(STACK, "gcp:region: europe-west1", "gcp:region: mars-north1"),
        STACK,
        "gcp:region",
        "is not a Google Cloud region",
        ("plan", "--stack", "iot-prod"),
    ),
    Case(
        "stack-alias-bomb",
        "stack",
        _append(
            STACK,
            "".join(
                f"  data-mesh:bomb{i}: &b{i} [{', '.join([f'*b{i - 1}' if i else 'x'] * 10)}]\n"
                for i in range(10)
            ),
        ),
        STACK,
        "(file)",
        "once its aliases are expanded",
        ("plan", "--stack", "iot-prod"),
    ),
    Case(
        "external-stack-without-config",
        "stack",
        replace_in(STACK, "example-org/data-mesh/crm-prod", "example-org/data-mesh/crm-test"),
        STACK,
        "data-mesh:externalProducts.customers.stack",
        "names stack 'crm-test': Pulumi.crm-test.yaml: (file): stack 'crm-test' has no config",
        ("plan", "--stack", "iot-prod"),
    ),
    Case(
        "stack-reference-cycle",
        "stack",
        _append(
            "Pulumi.crm-prod.yaml",
            "  data-mesh:externalProducts:\n"
            "    iot-metadata: {stack: example-org/data-mesh/iot-prod, "
            "project: example-iot-prod}\n",
        ),
        "Pulumi.crm-prod.yaml",
        "data-mesh:externalProducts.iot-metadata.stack",
        "stack references form a cycle: iot-prod -> crm-prod -> iot-prod",
        ("plan", "--stack", "iot-prod"),
    ),
    Case(
        "credentials-shape",
        "stack",
        replace_in("Pulumi.crm-prod.yaml", "username: bq_federated_reader", "user: x"),
        "Pulumi.crm-prod.yaml",
        "data-mesh:federatedCredentials.customers/crm-db.username",
        "is required",
        ("plan", "--stack", "crm-prod"),
    ),
    Case(
        "registry-wrong-shape",
        "stack",
        lambda root: (
            (root / "reg.json").write_text(json.dumps({"meshRegistry": {"customers": {}}})),
            _append(
                STACK,
                "  data-mesh:offlineRegistries:\n    example-org/data-mesh/crm-prod: reg.json\n",
            )(root),
        ),
        "reg.json",
        "meshRegistry.customers.outputPorts",
        "must map port names",
        ("plan", "--stack", "iot-prod"),
    ),
    # pack config
    Case(
        "pack-config-not-utf8",
        "pack",
        _write("policies/config/prod.json", b"\xff{"),
        "policies/config/prod.json",
        "(file)",
        "is not UTF-8",
        ("plan", "--stack", "crm-prod"),
    ),
    Case(
        "pack-config-folder",
        "pack",
        lambda root: (
            os.remove(root / "policies/config/prod.json"),
            (root / "policies/config/prod.json").mkdir(),
        ),
        "policies/config/prod.json",
        "(file)",
        "is a folder",
        ("plan", "--stack", "crm-prod"),
    ),
    Case(
        "pack-config-json-error",
        "pack",
        _write("policies/config/prod.json", "{\n  'a': 1}"),
        "policies/config/prod.json",
        "(file)",
        "invalid JSON at line 2, column 3",
        ("plan", "--stack", "crm-prod"),
    ),
    # command-line options
    Case(
        "json-into-missing-folder",
        "cli",
        lambda root: None,
        "",
        "--json",
        "does not exist",
        ("plan", "--stack", "crm-prod", "--json", "nowhere/plan.json"),
    ),
    Case(
        "unknown-option",
        "cli",
        lambda root: None,
        "",
        "--colour",
        "No such option",
        ("validate", "--colour"),
    ),
    Case(
        "schema-output-missing-folder",
        "cli",
        lambda root: None,
        "",
        "--output",
        "does not exist",
        ("schema", "--output", "nowhere/product.schema.json"),
    ),
    Case(
        "schema-check-output-folder",
        "cli",
        lambda root: None,
        "",
        "--output",
        "is a folder",
        ("schema", "--check", "--output", "products"),
    ),
    Case(
        "stack-name-traversal",
        "cli",
        lambda root: None,
        "",
        "--stack",
        "is not a stack name",
        ("plan", "--stack", "../etc"),
    ),
    Case(
        "products-dir-is-a-file",
        "cli",
        lambda root: None,
        "README-missing",
        "(file)",
        "is a file",
        ("validate", "--products-dir", "Pulumi.yaml"),
    ),
    # file-system oddities
    Case(
        "link-loop",
        "files",
        lambda root: (os.remove(root / TELEMETRY), os.symlink(root / TELEMETRY, root / TELEMETRY)),
        TELEMETRY,
        "(file)",
        "loops back on itself",
    ),
    Case("link-to-device", "files", _link(TELEMETRY, "/dev/zero"), TELEMETRY, "(file)", "outside"),
    Case("link-outside", "files", _link(METRICS, "/etc/hostname"), METRICS, "(file)", "outside"),
    Case(
        "folder-as-product-file",
        "files",
        lambda root: (os.remove(root / TELEMETRY), (root / TELEMETRY).mkdir()),
        TELEMETRY,
        "(file)",
        "is a folder",
    ),
]


def _command(case: Case, root: Path) -> list[str]:
    args = list(case.command)
    if args[0] == "validate" and "--products-dir" not in args:
        args += ["--products-dir", str(root / "products")]
    if args[0] == "plan":
        args += ["--project-dir", str(root), "--policy-pack", str(root / "policies"), "--quiet"]
    return args


# The child reports its own peak: VmHWM belongs to its address space (ru_maxrss would
# carry the forking parent's size across exec).
_MEASURED = """
import atexit, re, sys
def _report():
    status = open("/proc/self/status").read()
    with open(sys.argv.pop(1), "w") as out:
        out.write(re.search(r"VmHWM:\\s+(\\d+) kB", status).group(1))
atexit.register(_report)
from tools.cli import main
main(sys.argv[3:])
"""


def _run_measured(args: list[str], cwd: Path) -> tuple[int, str, str, float, float]:
    """The real command in a child process: exit code, output, seconds, its peak MiB."""
    report = cwd / "peak-rss.txt"
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(report), "--", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIME_BOUND_S * 2,
        check=False,
    )
    seconds = time.perf_counter() - start
    peak_mib = int(report.read_text()) / 1024
    return done.returncode, done.stdout, done.stderr, seconds, peak_mib


@pytest.mark.parametrize("case", CASES, ids=[f"{c.category}-{c.id}" for c in CASES])
def test_bad_input_is_rejected_with_file_and_field(case: Case, project: Path) -> None:
    case.break_it(project)
    args = _command(case, project)
    result = CliRunner().invoke(app, args) if case.category != "cli" else None
    if result is not None:
        code, stderr = result.exit_code, result.stderr
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            result.exception
        )
    else:
        with pytest.raises(SystemExit) as exit_info:
            _main_in(project, args)
        code = int(exit_info.value.code or 0)
        stderr = _captured.pop()
    assert code == 2, stderr
    assert "Traceback" not in stderr
    lines = stderr.splitlines()
    if case.file and case.category != "cli":
        prefix = f"{project.resolve() / case.file}: {case.field}: "
    elif case.category == "cli" and case.field == "(file)":
        prefix = f"{case.command[-1]}: {case.field}: "
    else:
        prefix = f"command line: {case.field}: "
    matching = [line for line in lines if line.startswith(prefix)]
    assert matching, f"no line starts with {prefix!r}:\n{stderr}"
    assert any(case.message in line for line in matching), "\n".join(matching)


_captured: list[str] = []


def _main_in(root: Path, args: list[str]) -> None:
    """The console entry point, as a user runs it from the project folder."""
    import contextlib
    import io

    before = Path.cwd()
    buffer = io.StringIO()
    os.chdir(root)
    try:
        with contextlib.redirect_stderr(buffer):  # the consoles write to sys.stderr of the moment
            main(args)
    finally:
        os.chdir(before)
        _captured.append(buffer.getvalue())


EXHAUSTING = [
    "alias-bomb-product",
    "stack-alias-bomb",
    "too-large",
    "link-to-device",
    "deep-nesting",
    "recursive-alias",
]


@pytest.mark.parametrize("case_id", EXHAUSTING)
def test_exhausting_inputs_stay_within_time_and_memory(case_id: str, project: Path) -> None:
    case = next(c for c in CASES if c.id == case_id)
    case.break_it(project)
    code, _, stderr, seconds, peak_mib = _run_measured(_command(case, project), project)
    assert code == 2, stderr
    assert case.message in stderr
    assert seconds < TIME_BOUND_S, seconds
    assert peak_mib < MEMORY_BOUND_MIB, peak_mib


def test_every_category_is_covered() -> None:
    assert {c.category for c in CASES} == {
        "yaml",
        "schema",
        "contracts",
        "sql",
        "graph",
        "stack",
        "pack",
        "cli",
        "files",
    }


def test_a_bug_is_exit_3_in_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import model.mesh

    def broken(_: Path) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr("tools.validate.load_mesh", broken)
    assert model.mesh.load_mesh is not broken
    with pytest.raises(SystemExit) as exit_info:
        _main_in(REPO, ["validate"])
    stderr = _captured.pop()
    assert exit_info.value.code == 3
    assert stderr.count("\n") == 1
    assert "internal error" in stderr
    assert "ZeroDivisionError: division by zero" in stderr
    assert "--debug" in stderr
    with pytest.raises(SystemExit):
        _main_in(REPO, ["validate", "--debug"])
    assert "Traceback" in _captured.pop()


def test_markup_in_user_text_is_printed_as_written(project: Path) -> None:
    replace_in(STACK, "data-mesh:teams:", "data-mesh:key:")(project)
    with pytest.raises(SystemExit):
        _main_in(
            project,
            [
                "plan",
                "--stack",
                "iot-prod",
                "--project-dir",
                str(project),
                "--policy-pack",
                str(project / "policies"),
            ],
        )
    stderr = _captured.pop()
    assert "data-mesh:key:" in stderr
    assert "🔑" not in stderr
