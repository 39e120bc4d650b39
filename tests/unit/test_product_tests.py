"""`datamesh test`: the example products' unit tests pass, a broken transformation
fails with a row diff, an invalid test file is exit 2 naming the file and field, and
the JUnit XML says the same."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.helpers import REPO, replace_in
from tools.cli import app


def _test(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["test", "--project-dir", str(REPO), *args])
    return result.exit_code, result.stdout + result.stderr


@pytest.fixture
def products(tmp_path: Path) -> Path:
    target = tmp_path / "products"
    shutil.copytree(REPO / "products", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def test_example_products_pass(tmp_path: Path) -> None:
    junit = tmp_path / "junit.xml"
    code, text = _test("--stack", "iot-prod", "--junit", str(junit))
    assert code == 0, text
    tree = ET.parse(junit).getroot()
    assert tree.get("failures") == "0"
    suites = {s.get("name") for s in tree.iter("testsuite")}
    assert {"iot-telemetry", "iot-actions-taken", "iot-metadata", "iot-analytics"} <= suites


def test_broken_pipeline_lookup_fails_with_the_rows(products: Path, tmp_path: Path) -> None:
    """The tenant at event time is the pipeline's job: a lookup that takes the device's
    latest tenant instead is caught by the product's own test."""
    replace_in(
        "iot-telemetry/tests/tenant-at-event-time.yaml",
        "{tenant_id: acme, device_id: dev-1, event_ts",
        "{tenant_id: globex, device_id: dev-1, event_ts",
    )(products)
    junit = tmp_path / "junit.xml"
    code, text = _test(
        "--products-dir", str(products), "--product", "iot-telemetry", "--junit", str(junit)
    )
    assert code == 1, text
    assert "- missing   {tenant_id: 'globex', device_id: 'dev-1'" in text
    assert "+ unexpected {tenant_id: 'acme', device_id: 'dev-1'" in text
    failure = next(ET.parse(junit).getroot().iter("failure"))
    assert "missing" in (failure.text or "")


def test_broken_sql_fails(products: Path) -> None:
    replace_in(
        "iot-actions-taken/sql/actions.sql",
        "LOWER(TRIM(category)) AS category",
        "TRIM(category) AS category",
    )(products)
    code, text = _test("--products-dir", str(products), "--product", "iot-actions-taken")
    assert code == 1, text
    assert "category: 'Window'" in text


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "name: x\nexpect:\n  nope: []\n",
            "expect.nope: iot-actions-taken has no table or view port",
        ),
        (
            "name: x\ngiven:\n  nope: []\nexpect:\n  actions: []\n",
            "given.nope: iot-actions-taken has no input port",
        ),
        ("name: x\n", "expect: Field required"),
        (
            "name: x\ngiven:\n  logbook-sheet:\n    - {taken_at: soon}\nexpect:\n  actions: []\n",
            "given.logbook-sheet[0].taken_at: 'soon' is not a TIMESTAMP",
        ),
        (
            "name: x\ngiven:\n  logbook-sheet:\n    - {colour: red}\nexpect:\n  actions: []\n",
            "given.logbook-sheet[0].colour: is not a column of logbook-sheet",
        ),
        (
            "name: x\ngiven:\n  logbook-sheet: {fixture: ../../Makefile}\nexpect:\n  actions: []\n",
            "given.logbook-sheet.fixture: '../../Makefile' is not a file of the product",
        ),
        (
            "name: x\nexpect:\n  actions:\n    - {a: 1}\n    - {b: 2}\n",
            "expect.actions: every expected row must list the same columns",
        ),
    ],
)
def test_invalid_test_file_is_exit_2(products: Path, body: str, message: str) -> None:
    (products / "iot-actions-taken/tests/bad.yaml").write_text(body)
    code, text = _test("--products-dir", str(products), "--product", "iot-actions-taken")
    assert code == 2, text
    assert "bad.yaml: " + message in text.replace("\n", " "), text
    assert "Traceback" not in text


def test_unknown_product_is_exit_2() -> None:
    code, text = _test("--product", "nope")
    assert code == 2
    assert "command line: --product: no product 'nope'" in text


def test_junit_into_a_folder_is_exit_2(tmp_path: Path) -> None:
    code, text = _test("--junit", str(tmp_path))
    assert code == 2
    assert f"command line: --junit: {tmp_path} is a folder" in text
