"""A view filters no rows itself: one that declares a tenant column must carry the tenant
of a tenant-scoped port it reads (whose row access policies then apply). Serving the
tenants of a product's own source through a view would give every tenant every row; the
local run proved it (`datamesh local`: LEAK), so validation and the pack refuse it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from model import SpecError, load_mesh
from tests.helpers import REPO, edit_yaml
from tools.cli import app


def test_a_view_serving_its_own_sources_tenants_is_refused(tmp_path: Path) -> None:
    products = tmp_path / "products"
    shutil.copytree(REPO / "products", products, ignore=shutil.ignore_patterns("__pycache__"))
    result = CliRunner().invoke(
        app,
        [
            "new",
            "product",
            "visits",
            "--domain",
            "facilities",
            "--input",
            "google-sheet:log",
            "--tenant-column",
            "tenant_id",
            "--products-dir",
            str(products),
        ],
    )
    assert result.exit_code == 0, result.output
    load_mesh(products)  # as a table (row access policies per tenant): valid

    def as_view(spec: dict[str, Any]) -> None:
        spec["transformation"] = {
            "kind": "views",
            "views": [{"port": "visits", "sql": "sql/visits.sql"}],
        }
        spec["output_ports"][0]["kind"] = "view"

    edit_yaml(products / "visits" / "product.yaml", as_view)
    with pytest.raises(SpecError) as raised:
        load_mesh(products)
    messages = [f"{i.field}: {i.message}" for i in raised.value.issues]
    assert any(
        m.startswith("output_ports[0].tenant_column: a view filters no rows itself")
        for m in messages
    ), messages
