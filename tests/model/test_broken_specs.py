"""The corpus of broken specs: each must fail validation with exit code 2 and a
one-line message naming the exact file and field, and never a traceback."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.helpers import edit_yaml, replace_in, set_in
from tools.cli import app

TELEMETRY = "iot-telemetry/product.yaml"
METADATA = "iot-metadata/product.yaml"
ANALYTICS = "iot-analytics/product.yaml"
METRICS_CONTRACT = "iot-telemetry/contracts/metrics.odcs.yaml"


@dataclass(frozen=True)
class Case:
    id: str
    break_it: Callable[[Path], None]
    file: str  # relative to the products folder
    field: str
    message: str  # a fragment of the expected message


def _yaml(rel: str, change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    return lambda root: edit_yaml(root / rel, change)


def _write(rel: str, text: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).write_text(text, encoding="utf-8")


def _delete(*path: str | int) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        node: Any = data
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return change


def _copy_product(src: str, dst: str) -> Callable[[Path], None]:
    return lambda root: shutil.copytree(root / src, root / dst) and None


CASES = [
    # Values checked to their end before they reach a page, a query or Dataflow.
    Case(
        "lineage-entry-free-text-after-the-column",
        _yaml(
            TELEMETRY,
            set_in("transformation", "lineage", "metric", value=["device-events.metrics.<b>x</b>"]),
        ),
        TELEMETRY,
        "transformation.lineage.metric[0]",
        "device-events has no column 'metrics.<b>x</b>'",
    ),
    Case(
        "sheet-url-with-markup-after-the-id",
        replace_in(
            METADATA,
            "sheet_url: https://docs.google.com/spreadsheets/d/1ExampleIotMetadataSheetId0000000000000",
            "sheet_url: 'https://docs.google.com/spreadsheets/d/1Example\"><script>x</script>'",
        ),
        METADATA,
        "input_ports[0].sheet_url",
        "a Google Sheets address",
    ),
    Case(
        "template-parameter-outside-its-pattern",
        _yaml(
            TELEMETRY, set_in("transformation", "parameters", "tenant_refresh_minutes", value="0")
        ),
        TELEMETRY,
        "transformation.parameters.tenant_refresh_minutes",
        "does not match the pattern metadata.json declares",
    ),
    Case(
        "freshness-value-not-a-number",
        replace_in("iot-telemetry/contracts/metrics.odcs.yaml", "value: 15\n", "value: soon\n"),
        "iot-telemetry/contracts/metrics.odcs.yaml",
        "slaProperties[0].value",
        "'soon' is not a number",
    ),
    Case(
        "retention-value-not-a-number",
        replace_in("iot-telemetry/contracts/metrics.odcs.yaml", "value: 400\n", "value: forever\n"),
        "iot-telemetry/contracts/metrics.odcs.yaml",
        "slaProperties[1].value",
        "'forever' is not a number",
    ),
    Case(
        "freshness-without-element",
        replace_in(
            "iot-telemetry/contracts/metrics.odcs.yaml", "    element: metrics.event_ts\n", ""
        ),
        "iot-telemetry/contracts/metrics.odcs.yaml",
        "slaProperties[0].element",
        "a freshness SLA needs `element`",
    ),
    Case(
        "partitioned-port-read-without-its-filter",
        replace_in(
            "iot-analytics/sql/climate_daily.sql",
            "WHERE m.event_ts >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 400 DAY)\n",
            "WHERE m.metric IS NOT NULL\n",
        ),
        "iot-analytics/sql/climate_daily.sql",
        "transformation.views[1].sql",
        "reads {{ iot-telemetry.metrics }} without a filter on event_ts",
    ),
    Case(
        "partition-filter-only-in-a-join-condition",
        replace_in(
            "iot-analytics/sql/action_effects.sql",
            "  WHERE event_ts >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 91 DAY)\n"
            "    AND metric = 'co2'",
            "  WHERE metric = 'co2'\n"
            "    AND event_ts >= (SELECT MIN(taken_at) FROM {{ iot-actions-taken.actions }})",
        ),
        "iot-analytics/sql/action_effects.sql",
        "transformation.views[2].sql",
        "without a filter on event_ts",
    ),
    Case(
        "source-column-declassified-without-a-reason",
        replace_in(
            "customers/product.yaml",
            '{name: legal_name, type: STRING, required: true, description: "Legal name."}',
            "{name: legal_name, type: STRING, required: true, classification: pii, "
            'description: "Legal name."}',
        ),
        "customers/product.yaml",
        "output_ports[0].contract",
        "column 'name' derives from pii column input crm-db.legal_name",
    ),
    Case(
        "malformed-yaml",
        _write(
            TELEMETRY, "# yaml-language-server: $schema=../product.schema.json\nid: [unclosed\n"
        ),
        TELEMETRY,
        "(file)",
        "invalid YAML at line",
    ),
    Case("empty-file", _write(TELEMETRY, ""), TELEMETRY, "(file)", "file is empty"),
    Case(
        "not-a-mapping", _write(TELEMETRY, "- a\n- b\n"), TELEMETRY, "(file)", "expected a mapping"
    ),
    Case(
        "duplicate-yaml-key",
        replace_in(TELEMETRY, "domain: iot\n", "domain: iot\ndomain: iot\n"),
        TELEMETRY,
        "(file)",
        "duplicate key 'domain'",
    ),
    Case(
        "missing-field",
        _yaml(TELEMETRY, _delete("owner")),
        TELEMETRY,
        "owner",
        "required field is missing",
    ),
    Case(
        "missing-nested-field",
        _yaml(TELEMETRY, _delete("owner", "group")),
        TELEMETRY,
        "owner.group",
        "required field is missing",
    ),
    Case(
        "wrong-type",
        _yaml(TELEMETRY, set_in("output_ports", 0, "require_partition_filter", value="maybe")),
        TELEMETRY,
        "output_ports[0].require_partition_filter",
        "must be true or false",
    ),
    Case(
        "wrong-type-number",
        _yaml(TELEMETRY, set_in("transformation", "max_workers", value="many")),
        TELEMETRY,
        "transformation.max_workers",
        "must be a whole number (got 'many')",
    ),
    Case(
        "unknown-key",
        _yaml(TELEMETRY, set_in("colour", value="blue")),
        TELEMETRY,
        "colour",
        "unknown key",
    ),
    Case(
        "unknown-nested-key",
        _yaml(TELEMETRY, set_in("output_ports", 0, "partition", value={})),
        TELEMETRY,
        "output_ports[0].partition",
        "unknown key",
    ),
    Case(
        "unknown-port-kind",
        _yaml(TELEMETRY, set_in("input_ports", 0, "kind", value="kafka")),
        TELEMETRY,
        "input_ports[0]",
        "kind 'kafka' is not one of",
    ),
    Case(
        "bad-identifier",
        _yaml(TELEMETRY, set_in("id", value="IoT_Telemetry")),
        TELEMETRY,
        "id",
        "a product id is 3-63 lowercase letters, digits or hyphens",
    ),
    Case(
        "too-long-id",
        _yaml(TELEMETRY, set_in("id", value="a" * 64)),
        TELEMETRY,
        "id",
        "a product id is 3-63",
    ),
    Case(
        "reserved-id",
        _yaml(TELEMETRY, set_in("id", value="input")),
        TELEMETRY,
        "id",
        "'input' is reserved",
    ),
    Case(
        "bad-group-email",
        _yaml(TELEMETRY, set_in("owner", "group", value="iot team")),
        TELEMETRY,
        "owner.group",
        "'iot team' is not valid",
    ),
    Case(
        "physical-name-without-version",
        _yaml(TELEMETRY, set_in("output_ports", 0, "physical_name", value="metrics")),
        TELEMETRY,
        "output_ports[0].physical_name",
        "ending in the contract's major version",
    ),
    Case(
        "unknown-product",
        _yaml(TELEMETRY, set_in("input_ports", 1, "product", value="iot-meta")),
        TELEMETRY,
        "input_ports[1].product",
        "unknown product 'iot-meta'",
    ),
    Case(
        "unknown-port",
        _yaml(TELEMETRY, set_in("input_ports", 1, "port", value="tenants")),
        TELEMETRY,
        "input_ports[1].port",
        "iot-metadata has no output port 'tenants'",
    ),
    Case(
        "self-reference",
        _yaml(TELEMETRY, set_in("input_ports", 1, "product", value="iot-telemetry")),
        TELEMETRY,
        "input_ports[1].product",
        "cannot read its own output port",
    ),
    Case(
        "cycle",
        _yaml(
            METADATA,
            lambda d: d["input_ports"].append(
                {
                    "name": "metrics",
                    "kind": "data-product",
                    "product": "iot-telemetry",
                    "port": "metrics",
                }
            ),
        ),
        METADATA,
        "input_ports[1].product",
        "products form a cycle: iot-metadata -> iot-telemetry -> iot-metadata",
    ),
    Case(
        "duplicate-id",
        _copy_product("iot-metadata", "iot-metadata-copy"),
        "iot-metadata-copy/product.yaml",
        "id",
        "id 'iot-metadata' is also used by",
    ),
    Case(
        "duplicate-port-name",
        _yaml(METADATA, set_in("output_ports", 1, "name", value="devices")),
        METADATA,
        "output_ports",
        "port name 'devices' is used 2 times",
    ),
    Case(
        "missing-contract",
        lambda root: (root / METRICS_CONTRACT).unlink(),
        TELEMETRY,
        "output_ports[0].contract",
        "contract file metrics.odcs.yaml does not exist",
    ),
    Case(
        "invalid-contract",
        replace_in(METRICS_CONTRACT, "status: active\n", "status: active\nowner: iot\n"),
        METRICS_CONTRACT,
        "(file)",
        "'owner' was unexpected",
    ),
    Case(
        "invalid-contract-type",
        replace_in(METRICS_CONTRACT, "logicalType: number", "logicalType: decimal"),
        METRICS_CONTRACT,
        "schema[0].properties[4].logicalType",
        "is not one of",
    ),
    Case(
        "contract-version-mismatch",
        replace_in(METRICS_CONTRACT, "version: 1.0.0", "version: 2.0.0"),
        TELEMETRY,
        "output_ports[0].physical_name",
        "names major version 1 but contract metrics.odcs.yaml is version 2.0.0",
    ),
    Case(
        "contract-physical-name-mismatch",
        replace_in(METRICS_CONTRACT, "physicalName: metrics_v1", "physicalName: measurements_v1"),
        TELEMETRY,
        "output_ports[0].physical_name",
        "differs from the contract's schema",
    ),
    Case(
        "partition-column-not-in-contract",
        _yaml(TELEMETRY, set_in("output_ports", 0, "partitioning", "field", value="ts")),
        TELEMETRY,
        "output_ports[0].partitioning.field",
        "column 'ts' is not in contract",
    ),
    Case(
        "partition-column-wrong-type",
        _yaml(TELEMETRY, set_in("output_ports", 0, "partitioning", "field", value="metric")),
        TELEMETRY,
        "output_ports[0].partitioning.field",
        "time partitioning needs a DATE",
    ),
    Case(
        "clustering-column-not-in-contract",
        _yaml(TELEMETRY, set_in("output_ports", 0, "clustering", value=["tenant_id", "room"])),
        TELEMETRY,
        "output_ports[0].clustering[1]",
        "column 'room' is not in contract",
    ),
    Case(
        "tenant-column-not-in-contract",
        _yaml(TELEMETRY, set_in("output_ports", 0, "tenant_column", value="customer")),
        TELEMETRY,
        "output_ports[0].tenant_column",
        "column 'customer' is not in contract",
    ),
    Case(
        "tenant-column-not-required",
        replace_in(
            "iot-metadata/contracts/devices.odcs.yaml",
            "        required: true\n        description: Customer id of the tenant the device",
            "        required: false\n        description: Customer id of the tenant the device",
        ),
        METADATA,
        "output_ports[0].tenant_column",
        "must be a REQUIRED STRING",
    ),
    Case(
        "consumer-without-data-product-inputs",
        _yaml(ANALYTICS, set_in("input_ports", value=[])),
        ANALYTICS,
        "input_ports",
        "consumer-aligned product must read at least one",
    ),
    Case(
        "missing-sql-file",
        lambda root: (root / "iot-analytics/sql/climate_daily.sql").unlink(),
        ANALYTICS,
        "transformation.views[1].sql",
        "SQL file 'sql/climate_daily.sql' does not exist",
    ),
    Case(
        "unparseable-sql",
        _write("iot-analytics/sql/climate_daily.sql", "SELECT FROM WHERE ("),
        "iot-analytics/sql/climate_daily.sql",
        "transformation.views[1].sql",
        "does not parse as BigQuery SQL",
    ),
    Case(
        "sql-reads-undeclared-product",
        _yaml(
            ANALYTICS,
            set_in(
                "input_ports",
                value=[
                    {
                        "name": "metrics",
                        "kind": "data-product",
                        "product": "iot-telemetry",
                        "port": "metrics",
                    },
                    {
                        "name": "devices",
                        "kind": "data-product",
                        "product": "iot-metadata",
                        "port": "devices",
                    },
                    {
                        "name": "actions",
                        "kind": "data-product",
                        "product": "iot-actions-taken",
                        "port": "actions",
                    },
                ],
            ),
        ),
        ANALYTICS,
        "transformation.views[0].sql",
        "reads customers.customers, which is not one of iot-analytics's data-product input ports",
    ),
    Case(
        "sql-hard-coded-table",
        replace_in(
            "iot-analytics/sql/climate_daily.sql",
            "{{ customers.customers }}",
            "`crm-prod.crm.customers`",
        ),
        "iot-analytics/sql/climate_daily.sql",
        "transformation.views[1].sql",
        "reads 'crm-prod.crm.customers' directly",
    ),
    Case(
        "sql-reads-unknown-own-input",
        replace_in(
            "iot-metadata/sql/devices.sql", "{{ input.placements-sheet }}", "{{ input.sheet }}"
        ),
        METADATA,
        "transformation.queries[0].sql",
        "{{ input.sheet }} in sql/devices.sql is not a",
    ),
    Case(
        "view-port-without-sql",
        _yaml(ANALYTICS, lambda d: d["transformation"]["views"].pop()),
        ANALYTICS,
        "output_ports[2]",
        "view port 'action-effects' is not produced",
    ),
    Case(
        "destination-not-a-table",
        _yaml(
            METADATA, set_in("transformation", "queries", 0, "destination_port", value="nowhere")
        ),
        METADATA,
        "transformation.queries[0].destination_port",
        "'nowhere' is not a table output",
    ),
    Case(
        "pipeline-folder-missing",
        _yaml(TELEMETRY, set_in("transformation", "pipeline", value="beam")),
        TELEMETRY,
        "transformation.pipeline",
        "pipeline folder 'beam' does not exist",
    ),
    Case(
        "path-escapes-product-folder",
        _yaml(TELEMETRY, set_in("output_ports", 0, "contract", value="../customers/x.yaml")),
        TELEMETRY,
        "output_ports[0].contract",
        "is not valid",
    ),
    Case(
        "missing-schema-line",
        replace_in(TELEMETRY, "# yaml-language-server: $schema=../product.schema.json\n", ""),
        TELEMETRY,
        "(file)",
        "the first line must be",
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_broken_spec_is_rejected_with_file_and_field(case: Case, products: Path) -> None:
    case.break_it(products)
    result = CliRunner().invoke(app, ["validate", "--products-dir", str(products)])
    assert result.exit_code == 2, result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(
        result.exception, SystemExit
    )
    lines = result.stderr.splitlines()
    assert lines, "no problem reported"
    prefix = f"{(products / case.file).resolve()}: {case.field}: "
    matching = [line for line in lines if line.startswith(prefix)]
    assert matching, f"no line starts with {prefix!r}:\n" + "\n".join(lines)
    assert any(case.message in line for line in matching), "\n".join(matching)
    assert result.stdout == ""


def test_several_problems_are_reported_at_once(products: Path) -> None:
    edit_yaml(products / TELEMETRY, set_in("colour", value="blue"))
    edit_yaml(products / METADATA, _delete("owner"))
    result = CliRunner().invoke(app, ["validate", "--products-dir", str(products)])
    assert result.exit_code == 2
    fields = {line.split(": ")[1] for line in result.stderr.splitlines()}
    assert {"colour", "owner"} <= fields


def test_missing_products_folder(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "--products-dir", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.stderr.strip().endswith(": (file): products folder does not exist")
