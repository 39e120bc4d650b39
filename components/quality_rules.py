"""Contract quality rules and SLAs -> Dataplex data-quality rules (pure Python).

Rules come from: REQUIRED columns (non-null), `unique` columns and
`duplicateValues` checks (uniqueness), `invalidValues` with a range or a list
(range / set), `rowCount` (volume), SQL checks (assertion) and the
`freshness` SLA (freshness of the SLA's element column).
"""

from __future__ import annotations

import re
from typing import Any

from model.contract import Contract
from model.product import TableOutput

_UNITS = {"m": "MINUTE", "min": "MINUTE", "h": "HOUR", "d": "DAY"}


def _rule_name(*parts: str) -> str:
    name = re.sub(r"[^a-z0-9-]+", "-", "-".join(parts).lower()).strip("-")
    return name[:63].rstrip("-")


def quality_rules(contract: Contract) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = []
    names: set[str] = set()

    def add(rule: dict[str, Any]) -> None:
        if rule["name"] not in names:
            names.add(rule["name"])
            rules.append(rule)

    props = {p.name: p for p in contract.object.properties or []}
    for f in contract.fields:
        if f.mode == "REQUIRED":
            add(
                {
                    "name": _rule_name(f.name, "not-null"),
                    "column": f.name,
                    "dimension": "COMPLETENESS",
                    "non_null_expectation": {},
                }
            )
        prop = props.get(f.name)
        if prop is not None and prop.unique:
            add(
                {
                    "name": _rule_name(f.name, "unique"),
                    "column": f.name,
                    "dimension": "UNIQUENESS",
                    "uniqueness_expectation": {},
                }
            )

    for column, q in contract.quality:
        metric = (q.metric or q.rule or "").strip()
        args = q.arguments or {}
        if metric == "duplicateValues" and column:
            add(
                {
                    "name": _rule_name(column, "unique"),
                    "column": column,
                    "dimension": "UNIQUENESS",
                    "uniqueness_expectation": {},
                }
            )
        elif metric == "duplicateValues" and args.get("properties"):
            cols = ", ".join(args["properties"])
            add(
                {
                    "name": _rule_name("no-duplicate", *args["properties"]),
                    "dimension": "UNIQUENESS",
                    "sql_assertion": {
                        "sql_statement": (
                            f"SELECT {cols} FROM ${{data()}} GROUP BY {cols} HAVING COUNT(*) > 1"
                        )
                    },
                }
            )
        elif metric == "invalidValues" and column and "validValues" in args:
            add(
                {
                    "name": _rule_name(column, "in-set"),
                    "column": column,
                    "dimension": "VALIDITY",
                    "ignore_null": True,
                    "set_expectation": {"values": [str(v) for v in args["validValues"]]},
                }
            )
        elif metric == "invalidValues" and column and ({"minimum", "maximum"} & set(args)):
            bounds = {}
            if "minimum" in args:
                bounds["min_value"] = str(args["minimum"])
            if "maximum" in args:
                bounds["max_value"] = str(args["maximum"])
            add(
                {
                    "name": _rule_name(column, "in-range"),
                    "column": column,
                    "dimension": "VALIDITY",
                    "ignore_null": True,
                    "range_expectation": bounds,
                }
            )
        elif metric == "nullValues" and column:
            add(
                {
                    "name": _rule_name(column, "not-null"),
                    "column": column,
                    "dimension": "COMPLETENESS",
                    "non_null_expectation": {},
                }
            )
        elif metric == "rowCount" and q.mustBeGreaterThan is not None:
            add(
                {
                    "name": _rule_name("row-count"),
                    "dimension": "VOLUME",
                    "table_condition_expectation": {
                        "sql_expression": f"COUNT(*) > {q.mustBeGreaterThan}"
                    },
                }
            )
        elif (q.type or "") == "sql" and q.query and q.mustBe == 0:
            query = q.query.replace("${object}", "${data()}")
            add(
                {
                    "name": _rule_name("sql", q.description or str(len(rules))),
                    "dimension": "CONSISTENCY",
                    "description": q.description or "",
                    "sql_assertion": {
                        "sql_statement": (
                            f"SELECT violations FROM (SELECT ({query}) AS violations) "
                            "WHERE violations != 0"
                        )
                    },
                }
            )

    freshness = _freshness(contract)
    if freshness is not None:
        column, amount, unit = freshness
        add(
            {
                "name": _rule_name(column, "fresh"),
                "dimension": "FRESHNESS",
                "sql_assertion": {
                    "sql_statement": (
                        f"SELECT MAX({column}) AS newest FROM ${{data()}} HAVING MAX({column}) < "
                        f"TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL {amount} {unit})"
                    )
                },
            }
        )
    return rules


def _freshness(contract: Contract) -> tuple[str, int, str] | None:
    for sla in contract.model.slaProperties or []:
        if (sla.property or "").lower() != "freshness" or not sla.element:
            continue
        column = sla.element.split(".")[-1]
        field = contract.column(column)
        unit = _UNITS.get((sla.unit or "").lower())
        if field is None or field.type != "TIMESTAMP" or unit is None:
            continue
        return column, int(float(str(sla.value))), unit
    return None


def row_filter(port: TableOutput, contract: Contract) -> str | None:
    """Scan only recent partitions of tables that require a partition filter."""
    if port.partitioning is None or not port.require_partition_filter:
        return None
    column = contract.column(port.partitioning.field)
    if column is not None and column.type == "DATE":
        return f"{port.partitioning.field} >= DATE_SUB(CURRENT_DATE(), INTERVAL 2 DAY)"
    return f"{port.partitioning.field} >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 2 DAY)"
