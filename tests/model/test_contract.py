from __future__ import annotations

import json
from pathlib import Path

from model.contract import load_contract
from tests.helpers import PRODUCTS


def test_metrics_contract_maps_to_bigquery_schema() -> None:
    contract, issues = load_contract(PRODUCTS / "iot-telemetry/contracts/metrics.odcs.yaml")
    assert issues == []
    assert contract is not None
    assert contract.id == "urn:datacontract:iot:iot-telemetry:metrics"
    assert contract.major == 1
    assert contract.name == "metrics_v1"
    schema = json.loads(contract.bigquery_schema_json())
    by_name = {f["name"]: f for f in schema}
    assert by_name["tenant_id"] == {
        "name": "tenant_id",
        "type": "STRING",
        "mode": "REQUIRED",
        "description": "Tenant (customer id) that owned the device when the reading was taken.",
    }
    assert by_name["event_ts"]["type"] == "TIMESTAMP"
    assert by_name["value"]["type"] == "FLOAT64"
    assert all(f["description"] for f in schema)
    assert contract.sla("retention") == (400, "d")
    assert contract.sla("freshness") == (15, "m")
    # Column rules and object rules are both compiled, with the column they apply to.
    columns = {check.column for check in contract.checks}
    assert None in columns
    assert "tenant_id" in columns


def test_event_contract_array_of_objects_becomes_repeated_record() -> None:
    contract, issues = load_contract(PRODUCTS / "iot-telemetry/contracts/device-events.odcs.yaml")
    assert issues == []
    assert contract is not None
    metrics = contract.column("metrics")
    assert metrics is not None
    assert (metrics.type, metrics.mode) == ("RECORD", "REPEATED")
    assert [(f.name, f.type, f.mode) for f in metrics.fields] == [
        ("name", "STRING", "REQUIRED"),
        ("value", "FLOAT64", "REQUIRED"),
        ("unit", "STRING", "REQUIRED"),
    ]


def test_classification_is_kept_for_policy_tags() -> None:
    contract, _ = load_contract(PRODUCTS / "customers/contracts/customers.odcs.yaml")
    assert contract is not None
    email = contract.column("contact_email")
    assert email is not None
    assert email.classification == "pii"
    assert "classification" not in email.to_api()


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "c.odcs.yaml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """\
apiVersion: v3.1.0
kind: DataContract
id: urn:test
version: 1.0.0
status: active
schema:
  - name: t
    physicalName: t_v1
    properties:
"""


def test_logical_and_physical_type_must_agree(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        BASE + "      - {name: a, logicalType: integer, physicalType: STRING, description: x}\n",
    )
    contract, issues = load_contract(path)
    assert contract is None
    assert [(i.field, i.message[:30]) for i in issues] == [
        ("schema[0].properties[0].physicalType", "'STRING' does not fit logicalT")
    ]


def test_missing_description_and_bad_version(tmp_path: Path) -> None:
    text = BASE.replace("1.0.0", "one") + "      - {name: a, logicalType: string}\n"
    _, issues = load_contract(_write(tmp_path, text))
    assert {i.field for i in issues} == {"version", "schema[0].properties[0].description"}


def test_unknown_top_level_key_is_reported_by_odcs_schema(tmp_path: Path) -> None:
    text = BASE + "      - {name: a, logicalType: string, description: x}\nowner: me\n"
    _, issues = load_contract(_write(tmp_path, text))
    assert len(issues) == 1
    assert "owner" in issues[0].message


def test_two_schema_objects_are_rejected(tmp_path: Path) -> None:
    text = (
        BASE
        + "      - {name: a, logicalType: string, description: x}\n"
        + "  - name: u\n    properties:\n      - {name: b, logicalType: string, description: y}\n"
    )
    _, issues = load_contract(_write(tmp_path, text))
    assert [i.field for i in issues] == ["schema"]


def test_unquoted_dates_and_timestamps_are_valid_odcs(tmp_path: Path) -> None:
    """YAML reads `2024-01-01` as a date; ODCS (JSON) has text there. Both are accepted."""
    source = (PRODUCTS / "iot-telemetry/contracts/metrics.odcs.yaml").read_text()
    text = source.replace(
        "version: 1.0.0", "version: 1.0.0\ncontractCreatedTs: 2024-01-01T10:00:00Z", 1
    ).replace(
        "        description: Measured value, in `unit`.",
        "        description: Measured value, in `unit`.\n        examples: [2024-01-01, 12.5]",
        1,
    )
    assert text != source
    path = tmp_path / "metrics.odcs.yaml"
    path.write_text(text)
    contract, issues = load_contract(path)
    assert issues == []
    assert contract is not None
    assert contract.model.contractCreatedTs is not None
