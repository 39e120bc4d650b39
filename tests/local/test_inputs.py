"""Local data of any product: fixtures typed by the port's columns (errors name the file,
line and column), generated rows that meet the contract rules lineage carries back, and
nothing proven on a port without rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.helpers import REPO
from tests.local.cli import run_local


@pytest.fixture
def products(tmp_path: Path) -> Path:
    target = tmp_path / "products"
    shutil.copytree(REPO / "products", target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def _local(products: Path, tmp_path: Path, stack: str = "crm-prod") -> tuple[int, str, Path]:
    code, stdout, stderr, out = run_local(tmp_path, stack, "--products-dir", str(products))
    return code, stdout + stderr, out


def _use_csv(products: Path, text: str) -> None:
    (products / "customers/local/crm-db.py").unlink()
    (products / "customers/local/crm-db.csv").write_text(text)


HEADER = "customer_id,legal_name,industry,country_code,contact_email,created_at,status\n"


def test_a_csv_fixture_is_typed_and_used(products: Path, tmp_path: Path) -> None:
    _use_csv(
        products,
        HEADER
        + "acme,Acme Ltd,,de,a@acme.example,2025-01-01T00:00:00Z,active\n"
        + "globex,Globex,,fr,,2025-01-01 10:00:00+00:00,suspended\n"
        + "initech,Initech,,de,,2025-02-01T00:00:00Z,active\n",
    )
    code, text, out = _local(products, tmp_path)
    assert code == 0, text
    report = json.loads((out / "report.json").read_text())
    assert report["inputs"]["customers.crm-db"] == {
        "source": "products/customers/local/crm-db.csv",
        "rows": 3,
        "notes": [],
    }
    assert report["rows"]["customers.customers"] == 3


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "acme,Acme,,de,,yesterday,active\n",
            "crm-db.csv:2: created_at: 'yesterday' is not a TIMESTAMP",
        ),
        (
            ",Acme,,de,,2025-01-01T00:00:00Z,active\n",
            "crm-db.csv:2: customer_id: is required and empty",
        ),
    ],
)
def test_a_bad_cell_is_exit_2_naming_file_line_and_column(
    products: Path, tmp_path: Path, body: str, message: str
) -> None:
    _use_csv(products, HEADER + body)
    code, text, _ = _local(products, tmp_path)
    assert code == 2, text
    assert message in text
    assert "Traceback" not in text


def test_an_unknown_column_and_two_fixtures_are_exit_2(products: Path, tmp_path: Path) -> None:
    _use_csv(products, "customer_id,colour\nacme,red\n")
    code, text, _ = _local(products, tmp_path)
    assert code == 2
    assert "crm-db.csv:2: colour: is not a declared column of input port 'crm-db'" in text
    (products / "customers/local/crm-db.jsonl").write_text("{}\n")
    code, text, _ = _local(products, tmp_path)
    assert code == 2
    assert "input port 'crm-db' has 2 fixtures" in text


def test_generated_rows_meet_the_contract_and_cover_every_tenant(
    products: Path, tmp_path: Path
) -> None:
    """Without its generator, customers' CRM rows are generated: the filter on status is
    met, the tenant column (unique) gives one customer per tenant."""
    (products / "customers/local/crm-db.py").unlink()
    code, text, out = _local(products, tmp_path)
    assert code == 0, text
    report = json.loads((out / "report.json").read_text())
    assert report["inputs"]["customers.crm-db"]["source"] == "generated"
    assert report["rows"]["customers.customers"] == 3
    assert all(c["passed"] for c in report["checks"])
    assert all(i["passed"] and i["proven"] for i in report["isolation"])


def test_a_port_without_rows_is_not_proven(products: Path, tmp_path: Path) -> None:
    _use_csv(products, HEADER)  # a header and no rows
    code, text, out = _local(products, tmp_path)
    assert code == 1, text
    report = json.loads((out / "report.json").read_text())
    assert any(c["check"] == "has rows" and not c["passed"] for c in report["checks"])
    assert not any(c["check"] == "customer-id-unique" for c in report["checks"])
    unproven = [i for i in report["isolation"] if not i["proven"]]
    assert {i["principal"] for i in unproven} == {"acme", "globex", "initech"}
    assert "isolation not proven (no data)" in text


def test_reading_filters_leaves_the_lineage_as_it_was() -> None:
    """The local run reads the queries' filters from the same cached parse trees the
    lineage traces: reading them must not change what the lineage sees."""
    from model import load_mesh
    from model.lineage import _trace, all_port_contracts, filter_values, mesh_lineage

    mesh = load_mesh(REPO / "products")
    _trace.cache_clear()
    before = mesh_lineage(mesh.products)
    contracts = all_port_contracts(mesh.products)
    found = {pid: filter_values(mesh[pid], contracts) for pid in mesh.products}
    assert any(found.values())
    _trace.cache_clear()
    assert mesh_lineage(mesh.products) == before


def test_a_fixture_that_is_not_utf8_is_exit_2(products: Path, tmp_path: Path) -> None:
    (products / "customers/local/crm-db.py").unlink()
    (products / "customers/local/crm-db.csv").write_bytes(b"customer_id\n\xff\xfe\n")
    code, text, _ = _local(products, tmp_path)
    assert code == 2, text
    assert "crm-db.csv: (file): is not UTF-8 text" in text
    assert "Traceback" not in text
