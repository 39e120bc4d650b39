"""Compare one product, port or contract at two versions: the changes, by the rule table."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from model.bundle import ProductBundle
from model.contract import BigQueryField, Contract
from model.evolution.rules import Change
from model.governance import SENSITIVE, rank
from model.product import OutputPort, Product
from model.quality import Check


def lowers(old: str | None, new: str | None) -> bool:
    """A classification change that protects less: lower, removed, or out of the classes
    the pack requires a policy tag for."""
    if not old:
        return False
    leaves_tag = old.lower() in SENSITIVE and (new or "").lower() not in SENSITIVE
    return not new or rank(new) < rank(old) or leaves_tag


# (product, port, column) -> REQUIRED columns downstream that derive from it
RequiredDownstream = Callable[[str, str, str], list[str]]


class _Column(NamedTuple):
    type: str
    mode: str
    description: str
    classification: str | None

    @property
    def shape(self) -> tuple[str, str]:
        return self.type, self.mode


def _flat(fields: tuple[BigQueryField, ...], prefix: str = "") -> dict[str, _Column]:
    """Every column by path (`a`, `a.b` for a record's field)."""
    out: dict[str, _Column] = {}
    for f in fields:
        out[prefix + f.name] = _Column(f.type, f.mode, f.description, f.classification)
        out.update(_flat(f.fields, f"{prefix}{f.name}."))
    return out


def _under_any(path: str, parents: set[str]) -> bool:
    return any(path.startswith(p + ".") for p in parents)


def compare_columns(
    base: Contract,
    head: Contract,
    product: str,
    port: OutputPort,
    required_downstream: RequiredDownstream,
) -> list[Change]:
    """Columns of a port's contract: removed, renamed, added, retyped, modes, labels."""
    old, new = _flat(base.fields), _flat(head.fields)
    removed = {c for c in old if c not in new}
    added = {c for c in new if c not in old}
    removed = {c for c in removed if not _under_any(c, removed)}  # a record once, not its fields
    added = {c for c in added if not _under_any(c, added)}
    f = head.path
    out: list[Change] = []

    for gone in sorted(removed):  # a rename: one added column with the same shape
        twins = [a for a in sorted(added) if new[a].shape == old[gone].shape]
        same_doc = [a for a in twins if new[a].description == old[gone].description]
        pick = same_doc[0] if len(same_doc) == 1 else twins[0] if len(twins) == 1 else None
        if pick is not None and [r for r in removed if old[r].shape == new[pick].shape] == [gone]:
            added.discard(pick)
            out.append(Change("column-renamed", product, port.name, gone, f"renamed to {pick}", f))
        else:
            out.append(Change("column-removed", product, port.name, gone, "", f))
    for new_col in sorted(added):
        column = new[new_col]
        rule = (
            "required-column-added"
            if column.mode == "REQUIRED" and port.stores_rows and "." not in new_col
            else "column-added"
        )
        out.append(Change(rule, product, port.name, new_col, f"{column.type} {column.mode}", f))

    for col in sorted(set(old) & set(new)):
        (t0, m0, d0, c0), (t1, m1, d1, c1) = old[col], new[col]
        if t0 != t1:
            out.append(Change("column-type-changed", product, port.name, col, f"{t0} -> {t1}", f))
        if m0 != m1:
            out.append(_mode_change(product, port.name, col, m0, m1, f, required_downstream))
        if c0 != c1:
            rule = "column-classification-" + ("lowered" if lowers(c0, c1) else "changed")
            out.append(
                Change(rule, product, port.name, col, f"{c0 or 'none'} -> {c1 or 'none'}", f)
            )
        if d0 != d1:
            out.append(Change("description-changed", product, port.name, col, "description", f))
    common_old = [c.name for c in base.fields if c.name in {h.name for h in head.fields}]
    common_new = [c.name for c in head.fields if c.name in set(common_old)]
    if common_old != common_new:
        out.append(Change("column-order-changed", product, port.name, "", "", f))
    return out


def _mode_change(
    product: str,
    port: str,
    col: str,
    m0: str,
    m1: str,
    f: Any,
    required_downstream: RequiredDownstream,
) -> Change:
    detail = f"{m0} -> {m1}"
    if (m0, m1) != ("REQUIRED", "NULLABLE"):
        return Change("column-mode-tightened", product, port, col, detail, f)
    needs = required_downstream(product, port, col)
    if needs:
        detail += "; REQUIRED downstream: " + ", ".join(needs)
        return Change("column-mode-relaxed-into-required", product, port, col, detail, f)
    return Change("column-mode-relaxed", product, port, col, detail, f)


# ---- guarantees: quality rules and SLAs -------------------------------------------------

_BOUND = re.compile(r"^(<=|<|>=|>|=)\s*(-?[0-9.]+(?:e-?[0-9]+)?)$")
_BETWEEN = re.compile(r"^BETWEEN\s+(-?[0-9.]+)\s+AND\s+(-?[0-9.]+)$")


def _allowed_values(check: Check) -> frozenset[str] | None:
    """The values a validValues rule admits, as a set (their order means nothing)."""
    expectation = (check.native or {}).get("set_expectation")
    return frozenset(str(v) for v in expectation.get("values", [])) if expectation else None


def _rank(old: str, new: str) -> str:
    """'tightened' or 'loosened' for two conditions over the same measure."""
    a, b = _BOUND.match(old), _BOUND.match(new)
    if a and b and a.group(1)[0] == b.group(1)[0] and a.group(1)[0] in "<>":
        x, y = float(a.group(2)), float(b.group(2))
        if x == y:  # `<` is stricter than `<=` at the same bound
            return "tightened" if len(b.group(1)) < len(a.group(1)) else "loosened"
        lower_is_stricter = a.group(1)[0] == "<"
        return "tightened" if (y < x) == lower_is_stricter else "loosened"
    c, d = _BETWEEN.match(old), _BETWEEN.match(new)
    if c and d:
        lo0, hi0, lo1, hi1 = (float(v) for v in (*c.groups(), *d.groups()))
        return "tightened" if lo0 <= lo1 and hi1 <= hi0 else "loosened"
    return "loosened"  # cannot rank: the reader's guarantee is not known to hold


def _rules(contract: Contract) -> dict[str, Check]:
    """Quality rules by name; REQUIRED (the column's mode) and SLAs are judged apart."""
    return {
        c.name: c
        for c in contract.checks
        if c.source != "required" and not c.source.startswith("slaProperties")
    }


def compare_quality(base: Contract, head: Contract, product: str, port: str) -> list[Change]:
    old, new = _rules(base), _rules(head)
    f = head.path
    out = [
        Change("quality-rule-removed", product, port, old[n].column or "", n, f)
        for n in sorted(set(old) - set(new))
    ]
    out += [
        Change("quality-rule-added", product, port, new[n].column or "", n, f)
        for n in sorted(set(new) - set(old))
    ]
    for n in sorted(set(old) & set(new)):
        a, b = old[n], new[n]
        if (a.measure, a.condition) == (b.measure, b.condition):
            continue
        allowed = _allowed_values(a), _allowed_values(b)
        if allowed[0] is not None and allowed[1] is not None and a.condition == b.condition:
            if allowed[0] == allowed[1]:
                continue  # the same values in another order
            how = "tightened" if allowed[1] < allowed[0] else "loosened"
            out.append(Change(f"quality-rule-{how}", product, port, b.column or "", n, f))
            continue
        how = _rank(a.condition, b.condition) if a.measure == b.measure else "loosened"
        detail = f"{n}: {a.condition} -> {b.condition}" if a.measure == b.measure else n
        out.append(Change(f"quality-rule-{how}", product, port, b.column or "", detail, f))
    return out


_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "y": 31_536_000}
_SECONDS |= {"second": 1, "minute": 60, "hour": 3600, "day": 86400, "week": 604800}
_SECONDS |= {"month": 2_592_000, "year": 31_536_000}
# Which direction is stricter, per SLA property (ODCS names, lower-cased).
_HIGHER_IS_STRICTER = {"retention", "availability", "completeness", "generalavailability"}
_LOWER_IS_STRICTER = {"freshness", "latency", "frequency", "timetodetect", "timetonotify"}


def _seconds(unit: str | None) -> int | None:
    name = (unit or "").lower()
    return _SECONDS.get(name) or _SECONDS.get(name.rstrip("s"))


def _sla_change(prop: str, old: tuple[Any, str | None], new: tuple[Any, str | None]) -> str | None:
    (x, u0), (y, u1) = old, new
    if old == new:
        return None
    numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in (x, y))
    s0, s1 = _seconds(u0), _seconds(u1)
    if not numbers or (u0 != u1 and not (s0 and s1)):
        return "sla-loosened"  # cannot rank: the reader's guarantee is not known to hold
    a, b = float(x) * (s0 or 1), float(y) * (s1 or 1)
    if a == b:
        return None
    key = prop.lower().replace("_", "")
    if key in _HIGHER_IS_STRICTER:
        return "sla-tightened" if b > a else "sla-loosened"
    if key in _LOWER_IS_STRICTER:
        return "sla-tightened" if b < a else "sla-loosened"
    return "sla-loosened"


def _slas(contract: Contract) -> dict[str, tuple[Any, str | None]]:
    out: dict[str, tuple[Any, str | None]] = {}
    for sla in contract.model.slaProperties or []:
        key = ".".join(p for p in ((sla.property or ""), (sla.element or "")) if p)
        out[key] = (sla.value, sla.unit)
    return out


def compare_slas(base: Contract, head: Contract, product: str, port: str) -> list[Change]:
    old, new = _slas(base), _slas(head)
    f = head.path
    out = [Change("sla-removed", product, port, "", k, f) for k in sorted(set(old) - set(new))]
    out += [Change("sla-added", product, port, "", k, f) for k in sorted(set(new) - set(old))]
    for key in sorted(set(old) & set(new)):
        rule = _sla_change(key.split(".")[0], old[key], new[key])
        if rule:
            detail = (
                f"{key}: {old[key][0]} {old[key][1] or ''} -> {new[key][0]} {new[key][1] or ''}"
            )
            out.append(Change(rule, product, port, "", " ".join(detail.split()), f))
    return out


# ---- ports -------------------------------------------------------------------------------


def compare_port_settings(
    product: str, old: OutputPort, new: OutputPort, f: Any, protected: bool = False
) -> list[Change]:
    """`protected`: the port is tenant-scoped or serves sensitive columns (at either side):
    a consumer added to it needs the governance owners."""
    name = new.name
    out: list[Change] = []

    def add(rule: str, detail: str) -> None:
        out.append(Change(rule, product, name, "", detail, f))

    if old.kind != new.kind:
        add("port-kind-changed", f"{old.kind} -> {new.kind}")
        return out
    if old.physical_name != new.physical_name:
        add("physical-name-changed", f"{old.physical_name} -> {new.physical_name}")
    if set(old.consumers) - set(new.consumers):
        add("access-revoked", ", ".join(sorted(set(old.consumers) - set(new.consumers))))
    if set(new.consumers) - set(old.consumers):
        rule = "protected-access-granted" if protected else "access-granted"
        add(rule, ", ".join(sorted(set(new.consumers) - set(old.consumers))))
    if old.tenant_column != new.tenant_column:
        add(
            "tenant-column-changed",
            f"{old.tenant_column or 'none'} -> {new.tenant_column or 'none'}",
        )
    if old.declassify != new.declassify:
        before, after = dict(old.declassify), dict(new.declassify)
        widened = sorted(c for c, why in after.items() if before.get(c) != why)
        if widened:
            add("declassify-widened", ", ".join(widened))
        else:
            add("declassify-changed", ", ".join(sorted(set(before) - set(after))))
    for rule, detail in old.settings_changes(new):
        add(rule, detail)
    return out


# ---- products ----------------------------------------------------------------------------

_SLO_DIRECTION = {
    "freshness_minutes": "lower",
    "availability_percent": "higher",
    "completeness_percent": "higher",
}


def compare_product(base: ProductBundle, head: ProductBundle) -> list[Change]:
    """Product-level fields; ports are compared on their own."""
    a, b = base.spec, head.spec
    pid, f = b.id, head.path
    out: list[Change] = []
    if a.owner != b.owner:
        out.append(Change("owner-changed", pid, "", "", f"{a.owner.group} -> {b.owner.group}", f))
    if a.classification != b.classification:
        x, y = a.classification.value, b.classification.value
        rule = "classification-" + ("lowered" if lowers(x, y) else "changed")
        out.append(Change(rule, pid, "", "", f"{x} -> {y}", f))
    if a.cross_tenant != b.cross_tenant:
        rule = "cross-tenant-set" if b.cross_tenant else "cross-tenant-changed"
        out.append(Change(rule, pid, "", "", b.cross_tenant.reason if b.cross_tenant else "", f))
    for key, direction in _SLO_DIRECTION.items():
        x, y = getattr(a.slos, key), getattr(b.slos, key)
        if x == y:
            continue
        if x is None or y is None:
            rule = "sla-added" if x is None else "sla-removed"
        else:
            stricter = y < x if direction == "lower" else y > x
            rule = "sla-tightened" if stricter else "sla-loosened"
        out.append(Change(rule, pid, "", "", f"slos.{key}: {x} -> {y}", f))
    if [p.model_dump() for p in a.input_ports] != [p.model_dump() for p in b.input_ports]:
        out.append(Change("inputs-changed", pid, "", "", "", f))
    if _transformation(base) != _transformation(head):
        out.append(Change("transformation-changed", pid, "", "", "", f))
    meta = {"id", "owner", "classification", "cross_tenant", "slos", "input_ports"}
    meta |= {"transformation", "output_ports"}
    if a.model_dump(exclude=meta) != b.model_dump(exclude=meta):
        out.append(Change("description-changed", pid, "", "", "", f))
    return out


def _transformation(bundle: ProductBundle) -> tuple[Any, ...]:
    spec: Product = bundle.spec
    return (
        spec.transformation.model_dump(),
        tuple(sorted((k, v.text) for k, v in bundle.sql.items())),
    )


def contract_body(contract: Contract) -> Any:
    return contract.model.model_dump(exclude_none=True)


def compare_event_schemas(base: ProductBundle, head: ProductBundle) -> dict[str, list[Change]]:
    """The payload contracts of pubsub input ports, by port, judged from the publishers'
    side (buf's categories): what was valid may be refused now (a new required field, a
    removed or retyped one) or stays valid (an optional field added, a field relaxed)."""
    out: dict[str, list[Change]] = {}
    for port in head.spec.input_ports:
        a, b = base.event_contracts.get(port.name), head.event_contracts.get(port.name)
        if a is None or b is None:
            continue
        old, new = _flat(a.fields), _flat(b.fields)
        added = {c for c in set(new) - set(old) if not _under_any(c, set(new) - set(old))}
        problems = [f"{c} removed" for c in sorted(set(old) - set(new))]
        problems += [f"{c} added as required" for c in sorted(added) if new[c].mode == "REQUIRED"]
        problems += [
            f"{c} {old[c].type} {old[c].mode} -> {new[c].type} {new[c].mode}"
            for c in sorted(set(old) & set(new))
            if old[c].type != new[c].type
            or (old[c].mode != new[c].mode and new[c].mode != "NULLABLE")
        ]
        changes: list[Change] = []
        if problems:
            detail = "; ".join(problems)
            changes.append(Change("event-schema-changed", head.id, port.name, "", detail, b.path))
        for c in sorted(added):
            if new[c].mode != "REQUIRED":
                detail = f"{new[c].type} {new[c].mode}"
                changes.append(Change("event-field-added", head.id, port.name, c, detail, b.path))
        for c in sorted(set(old) & set(new)):
            if old[c].type == new[c].type and old[c].mode != new[c].mode == "NULLABLE":
                detail = f"{old[c].mode} -> NULLABLE"
                changes.append(Change("event-field-relaxed", head.id, port.name, c, detail, b.path))
        if not changes and contract_body(a) != contract_body(b):
            changes.append(
                Change("description-changed", head.id, port.name, "", "event contract", b.path)
            )
        out[port.name] = changes
    return out


def dataset_change(base: ProductBundle, head: ProductBundle) -> str | None:
    a, b = base.spec.dataset_id, head.spec.dataset_id
    return f"{a} -> {b}" if a != b else None
