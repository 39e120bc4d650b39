"""Validation errors in the words of the person who wrote the file.

pydantic reports a regular expression, a discriminator or a Python class name;
users need the rule they broke. Each constrained text type registers its
pattern with the rule it stands for (`rule(pattern, text)`), and `describe`
turns a pydantic error into a sentence about what was written.
"""

from __future__ import annotations

from typing import Any

_RULES: dict[str, str] = {}


def rule(pattern: str, text: str) -> str:
    """Register the sentence that explains `pattern`; returns the pattern."""
    _RULES[pattern] = text
    return pattern


_TYPES = {
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "list_type": "must be a list",
    "dict_type": "must be a mapping of keys to values",
    "model_type": "must be a mapping of keys to values",
    "model_attributes_type": "must be a mapping of keys to values",
    "missing": "required field is missing",
    "extra_forbidden": "unknown key",
}


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def describe(err: Any, union_kinds: dict[str, list[str]] | None = None) -> str:
    """One pydantic error (`ValidationError.errors()` item) as a sentence."""
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    if kind == "string_pattern_mismatch":
        text = _RULES.get(str(ctx.get("pattern")), "is not in the expected form")
        return f"{_shown(value)} is not valid: {text}"
    if kind == "union_tag_not_found":
        choices = ", ".join((union_kinds or {}).get(str(ctx.get("discriminator")), []))
        return "needs a `kind`" + (f": one of {choices}" if choices else "")
    if kind == "union_tag_invalid":
        return f"kind {ctx.get('tag')!r} is not one of {ctx.get('expected_tags')}"
    if kind == "literal_error":
        return f"{_shown(value)} is not one of {ctx.get('expected')}"
    if kind == "enum":
        return f"{_shown(value)} is not one of {ctx.get('expected')}"
    if kind == "string_too_short":
        return f"{_shown(value)} is too short: at least {ctx.get('min_length')} characters"
    if kind == "string_too_long":
        return f"is too long: at most {ctx.get('max_length')} characters"
    if kind == "too_short":
        return f"needs at least {ctx.get('min_length')} item(s)"
    if kind == "too_long":
        return f"takes at most {ctx.get('max_length')} item(s)"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()), "")
        words = {
            "greater_than": "more than",
            "greater_than_equal": "at least",
            "less_than": "less than",
            "less_than_equal": "at most",
        }[kind]
        return f"{_shown(value)} must be {words} {bound}"
    if kind == "value_error":
        return str(ctx.get("error") or err.get("msg"))
    if kind in _TYPES:
        got = "" if kind in ("missing", "extra_forbidden") else f" (got {_shown(value)})"
        return _TYPES[kind] + got
    return str(err.get("msg", "is not valid"))
