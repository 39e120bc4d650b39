"""A new team's domain, written from the README alone, added to iot-prod with no change
outside products/ and the stack config: a Google Sheet source with no fixture, a
federated source with a CSV fixture and declared columns, a views consumer of both, and
a unit test (tests/local/new_team/)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from tests.helpers import REPO, project_copy, replace_in
from tools.cli import app

NEW_TEAM = Path(__file__).parent / "new_team"
NEW = ["energy-meters", "tariffs", "energy-costs"]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = project_copy(tmp_path_factory.mktemp("project"), ("crm-prod", "iot-prod"))
    for product in NEW:
        shutil.copytree(NEW_TEAM / product, root / "products" / product)
    path = root / "Pulumi.iot-prod.yaml"
    doc = yaml.safe_load(path.read_text())
    config = doc["config"]
    config["data-mesh:products"] += NEW
    config["data-mesh:teams"]["energy"] = "energy-team@example.com"
    config["data-mesh:federatedCredentials"] = {
        "tariffs/billing-db": {"username": "reader", "password": {"secure": "v1:AAAA"}}
    }
    path.write_text(yaml.safe_dump(doc))
    return root


def _cli(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout + result.stderr


def test_validate_and_plan_are_clean(project: Path) -> None:
    code, text = _cli("validate", "--products-dir", str(project / "products"))
    assert code == 0, text
    code, text = _cli("plan", "--project-dir", str(project), "--stack", "iot-prod", "--quiet")
    assert code == 0, text
    assert "Violations: 0 mandatory" in text


def test_local_run_proves_every_new_port_on_data(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    code, text = _cli(
        "local",
        "--project-dir",
        str(project),
        "--stack",
        "iot-prod",
        "--scale",
        "12",
        "--out",
        str(out),
    )
    assert code == 0, text
    report = json.loads((out / "report.json").read_text())
    assert report["inputs"]["energy-meters.meter-sheet"]["source"] == "generated"
    assert (
        report["inputs"]["tariffs.billing-db"]["source"] == "products/tariffs/local/billing-db.csv"
    )
    for port in ("energy-meters.readings", "tariffs.tariffs", "energy-costs.costs"):
        assert report["rows"][port] > 0, port
        checks = [c for c in report["checks"] if f"{c['product']}.{c['port']}" == port]
        assert {"schema", "has rows"} <= {c["check"] for c in checks}
        assert all(c["passed"] for c in checks), checks
        reads = [i for i in report["isolation"] if f"{i['product']}.{i['port']}" == port]
        tenants = [i for i in reads if i["principal"] != "(no policy)"]
        assert {i["principal"] for i in tenants} == {"acme", "globex", "initech"}
        assert all(i["own_rows"] > 0 and i["passed"] and i["leaked"] == 0 for i in tenants)
    # the contract's rules were carried back through LOWER() and TRIM() to the sheet
    names = {c["check"] for c in report["checks"] if c["product"] == "energy-meters"}
    assert {"kind-in-set", "meter-id-valid", "kwh-in-range"} <= names


def test_unit_test_passes_and_fails_with_a_row_diff(project: Path, tmp_path: Path) -> None:
    products = project / "products"
    code, text = _cli("test", "--products-dir", str(products), "--product", "energy-costs")
    assert code == 0, text
    assert "1 passed, 0 failed" in text
    broken = tmp_path / "products"
    shutil.copytree(products, broken, symlinks=True)
    replace_in("energy-costs/sql/costs.sql", "ROUND(r.kwh * t.price_per_kwh, 2)", "r.kwh")(broken)
    code, text = _cli("test", "--products-dir", str(broken), "--product", "energy-costs")
    assert code == 1, text
    assert "- missing   {tenant_id: 'acme', meter_id: 'M-000001', cost_eur: 3.1}" in text
    assert "+ unexpected {tenant_id: 'acme', meter_id: 'M-000001', cost_eur: 10.0}" in text


def test_the_platform_names_no_product() -> None:
    ids = [p.name for p in (REPO / "products").iterdir() if (p / "product.yaml").exists()]
    for folder in ("tools", "components", "program"):
        for path in (REPO / folder).rglob("*"):
            if path.suffix in {".py", ".html", ".js", ".css"}:
                text = path.read_text()
                named = [i for i in ids if i in text]
                assert not named, (path, named)


def test_catalog_shows_the_new_products_profiles_and_dashboard(
    project: Path, tmp_path: Path
) -> None:
    run, site = tmp_path / "run", tmp_path / "site"
    for args in (
        ("local", "--stack", "iot-prod", "--scale", "12", "--out", str(run)),
        ("catalog", "--stack", "iot-prod", "--local", str(run), "--out", str(site)),
    ):
        code, text = _cli(*args, "--project-dir", str(project))
        assert code == 0, text
    for product, port in (("energy-meters", "readings"), ("energy-costs", "costs")):
        page = (site / "products" / f"{product}.html").read_text()
        assert f'id="profile-{port}"' in page, product
    board = (site / "dashboards" / "energy-costs--costs.html").read_text()
    assert "Energy costs per meter" in board
    for tenant in ("acme", "globex", "initech"):
        text = (site / "data" / f"board--energy-costs--costs--{tenant}.js").read_text()
        value = json.loads(text.rsplit("] = ", 1)[1].rstrip().rstrip(";"))
        assert all(c["rows"] for c in value["charts"])
        assert {t for c in value["charts"] for t in c["columns"]["tenant_id"]} == {tenant}
