"""Import problems as plain values: where (file, line, field) and why, in plain language.

Readers never raise on bad content: every problem becomes a :class:`RecordError` that the import
report lists, so the person fixing the file can find the exact cell or key. Pydantic validation
errors are translated here into dotted field paths (``medication_courses[2].dose.unit``) and
reasons that say what was found and, for a misspelt code, what was probably meant.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from spsreg.domain.units import UNIT_ALIASES, DoseUnit

__all__ = [
    "WHOLE_LINE",
    "RecordError",
    "describe_error",
    "errors_from_validation",
    "loc_from_path",
    "merge_union_errors",
    "path_from_loc",
    "suggest_code",
]

WHOLE_LINE = "-"
"""The ``field`` of a problem that concerns a whole line (or row, or file) rather than one field."""

Loc = tuple[int | str, ...]


@dataclass(frozen=True)
class RecordError:
    """One problem found while reading an import file.

    ``file`` is the path of the file that holds the problem; ``line`` is the 1-based physical line
    where the record or row starts (0 when the problem concerns a file as a whole, such as a table
    that is missing); ``field`` is a dotted domain path (JSON-lines), a column name (CSV), or
    ``-`` for a whole-line problem; ``patient_id`` is set whenever the patient could be identified.
    """

    file: str
    line: int
    field: str
    reason: str
    patient_id: str | None = None

    def __str__(self) -> str:
        who = f" (patient {self.patient_id})" if self.patient_id else ""
        return f"{self.file}:{self.line}: {self.field}: {self.reason}{who}"


_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def path_from_loc(loc: Loc) -> str:
    """Render a pydantic error location as a dotted path: ``('a', 2, 'b')`` -> ``a[2].b``.

    Keys that are not plain names (free-text item ids of an assessment) are written in JSON
    brackets, ``responses["item 3"]``, so the path stays unambiguous.
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part == "[key]":
            continue  # pydantic's marker for "the key of this dict entry"; the entry names it
        elif _IDENTIFIER.match(part):
            path += f".{part}" if path else part
        else:  # escaped when not printable, so a report can always be written as UTF-8
            path += f"[{json.dumps(part, ensure_ascii=not part.isprintable())}]"
    return path or WHOLE_LINE


_PATH_PART = re.compile(r'\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|([^.\[\]]+)')


def loc_from_path(path: str) -> Loc:
    """The inverse of :func:`path_from_loc`: ``a[2].b`` -> ``('a', 2, 'b')``."""
    loc: list[int | str] = []
    for index, quoted, name in _PATH_PART.findall(path):
        if index:
            loc.append(int(index))
        elif quoted:
            loc.append(json.loads(quoted))
        else:
            loc.append(name)
    return tuple(loc)


# Pydantic reports a value that fits no member of a union once per member, tagged with the
# member's name. The domain's only union of this kind is an assessment item response
# (number | whole number | text | empty), so its member tags are collapsed into one problem.
_RESPONSE_UNION_TAGS = frozenset({"float", "int", "str", "constrained-str"})


def merge_union_errors(errors: Sequence[ErrorDetails]) -> list[ErrorDetails]:
    """Collapse the per-member errors of an item response into one error at the item's path."""
    merged: list[ErrorDetails] = []
    seen: set[Loc] = set()
    for error in errors:
        loc = tuple(error["loc"])
        if len(loc) >= 3 and loc[-3] == "responses" and loc[-1] in _RESPONSE_UNION_TAGS:
            item_loc = loc[:-1]
            if item_loc in seen:
                continue
            seen.add(item_loc)
            merged.append(
                ErrorDetails(
                    type="item_response_type",
                    loc=item_loc,
                    msg="Input should be a finite number, a text or empty (null)",
                    input=error["input"],
                )
            )
        else:
            merged.append(error)
    return merged


def _shown(value: Any) -> str | None:
    """A short rendering of an offending input, or None when it is not worth showing."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:40] + "…"
        return repr(text)
    if isinstance(value, bool | int | float) or value is None:
        return json.dumps(value)
    if isinstance(value, list):
        return "a list"
    return None


def _expected_values(error: ErrorDetails) -> list[str]:
    ctx = error.get("ctx") or {}
    return re.findall(r"'([^']*)'", str(ctx.get("expected", "")))


def _normalised(text: str) -> str:
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def suggest_code(value: str, expected: Iterable[str], *, is_unit: bool) -> str | None:
    """The permitted code a misspelt one most probably meant, or None.

    Units use the registry's alias table (``µg`` -> ``mcg``); other codes match ignoring case,
    spaces and hyphens (``Type 1 diabetes`` -> ``type_1_diabetes``).
    """
    permitted = list(expected)
    if is_unit:
        alias = UNIT_ALIASES.get(value) or UNIT_ALIASES.get(value.lower())
        if alias is not None:
            return alias.value
        by_lower = {unit.value.lower(): unit.value for unit in DoseUnit}
        if value.lower() in by_lower:
            return by_lower[value.lower()]
    by_normalised = {_normalised(code): code for code in permitted}
    return by_normalised.get(_normalised(value))


def describe_error(
    error: ErrorDetails, *, is_unit: bool = False, missing: str = "required, but missing"
) -> str:
    """A plain-language reason for one pydantic error, naming what was found.

    ``is_unit`` says the field holds a dose unit, so that aliases can be suggested; ``missing`` is
    the reason given for a required field that is absent (a CSV reader says the cell is empty).
    """
    kind = error["type"]
    if kind == "missing":
        return missing
    if kind == "extra_forbidden":
        return "unknown field: it is not part of this format (check the spelling)"
    message = error["msg"]
    if kind == "value_error":
        message = message.removeprefix("Value error, ")
        if isinstance(error["input"], dict):
            return message  # a rule across fields: the message already names them
    elif kind == "assertion_error":
        message = message.removeprefix("Assertion failed, ")
    shown = _shown(error["input"])
    if shown is None:
        return message
    if kind == "enum" and isinstance(error["input"], str):
        suggestion = suggest_code(error["input"], _expected_values(error), is_unit=is_unit)
        if suggestion is not None:
            return f"{message} (got {shown}; did you mean {suggestion!r}?)"
    return f"{message} (got {shown})"


def errors_from_validation(
    exc: ValidationError,
    locate: Callable[[Loc], tuple[str, int, str]],
    *,
    patient_id: str | None,
    is_unit: Callable[[Loc], bool] = lambda loc: bool(loc) and loc[-1] == "unit",
    missing: str = "required, but missing",
) -> list[RecordError]:
    """One :class:`RecordError` per problem of a validation error.

    ``locate`` maps a pydantic location to (file, line, field); JSON-lines maps it to the line and
    the dotted path, CSV to the table row and column the value came from.
    """
    errors: list[RecordError] = []
    for error in merge_union_errors(exc.errors()):
        loc = tuple(error["loc"])
        file, line, field = locate(loc)
        reason = describe_error(error, is_unit=is_unit(loc), missing=missing)
        errors.append(RecordError(file, line, field, reason, patient_id))
    return errors
