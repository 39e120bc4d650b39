"""The contract's compiled checks (model/quality.py) as Dataplex data-quality rules.

A check with an exact native rule (non-null, uniqueness, set, regex, range, all
with every row required to pass) uses it; any other aggregate check becomes a
table condition, and a `sql` rule's scalar query an SQL assertion, both with
the check's own operator, so nothing is loosened or tightened on the way.
"""

from __future__ import annotations

from typing import Any

from model.contract import Contract
from model.product import OutputPort
from model.quality import Check


def dataplex_rule(check: Check) -> dict[str, Any]:
    rule: dict[str, Any] = {
        "name": check.name,
        "dimension": check.dimension,
        "description": check.description[:1024],
    }
    if check.column is not None and check.native is not None:
        rule["column"] = check.column
    if check.native is not None:
        rule.update(check.native)
        if set(check.native) & {"set_expectation", "regex_expectation", "range_expectation"}:
            rule["ignore_null"] = True
    elif check.scalar:
        rule["sql_assertion"] = {
            "sql_statement": (
                f"SELECT value FROM (SELECT {check.measure} AS value) "
                f"WHERE NOT COALESCE(value {check.condition}, FALSE)"
            )
        }
    else:
        rule["table_condition_expectation"] = {
            "sql_expression": f"COALESCE({check.measure} {check.condition}, FALSE)"
        }
    return rule


def quality_rules(contract: Contract) -> list[dict[str, Any]]:
    return [dataplex_rule(check) for check in contract.checks]


def row_filter(port: OutputPort, contract: Contract) -> str | None:
    """Scan only recent partitions of tables that require a partition filter."""
    field = port.required_filter_column()
    if field is None:
        return None
    column = contract.column(field)
    if column is not None and column.type == "DATE":
        return f"{field} >= DATE_SUB(CURRENT_DATE(), INTERVAL 2 DAY)"
    return f"{field} >= TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 2 DAY)"
