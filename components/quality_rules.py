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
from model.quality import Check, scan_filter


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


# A scan that sees no row proves nothing: it fails (no rows in the window, or rows hidden
# from the scanning identity by a row access policy or a policy tag it cannot read).
SEES_ROWS = {
    "name": "sees-rows",
    "dimension": "VOLUME",
    "description": "The scan sees rows: every other rule holds trivially on none",
    "table_condition_expectation": {"sql_expression": "COUNT(*) > 0"},
}


def quality_rules(contract: Contract) -> list[dict[str, Any]]:
    return [dict(SEES_ROWS), *(dataplex_rule(check) for check in contract.checks)]


def row_filter(port: OutputPort, contract: Contract) -> str | None:
    """Scan only the window every check of the port reads (model/quality.py)."""
    return scan_filter(port.required_filter_column(), contract)
