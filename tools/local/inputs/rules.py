"""What a contract says a column's values must be, in the form a generator can draw from.

Read from the same ODCS fields the quality checks compile (model/quality.py):
`invalidValues` with `validValues` or `pattern`, `logicalTypeOptions` bounds,
lengths and pattern, `unique` / `duplicateValues`, REQUIRED, and `examples`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from open_data_contract_standard.model import SchemaProperty

from model.contract import Contract


@dataclass(frozen=True)
class ValueRules:
    """Rules on one column's values, merged from every contract column it feeds."""

    valid_values: tuple[Any, ...] | None = None
    pattern: str | None = None
    minimum: float | None = None  # inclusive
    maximum: float | None = None  # inclusive
    min_length: int | None = None
    max_length: int | None = None
    examples: tuple[Any, ...] = ()
    unique: bool = False
    required: bool = False
    tenant: bool = False  # a tenant column: values are the stack's tenants
    kept: tuple[Any, ...] | None = None  # the values a query's filter keeps (IN / =)
    origins: tuple[str, ...] = field(default=())  # `product.port.column` each rule came from

    @property
    def constrains_values(self) -> bool:
        return bool(
            self.valid_values is not None
            or self.pattern
            or self.minimum is not None
            or self.maximum is not None
            or self.min_length is not None
            or self.max_length is not None
            or self.unique
        )

    def merge(self, other: ValueRules) -> ValueRules:
        """Both sets of rules: value sets intersect, bounds narrow."""
        values = self.valid_values
        if other.valid_values is not None:
            values = (
                other.valid_values
                if values is None
                else tuple(v for v in values if v in other.valid_values)
            )
        return ValueRules(
            valid_values=values,
            pattern=self.pattern or other.pattern,
            minimum=_pick(max, self.minimum, other.minimum),
            maximum=_pick(min, self.maximum, other.maximum),
            min_length=_pick(max, self.min_length, other.min_length),
            max_length=_pick(min, self.max_length, other.max_length),
            examples=self.examples + tuple(e for e in other.examples if e not in self.examples),
            unique=self.unique or other.unique,
            required=self.required or other.required,
            tenant=self.tenant or other.tenant,
            kept=_union(self.kept, other.kept),
            origins=self.origins + tuple(o for o in other.origins if o not in self.origins),
        )

    def at(self, origin: str) -> ValueRules:
        return replace(self, origins=(origin,))


def _union(a: tuple[Any, ...] | None, b: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    if a is None or b is None:
        return a if b is None else b
    return a + tuple(v for v in b if v not in a)


def _pick(choose: Any, a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else choose(a, b)


def contract_rules(contract: Contract) -> dict[str, ValueRules]:
    """Physical column -> the rules the contract puts on its values (top-level columns)."""
    out: dict[str, ValueRules] = {}
    for prop in contract.object.properties or []:
        name = str(prop.physicalName or prop.name)
        bq = contract.column(name)
        rules = property_rules(prop)
        if bq is not None and bq.mode == "REQUIRED":
            rules = replace(rules, required=True)
        out[name] = rules
    return out


def property_rules(prop: SchemaProperty) -> ValueRules:
    options: dict[str, Any] = dict(prop.logicalTypeOptions or {})
    rules = ValueRules(
        pattern=options.get("pattern"),
        minimum=_bound(options, "minimum", "exclusiveMinimum", 1),
        maximum=_bound(options, "maximum", "exclusiveMaximum", -1),
        min_length=options.get("minLength"),
        max_length=options.get("maxLength"),
        examples=tuple(prop.examples or ()),
        unique=bool(prop.unique),
        required=bool(prop.required),
    )
    for q in prop.quality or []:
        if (q.type or "library").lower() != "library":
            continue
        metric = (q.metric or q.rule or "").strip()
        args = dict(q.arguments or {})
        if metric == "invalidValues" and "validValues" in args:
            rules = rules.merge(ValueRules(valid_values=tuple(args["validValues"])))
        elif metric == "invalidValues" and "pattern" in args:
            rules = replace(rules, pattern=str(args["pattern"]))
        elif metric == "duplicateValues":
            rules = replace(rules, unique=True)
        elif metric == "nullValues":
            rules = replace(rules, required=True)
    return rules


def _bound(options: dict[str, Any], inclusive: str, exclusive: str, step: int) -> float | None:
    if inclusive in options:
        return float(options[inclusive])
    if exclusive in options:  # a value just inside the bound
        value = float(options[exclusive])
        return value + step * max(abs(value) * 1e-9, 1e-6)
    return None


def nested_rules(contract: Contract) -> dict[str, ValueRules]:
    """Like contract_rules, with the fields of records as `record.field` (event payloads)."""
    out = contract_rules(contract)

    def walk(prefix: str, props: list[SchemaProperty]) -> None:
        for prop in props:
            name = f"{prefix}.{prop.physicalName or prop.name}"
            out[name] = property_rules(prop)
            element = prop.items if prop.items is not None else prop
            walk(name, list(element.properties or []))

    for prop in contract.object.properties or []:
        element = prop.items if prop.items is not None else prop
        walk(str(prop.physicalName or prop.name), list(element.properties or []))
    return out
