"""ODCS v3 data contracts and their mapping to BigQuery schemas.

A contract file is checked twice: against the standard's own JSON Schema
(shipped in `open-data-contract-standard`, so errors carry exact paths) and
then loaded into that package's pydantic models for typed access.
"""

from __future__ import annotations

import dataclasses
import json
import re
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema_rs
from open_data_contract_standard.model import (
    OpenDataContractStandard,
    SchemaObject,
    SchemaProperty,
)

from model import identifiers as ids
from model.errors import TEXT_PATH, SpecIssue, at, field_path
from model.files import FileProblem, read_text
from model.quality import Check, compile_checks
from model.yamlfile import YamlProblem, parse_yaml_mapping

SUPPORTED_API_VERSIONS = frozenset({"v3.1.0", "v3.2.0"})
SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:[-+][0-9A-Za-z.-]+)?$")

# ODCS logical types and the BigQuery type each becomes by default.
LOGICAL_TO_BIGQUERY = {
    "string": "STRING",
    "integer": "INT64",
    "number": "FLOAT64",
    "boolean": "BOOL",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "time": "TIME",
    "object": "RECORD",
}
# physicalType values accepted per logical type (BigQuery standard SQL names).
PHYSICAL_BY_LOGICAL = {
    "string": {"STRING", "BYTES", "JSON", "GEOGRAPHY"},
    "integer": {"INT64", "INTEGER"},
    "number": {"FLOAT64", "FLOAT", "NUMERIC", "BIGNUMERIC"},
    "boolean": {"BOOL", "BOOLEAN"},
    "date": {"DATE"},
    "timestamp": {"TIMESTAMP", "DATETIME"},
    "time": {"TIME"},
    "object": {"RECORD", "STRUCT", "JSON"},
}
_CANONICAL = {"INTEGER": "INT64", "FLOAT": "FLOAT64", "BOOLEAN": "BOOL", "STRUCT": "RECORD"}
SENSITIVE_CLASSIFICATIONS = frozenset({"pii", "sensitive", "confidential", "restricted"})


@dataclass(frozen=True)
class BigQueryField:
    """One column of a BigQuery table schema, derived from a contract property."""

    name: str
    type: str
    mode: str  # REQUIRED | NULLABLE | REPEATED
    description: str
    fields: tuple[BigQueryField, ...] = ()
    classification: str | None = None

    def to_api(self) -> dict[str, Any]:
        """The JSON shape of BigQuery's TableFieldSchema (what `Table.schema` takes)."""
        out: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "mode": self.mode,
            "description": self.description,
        }
        if self.fields:
            out["fields"] = [f.to_api() for f in self.fields]
        return out


@dataclass(frozen=True)
class Contract:
    """A validated contract with the parts the platform uses."""

    path: Path
    model: OpenDataContractStandard
    id: str
    version: str
    object: SchemaObject
    fields: tuple[BigQueryField, ...]
    checks: tuple[Check, ...] = field(default=())  # quality rules and SLAs, compiled

    @property
    def major(self) -> int:
        return int(self.version.split(".")[0])

    @property
    def name(self) -> str:
        return self.object.physicalName or self.object.name or ""

    @property
    def description(self) -> str:
        """The contract's purpose, else the schema object's description."""
        desc = self.model.description
        if desc is not None and desc.purpose:
            return desc.purpose.strip()
        return (self.object.description or "").strip()

    def column(self, name: str) -> BigQueryField | None:
        return next((f for f in self.fields if f.name == name), None)

    def bigquery_schema_json(self) -> str:
        return json.dumps([f.to_api() for f in self.fields])

    def sla(self, prop: str) -> tuple[Any, str | None] | None:
        """The value and unit of an SLA property (`retention`, `freshness`, ...)."""
        for sla in self.model.slaProperties or []:
            if (sla.property or "").lower() == prop.lower():
                return sla.value, sla.unit
        return None


@cache
def _odcs_validator() -> Any:
    """The standard's own JSON Schema (draft 2019-09), compiled once (jsonschema-rs:
    the pure-Python validator spends ~18 ms per contract on `unevaluatedProperties`)."""
    text = resources.files("open_data_contract_standard").joinpath("schema.json").read_text()
    return jsonschema_rs.validator_for(json.loads(text))


def load_contract(path: Path, root: Path | None = None) -> tuple[Contract | None, list[SpecIssue]]:
    """Load and check one contract file; returns the contract or the problems.
    `root`: the folder a link may not lead out of."""
    try:
        text = read_text(path, root)
    except FileProblem as problem:
        return None, [problem.issue]
    contract, issues = _contract_of_text(text)
    return (dataclasses.replace(contract, path=path) if contract else None), at(path, issues)


@lru_cache(maxsize=8192)
def _contract_of_text(text: str) -> tuple[Contract | None, tuple[SpecIssue, ...]]:
    """A pure function of the file's text, so cached (model/errors.py: TEXT_PATH)."""
    contract, issues = _check_contract(TEXT_PATH, text)
    return contract, tuple(issues)


def _check_contract(path: Path, text: str) -> tuple[Contract | None, list[SpecIssue]]:
    try:
        data = parse_yaml_mapping(path, text)
    except YamlProblem as problem:
        return None, [problem.issue]
    issues = [
        SpecIssue(path, field_path(list(err.instance_path)), _short(err.message))
        for err in _odcs_validator().iter_errors(data)
    ]
    if issues:
        return None, issues
    model = OpenDataContractStandard.model_validate(data)
    issues = _header_issues(path, model)
    objects = model.schema_ or []
    if len(objects) != 1:
        issues.append(
            SpecIssue(path, "schema", f"must hold exactly one object, found {len(objects)}")
        )
        return None, issues
    obj = objects[0]
    if not obj.properties:
        issues.append(SpecIssue(path, "schema[0].properties", "must declare at least one property"))
        return None, issues
    fields, field_issues = _fields(path, obj.properties)
    if issues or field_issues:
        return None, issues + field_issues
    checks, check_issues = compile_checks(
        path, obj, model.slaProperties or [], {f.name: (f.type, f.mode) for f in fields}
    )
    if check_issues:
        return None, check_issues
    contract = Contract(
        path=path,
        model=model,
        id=model.id or "",
        version=model.version or "",
        object=obj,
        fields=tuple(fields),
        checks=tuple(checks),
    )
    return contract, []


# SLA properties whose value is an amount (the platform computes with it).
NUMERIC_SLAS = frozenset({"freshness", "retention", "latency", "availability", "frequency"})


def _header_issues(path: Path, model: OpenDataContractStandard) -> list[SpecIssue]:
    issues = []
    for i, sla in enumerate(model.slaProperties or []):
        if (sla.property or "").lower() not in NUMERIC_SLAS:
            continue
        try:
            float(str(sla.value))
        except ValueError:
            issues.append(
                SpecIssue(path, f"slaProperties[{i}].value", f"{sla.value!r} is not a number")
            )
    if model.apiVersion not in SUPPORTED_API_VERSIONS:
        issues.append(
            SpecIssue(path, "apiVersion", f"must be one of {sorted(SUPPORTED_API_VERSIONS)}")
        )
    if not SEMVER.match(model.version or ""):
        issues.append(
            SpecIssue(path, "version", f"{model.version!r} is not a semantic version (1.2.3)")
        )
    if model.status in {None, ""}:
        issues.append(SpecIssue(path, "status", "is required (e.g. active, draft, deprecated)"))
    return issues


def _fields(
    path: Path, properties: list[SchemaProperty]
) -> tuple[list[BigQueryField], list[SpecIssue]]:
    issues: list[SpecIssue] = []
    fields: list[BigQueryField] = []
    for index, prop in enumerate(properties):
        bq, prop_issues = _to_bigquery(path, f"schema[0].properties[{index}]", prop)
        issues += prop_issues
        if bq is not None:
            fields.append(bq)
    names = [f.name for f in fields]
    for dup in sorted({n for n in names if names.count(n) > 1}):
        issues.append(
            SpecIssue(path, "schema[0].properties", f"property {dup!r} is declared twice")
        )
    return fields, issues


def _to_bigquery(
    path: Path, where: str, prop: SchemaProperty
) -> tuple[BigQueryField | None, list[SpecIssue]]:
    issues: list[SpecIssue] = []
    name = prop.physicalName or prop.name or ""
    if not ids.COLUMN_NAME.match(name):
        issues.append(
            SpecIssue(path, f"{where}.name", f"{name!r} is not a valid BigQuery column name")
        )
    if not (prop.description or "").strip():
        issues.append(SpecIssue(path, f"{where}.description", "every property needs a description"))
    shape = _shape(path, where, prop)
    if isinstance(shape, SpecIssue):
        return None, [*issues, shape]
    element, bq_type, mode, type_issues = shape
    issues += type_issues
    children: list[BigQueryField] = []
    if bq_type == "RECORD":
        for index, child in enumerate(element.properties or []):
            sub, sub_issues = _to_bigquery(path, f"{where}.properties[{index}]", child)
            issues += sub_issues
            if sub is not None:
                children.append(sub)
        if not children and not issues:
            issues.append(SpecIssue(path, f"{where}.properties", "an object needs properties"))
    if issues:
        return None, issues
    field = BigQueryField(
        name=name,
        type=bq_type,
        mode=mode,
        description=(prop.description or "").strip(),
        fields=tuple(children),
        classification=(prop.classification or "").lower() or None,
    )
    return field, []


def _shape(
    path: Path, where: str, prop: SchemaProperty
) -> tuple[SchemaProperty, str, str, list[SpecIssue]] | SpecIssue:
    """The property's element (itself, or an array's items), BigQuery type and mode, with
    the problems of its physical type; or the problem that leaves it without a type."""
    logical = (prop.logicalType or "").lower()
    mode = "REQUIRED" if prop.required else "NULLABLE"
    element = prop
    if logical == "array":
        if prop.items is None:
            return SpecIssue(path, f"{where}.items", "an array property needs `items`")
        element = prop.items
        logical = (element.logicalType or "").lower()
        mode = "REPEATED"
        if logical == "array":
            return SpecIssue(path, f"{where}.items", "BigQuery has no arrays of arrays")
    if logical not in LOGICAL_TO_BIGQUERY:
        return SpecIssue(
            path,
            f"{where}.logicalType",
            f"{prop.logicalType!r} is not one of {sorted([*LOGICAL_TO_BIGQUERY, 'array'])}",
        )
    bq_type = LOGICAL_TO_BIGQUERY[logical]
    issues = []
    if element.physicalType:
        physical = element.physicalType.upper()
        if physical not in PHYSICAL_BY_LOGICAL[logical]:
            issues.append(
                SpecIssue(
                    path,
                    f"{where}.physicalType",
                    f"{element.physicalType!r} does not fit logicalType {logical!r} "
                    f"(use one of {sorted(PHYSICAL_BY_LOGICAL[logical])})",
                )
            )
        bq_type = _CANONICAL.get(physical, physical)
    return element, bq_type, mode, issues


def _short(message: str, limit: int = 200) -> str:
    return message if len(message) <= limit else message[: limit - 1] + "…"
