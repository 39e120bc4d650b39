"""Tenancy and classification follow the lineage: validation stops a port that
loses its tenant or declassifies personal data, and lets the honest variants through."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from model import load_mesh
from tests.helpers import edit_yaml, replace_in
from tools.cli import app

ANALYTICS = "iot-analytics/product.yaml"
CLIMATE_SQL = "iot-analytics/sql/climate_daily.sql"
CLIMATE_CONTRACT = "iot-analytics/contracts/climate-daily.odcs.yaml"
TELEMETRY = "iot-telemetry/product.yaml"


def _climate_port(change: Callable[[dict], None]) -> Callable[[Path], None]:  # type: ignore[type-arg]
    return lambda root: edit_yaml(root / ANALYTICS, lambda d: change(d["output_ports"][1]))


def _also(*steps: Callable[[Path], None]) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        for step in steps:
            step(root)

    return apply


def _pii_column(classification: str, declassify: bool) -> Callable[[Path], None]:
    """climate-daily serves the tenant's contact e-mail (pii upstream)."""
    steps = [
        replace_in(
            CLIMATE_SQL,
            "  cu.name AS tenant_name,",
            "  cu.name AS tenant_name,\n  ANY_VALUE(cu.contact_email) AS contact,",
        ),
        replace_in(
            CLIMATE_CONTRACT,
            "      - {name: building,",
            "      - {name: contact, logicalType: string, classification: "
            f'{classification}, description: "Contact."}}\n      - {{name: building,',
        ),
    ]
    if declassify:
        steps.append(_climate_port(lambda p: p.update(declassify={"contact": "tenant's own"})))
    return _also(*steps)


HARMFUL = [
    (
        "no-tenant-column",
        _climate_port(lambda p: p.pop("tenant_column")),
        "output_ports[1].tenant_column",
        "reads tenant-scoped",
    ),
    (
        "constant-tenant",
        replace_in(CLIMATE_SQL, "  m.tenant_id,\n", "  'acme' AS tenant_id,\n"),
        "output_ports[1].tenant_column",
        "is a constant",
    ),
    (
        "other-column-as-tenant",
        replace_in(CLIMATE_SQL, "  m.tenant_id,\n", "  m.device_id AS tenant_id,\n"),
        "output_ports[1].tenant_column",
        "derives from iot-telemetry.metrics.device_id",
    ),
    (
        "cross-tenant-keeps-tenant-column",
        lambda root: edit_yaml(
            root / ANALYTICS, lambda d: d.update(cross_tenant={"reason": "fleet-wide benchmarks"})
        ),
        "output_ports[0].tenant_column",
        "is cross_tenant",
    ),
    (
        "pii-declassified-silently",
        _pii_column("internal", declassify=False),
        "output_ports[1].contract",
        "derives from pii column customers.customers.contact_email",
    ),
    (
        "sql-external-query-outside-a-port",
        replace_in(
            CLIMATE_SQL,
            "LEFT JOIN {{ customers.customers }} AS cu",
            'LEFT JOIN EXTERNAL_QUERY("p.eu.crm", "SELECT 1 AS customer_id") AS cu',
        ),
        "transformation.views[1].sql",
        "reads rows from the table function EXTERNAL_QUERY",
    ),
    (
        "sql-table-function",
        replace_in(
            CLIMATE_SQL,
            "LEFT JOIN {{ customers.customers }} AS cu",
            "LEFT JOIN shared.customers_tvf(1) AS cu",
        ),
        "transformation.views[1].sql",
        "reads rows from the table function CUSTOMERS_TVF",
    ),
    (
        "pipeline-parameter-overrides-identity",
        replace_in(
            TELEMETRY,
            '    tenant_refresh_minutes: "15"\n',
            '    tenant_refresh_minutes: "15"\n'
            '    service_account_email: "x@y.iam.gserviceaccount.com"\n',
        ),
        "transformation.parameters.service_account_email",
        "is not a parameter of the pipeline",
    ),
    (
        "pipeline-lineage-missing",
        replace_in(TELEMETRY, "    ingested_at: []\n", ""),
        "transformation.lineage",
        "declare where ingested_at",
    ),
    (
        "pipeline-lineage-unknown-column",
        replace_in(
            TELEMETRY, "tenant_id: [device-tenants.tenant_id]", "tenant_id: [device-tenants.owner]"
        ),
        "transformation.lineage.tenant_id[0]",
        "has no column 'owner'",
    ),
]


@pytest.mark.parametrize(
    ("case", "change", "field", "message"), HARMFUL, ids=[h[0] for h in HARMFUL]
)
def test_harmful_change_is_stopped(
    case: str, change: Callable[[Path], None], field: str, message: str, products: Path
) -> None:
    change(products)
    result = CliRunner().invoke(app, ["validate", "--products-dir", str(products)])
    assert result.exit_code == 2, result.stdout
    assert any(f": {field}: " in line and message in line for line in result.stderr.splitlines()), (
        result.stderr
    )


NEAR_MISSES = [
    (
        "cross-tenant-without-tenant-columns",
        lambda root: edit_yaml(
            root / ANALYTICS,
            lambda d: (
                d.update(cross_tenant={"reason": "fleet-wide benchmarks"}),
                [p.pop("tenant_column", None) for p in d["output_ports"]],
            ),
        ),
    ),
    ("pii-kept-pii", _pii_column("pii", declassify=False)),
    ("pii-declassified-with-reason", _pii_column("internal", declassify=True)),
    (
        "tenant-column-renamed-in-sql",
        replace_in(CLIMATE_SQL, "  m.tenant_id,\n", "  m.tenant_id AS tenant_id,\n"),
    ),
]


@pytest.mark.parametrize(("case", "change"), NEAR_MISSES, ids=[n[0] for n in NEAR_MISSES])
def test_near_miss_stays_valid(case: str, change: Callable[[Path], None], products: Path) -> None:
    change(products)
    mesh = load_mesh(products)
    assert ("iot-analytics", "climate-daily") in mesh.lineage
