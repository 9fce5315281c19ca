"""Checking recorded responses against a scale definition, and reading them for scoring.

Every rule comes from the definition (permitted values, ranges), so a form, an importer and the
scorer all reject the same answers with the same plain-language reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.results import ResponseIssue, ScaleError
from spsreg.knowledge.scales import ScaleDefinition, ScaleItem, format_number

__all__ = ["ItemValues", "item_issues", "read_responses"]


class _Permitted:
    """An item's permitted answers in words, put together only when shown in a message."""

    def __init__(self, item: ScaleItem) -> None:
        self.item = item

    def __format__(self, spec: str) -> str:
        return format(self.item.describe_permitted(), spec)


def _value_problem(item: ScaleItem, value: float | int | str) -> str | None:
    """Why ``value`` cannot be an answer to ``item``, or None when it can."""
    permitted = _Permitted(item)  # described only when a value is refused
    if isinstance(value, bool):
        return f"{value} is a yes/no value, but this item takes a number ({permitted})"
    if isinstance(value, str):
        return f"{value!r} is text, but this item takes a number ({permitted})"
    if not isinstance(value, int | float):
        return f"{value!r} is not a number ({permitted})"
    if not math.isfinite(value):
        return f"{value} is not a finite number ({permitted})"
    shown = format_number(value)
    if item.values is not None:
        if not any(value == choice.value for choice in item.values):
            return f"{shown} is not a permitted value ({permitted})"
        return None
    assert item.range is not None
    if item.range.type == "integer" and not float(value).is_integer():
        return f"{shown} is not a whole number (permitted: {permitted})"
    if not item.range.contains(value):
        return f"{shown} is out of range (permitted: {permitted})"
    return None


def item_issues(
    definition: ScaleDefinition, responses: Mapping[str, ItemResponse]
) -> list[ResponseIssue]:
    """Problems with the responses themselves: unknown item ids and values not permitted.

    Unanswered items (absent or None) are not problems here; scoring reports them as missing.
    """
    issues: list[ResponseIssue] = []
    known = definition.item_ids
    for item_id, value in responses.items():
        if item_id not in known:
            reason = (
                f"unknown item ({definition.id} version {definition.version} has items "
                f"{', '.join(known)})"
            )
            issues.append(
                ResponseIssue(scale_id=definition.id, item_id=item_id, value=value, reason=reason)
            )
    for item in definition.items:
        value = responses.get(item.id)
        if value is None:
            continue
        problem = _value_problem(item, value)
        if problem is not None:
            shown = value if not (isinstance(value, float) and not math.isfinite(value)) else None
            issues.append(
                ResponseIssue(scale_id=definition.id, item_id=item.id, value=shown, reason=problem)
            )
    return issues


@dataclass(frozen=True)
class ItemValues:
    """Valid answers of one assessment as numbers, with helpers the scoring modules share."""

    definition: ScaleDefinition
    answers: Mapping[str, float]

    def missing(self, item_ids: Iterable[str] | None = None) -> tuple[str, ...]:
        """Unanswered items among ``item_ids`` (default: every non-optional item), in scale order."""
        wanted = (
            {item.id for item in self.definition.scored_items}
            if item_ids is None
            else set(item_ids)
        )
        return tuple(
            item_id
            for item_id in self.definition.item_ids
            if item_id in wanted and item_id not in self.answers
        )

    def raw(self, item_id: str) -> float:
        return self.answers[item_id]

    def scored(self, item_id: str) -> float:
        """The answer as it enters a score (recoded or reversed where the instrument says so)."""
        return self.definition.item(item_id).scored_value(self.answers[item_id])


def read_responses(
    definition: ScaleDefinition, responses: Mapping[str, ItemResponse]
) -> ItemValues:
    """Check responses and return them as numbers; raise :class:`ScaleError` if any is invalid."""
    issues = item_issues(definition, responses)
    if issues:
        raise ScaleError(issues)
    answers: dict[str, float] = {}
    for item_id in definition.item_ids:
        value = responses.get(item_id)
        if value is not None:
            assert not isinstance(value, str)
            answers[item_id] = float(value)
    return ItemValues(definition=definition, answers=answers)
