"""Plain-language field messages from pydantic validation errors and knowledge-pack issues.

A form shows one sentence next to each field ("Enter a date as YYYY-MM-DD.", "The dose must be
more than 0 mg.") instead of pydantic's technical wording. :func:`field_messages` never raises,
whatever the error list holds: an unexpected error type falls back to pydantic's own message.
Errors about the whole record (a model validator) are placed on the first field their message
names, or under :data:`FORM_KEY` when they name none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pydantic import ValidationError

from spsreg.domain.validation import ValidationIssue

__all__ = ["FORM_KEY", "field_messages", "humanize", "issue_messages", "label_of"]

FORM_KEY = "_form"
"""The key of messages that concern the whole form rather than one field."""

_DATE_TYPES = frozenset({"date_parsing", "date_from_datetime_parsing", "date_type", "date_past"})
_NUMBER_TYPES = frozenset({"float_parsing", "float_type", "finite_number", "decimal_parsing"})
_INT_TYPES = frozenset({"int_parsing", "int_type", "int_from_float", "int_parsing_size"})
_MISSING_TYPES = frozenset({"missing", "string_too_short", "none_required"})


def label_of(name: str, labels: Mapping[str, str]) -> str:
    """The field's label as people read it ('start_date' -> 'start date' unless labelled)."""
    if name in labels:
        return labels[name]
    last = name.rsplit(".", 1)[-1]
    return labels.get(last, last.replace("_", " "))


def humanize(text: str, labels: Mapping[str, str]) -> str:
    """``text`` with field names replaced by their labels, first letter capitalised, full stop."""
    result = text.removeprefix("Value error, ").removeprefix("Assertion failed, ").strip()
    for name in sorted(labels, key=len, reverse=True):
        result = re.sub(rf"\b{re.escape(name)}\b", labels[name], result)
    result = result.replace("_", " ") if re.search(r"\b[a-z]+_[a-z_]+\b", result) else result
    if not result:
        return "This value is not valid."
    result = result[0].upper() + result[1:]
    return result if result.endswith((".", "?", "!")) else result + "."


def _number(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _sentence(error: Mapping[str, Any], field: str, labels: Mapping[str, str], unit: str) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx")
    context: Mapping[str, Any] = ctx if isinstance(ctx, Mapping) else {}
    label = label_of(field, labels) if field else "this value"
    subject = label[:1].upper() + label[1:]
    suffix = f" {unit}" if unit else ""
    if kind in _MISSING_TYPES:
        return f"Enter {label}."
    if kind in _DATE_TYPES:
        return "Enter a date as YYYY-MM-DD."
    if kind in _INT_TYPES:
        return f"Enter {label} as a whole number."
    if kind in _NUMBER_TYPES:
        return f"Enter {label} as a number."
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        words = {
            "greater_than": ("more than", "gt"),
            "greater_than_equal": ("at least", "ge"),
            "less_than": ("less than", "lt"),
            "less_than_equal": ("at most", "le"),
        }[kind]
        if words[1] in context:
            return f"{subject} must be {words[0]} {_number(context[words[1]])}{suffix}."
    if kind in ("enum", "literal_error"):
        expected = context.get("expected")
        if expected:
            return f"Choose {label} from the list ({expected})."
        return f"Choose {label} from the list."
    if kind == "string_too_long" and "max_length" in context:
        return f"{subject} must be at most {_number(context['max_length'])} characters."
    if kind == "string_pattern_mismatch":
        return f"{subject} is not in the expected format."
    if kind == "extra_forbidden":
        return f"{subject} is not a field of this form."
    if kind in ("bool_parsing", "bool_type"):
        return f"Answer {label} with yes or no."
    return humanize(str(error.get("msg", "")), labels)


def _field_of(loc: Sequence[Any], message: str, known: Iterable[str]) -> str:
    path = ".".join(str(part) for part in loc if not isinstance(part, int) or part >= 0)
    path = re.sub(r"\.(function-after|function-before|function-wrap)\[[^\]]*\]", "", path)
    if path:
        return path
    found = [
        (match.start(), name)
        for name in known
        if (match := re.search(rf"\b{re.escape(name)}\b", message)) is not None
    ]
    return min(found)[1] if found else FORM_KEY


def field_messages(
    error: ValidationError | Sequence[Mapping[str, Any]] | object,
    *,
    labels: Mapping[str, str] | None = None,
    units: Mapping[str, str] | None = None,
    prefix: str = "",
) -> dict[str, str]:
    """One plain-language message per field path (the first error of each field wins).

    ``labels`` maps field names (or dotted paths) to labels; ``units`` the unit a bound is in
    (``{"dose.value": "mg"}``); ``prefix`` is stripped from the start of every path.
    """
    names = dict(labels or {})
    unit_of = dict(units or {})
    try:
        raw = error.errors() if isinstance(error, ValidationError) else error
        errors = list(raw) if isinstance(raw, Sequence) and not isinstance(raw, str) else []
    except Exception:
        errors = []
    messages: dict[str, str] = {}
    for item in errors:
        if not isinstance(item, Mapping):
            messages.setdefault(FORM_KEY, "Some values are not valid: check the form.")
            continue
        loc_value = item.get("loc", ())
        loc = list(loc_value) if isinstance(loc_value, list | tuple) else [loc_value]
        message = str(item.get("msg", ""))
        field = _field_of(loc, message, names)
        if prefix and field.startswith(prefix):
            field = field[len(prefix) :].lstrip(".") or FORM_KEY
        unit = unit_of.get(field, "")
        messages.setdefault(field, _sentence(item, field if field != FORM_KEY else "", names, unit))
    if not messages and isinstance(error, ValidationError):
        messages[FORM_KEY] = "Some values are not valid: check the form."
    return messages


def issue_messages(
    issues: Iterable[ValidationIssue], *, prefix: str, labels: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Knowledge-pack issues whose path starts with ``prefix`` (e.g. ``medication_courses[3]``),
    as messages keyed by the path after it (``dose.unit``)."""
    names = dict(labels or {})
    messages: dict[str, str] = {}
    for issue in issues:
        if issue.path != prefix and not issue.path.startswith(prefix + "."):
            continue
        field = issue.path[len(prefix) :].lstrip(".") or FORM_KEY
        text = humanize(issue.reason, names)
        if issue.suggestion:
            text += f" Suggestion: {issue.suggestion}"
        messages.setdefault(field, text)
    return messages
