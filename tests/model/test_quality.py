"""ODCS quality rules compile faithfully into checks on physical columns, and
what cannot be translated is an error naming the contract field."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlglot
import yaml

from components.quality_rules import dataplex_rule
from model import load_mesh
from model.contract import load_contract
from model.quality import TABLE
from tests.helpers import PRODUCTS

BASE: dict[str, Any] = {
    "apiVersion": "v3.1.0",
    "kind": "DataContract",
    "id": "urn:datacontract:lab:rules",
    "version": "1.0.0",
    "status": "active",
    "schema": [
        {
            "name": "readings",
            "physicalName": "readings_v1",
            "logicalType": "object",
            "description": "Readings.",
            "properties": [
                {
                    "name": "sensorId",
                    "physicalName": "sensor_id",
                    "logicalType": "string",
                    "required": True,
                    "description": "Sensor.",
                },
                {
                    "name": "reading",
                    "physicalName": "reading_value",
                    "logicalType": "number",
                    "description": "Value.",
                },
            ],
        }
    ],
}


def _contract(
    tmp_path: Path, prop_rules: list[Any], object_rules: list[Any] | None = None, **prop: Any
) -> Any:
    doc: dict[str, Any] = yaml.safe_load(yaml.safe_dump(BASE))
    doc["schema"][0]["properties"][1]["quality"] = prop_rules
    doc["schema"][0]["properties"][1].update(prop)
    if object_rules:
        doc["schema"][0]["quality"] = object_rules
    path = tmp_path / "c.odcs.yaml"
    path.write_text(yaml.safe_dump(doc))
    return load_contract(path)


def _check(tmp_path: Path, rule: dict[str, Any]) -> Any:
    contract, issues = _contract(tmp_path, [rule])
    assert issues == []
    (check,) = [c for c in contract.checks if c.source.endswith("quality[0]")]
    return check


@pytest.mark.parametrize(
    ("rule", "measure", "condition", "native"),
    [
        (
            {"metric": "nullValues", "mustBe": 0},
            "COUNTIF(`reading_value` IS NULL)",
            "= 0",
            "non_null_expectation",
        ),
        (
            {"metric": "nullValues", "mustBeLessThan": 5, "unit": "percent"},
            "COALESCE(SAFE_DIVIDE(100 * (COUNTIF(`reading_value` IS NULL)), COUNT(*)), 0)",
            "< 5",
            None,
        ),
        (
            {"metric": "nullValues", "mustBeLessOrEqualTo": 10, "unit": "rows"},
            "COUNTIF(`reading_value` IS NULL)",
            "<= 10",
            None,
        ),
        (
            {
                "metric": "missingValues",
                "arguments": {"missingValues": [None, "", "N/A"]},
                "mustBe": 0,
            },
            "COUNTIF(`reading_value` IS NULL OR CAST(`reading_value` AS STRING) IN ('', 'N/A'))",
            "= 0",
            None,
        ),
        (
            {"metric": "invalidValues", "arguments": {"validValues": [1, 2]}, "mustBe": 0},
            "COUNTIF(`reading_value` IS NOT NULL AND `reading_value` NOT IN (1, 2))",
            "= 0",
            "set_expectation",
        ),
        (
            {"metric": "invalidValues", "arguments": {"pattern": "^[0-9]+$"}, "mustBeLessThan": 3},
            "COUNTIF(`reading_value` IS NOT NULL AND NOT REGEXP_CONTAINS(`reading_value`, "
            "'^[0-9]+$'))",
            "< 3",
            None,
        ),
        (
            {"metric": "duplicateValues", "mustNotBe": 0},
            "COUNT(`reading_value`) - COUNT(DISTINCT `reading_value`)",
            "!= 0",
            None,
        ),
        ({"metric": "rowCount", "mustBeBetween": [10, 20]}, "COUNT(*)", "BETWEEN 10 AND 20", None),
        (
            {"metric": "rowCount", "mustNotBeBetween": [0, 1]},
            "COUNT(*)",
            "NOT BETWEEN 0 AND 1",
            None,
        ),
        ({"metric": "rowCount", "mustBeGreaterOrEqualTo": 1}, "COUNT(*)", ">= 1", None),
        (
            {
                "type": "sql",
                "query": "SELECT COUNT(*) FROM ${object} WHERE reading_value < 0",
                "mustBeLessThan": 1,
            },
            f"(SELECT COUNT(*) FROM {TABLE} WHERE reading_value < 0)",
            "< 1",
            None,
        ),
    ],
)
def test_odcs_rule_translation(
    tmp_path: Path, rule: dict[str, Any], measure: str, condition: str, native: str | None
) -> None:
    check = _check(tmp_path, rule)
    assert check.measure == measure
    assert check.condition == condition
    assert (next(iter(check.native)) if check.native else None) == native
    sqlglot.parse_one(check.holds_sql("`p.d.readings_v1`"), read="bigquery")
    body = dataplex_rule(check)
    if native is None:
        assert ("table_condition_expectation" in body) != ("sql_assertion" in body)


def test_rules_use_physical_columns(tmp_path: Path) -> None:
    contract, issues = _contract(
        tmp_path,
        [{"metric": "nullValues", "mustBe": 0}],
        [
            {
                "metric": "duplicateValues",
                "arguments": {"properties": ["sensorId", "reading"]},
                "mustBe": 0,
            }
        ],
        unique=True,
        logicalTypeOptions={"minimum": 0, "exclusiveMaximum": 100},
    )
    assert issues == []
    physical = {f.name for f in contract.fields}
    assert physical == {"sensor_id", "reading_value"}
    for check in contract.checks:
        assert check.column is None or check.column in physical, check
        for name in ("sensorId", "`reading`"):
            assert name not in check.measure, check
    composite = next(c for c in contract.checks if "TO_JSON_STRING" in c.measure)
    assert "`sensor_id`, `reading_value`" in composite.measure
    bounds = next(c for c in contract.checks if c.source.endswith("logicalTypeOptions"))
    assert "`reading_value` >= 0" in bounds.measure
    assert "`reading_value` < 100" in bounds.measure


@pytest.mark.parametrize(
    ("rule", "field", "message"),
    [
        (
            {"metric": "invalidValues", "arguments": {"minimum": 1}, "mustBe": 0},
            "quality[0].arguments",
            "needs `validValues` or `pattern`",
        ),
        (
            {"metric": "nullValues", "mustBe": 0, "unit": "bytes"},
            "quality[0].unit",
            "not one of rows, percent",
        ),
        (
            {"type": "custom", "engine": "soda", "implementation": "x"},
            "quality[0].type",
            "cannot run on Dataplex",
        ),
        ({"type": "sql", "mustBe": 0, "query": ""}, "quality[0].query", "needs a query"),
    ],
)
def test_untranslatable_rules_are_errors(
    tmp_path: Path, rule: dict[str, Any], field: str, message: str
) -> None:
    contract, issues = _contract(tmp_path, [rule])
    assert contract is None
    assert any(
        i.field == f"schema[0].properties[1].{field}" and message in i.message for i in issues
    ), issues


def test_text_rules_document_and_are_not_run(tmp_path: Path) -> None:
    contract, issues = _contract(tmp_path, [{"type": "text", "description": "Be nice."}])
    assert issues == []
    assert not [c for c in contract.checks if c.source.endswith("quality[0]")]


def test_every_repository_rule_targets_a_column_of_its_table() -> None:
    mesh = load_mesh(PRODUCTS)
    count = 0
    for bundle in mesh.ordered():
        for contract in bundle.contracts.values():
            columns = {f.name for f in contract.fields}
            for check in contract.checks:
                count += 1
                rule = dataplex_rule(check)
                assert rule.get("column", check.column) in columns | {None}, (contract.path, rule)
                sqlglot.parse_one(check.holds_sql("`p.d.t`"), read="bigquery")
    assert count > 20
