"""Turning posted form fields (text) into domain records and scale responses.

Empty fields mean "not given". The same parsing serves the pages and the live checks of the JSON
API (which receive the same fields), so a value is judged the same way while typing and on submit.
Field names follow the domain's paths (``dose.value``) so that pydantic's error locations name the
form field directly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from spsreg.domain.assessments import Assessment, ItemResponse
from spsreg.domain.medications import MedicationCourse
from spsreg.domain.scales import SCALE_IDS, scale_definition, score_assessment, validate_responses
from spsreg.domain.scales.results import ScaleScore
from spsreg.knowledge.scales import ScaleDefinition, format_number
from spsreg.web.form_errors import field_messages

__all__ = [
    "COURSE_FIELDS",
    "COURSE_LABELS",
    "ScaleReading",
    "course_fields_of",
    "course_from_fields",
    "number_or_text",
    "read_scale",
    "scale_fields",
]

COURSE_LABELS: dict[str, str] = {
    "drug_id": "the drug",
    "route": "the route",
    "intent": "the intent",
    "schedule": "the schedule",
    "dose": "the dose",
    "dose.value": "the dose",
    "dose.unit": "the dose unit",
    "times_per_period": "times per period",
    "period_days": "the period in days",
    "course_days": "the days per course",
    "weight_kg": "the body weight in kg",
    "start_date": "the start date",
    "stop_date": "the stop date",
    "stop_reason": "the stop reason",
    "previous_course_id": "the course this one continues",
}

COURSE_FIELDS: tuple[str, ...] = tuple(name for name in COURSE_LABELS if name != "dose")


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def course_from_fields(
    fields: Mapping[str, object], course_id: str
) -> tuple[MedicationCourse | None, dict[str, str]]:
    """The course the fields describe, or None with a plain message per field."""
    values = {name: _text(fields.get(name)) for name in COURSE_FIELDS}
    data: dict[str, Any] = {"id": course_id}
    for name, value in values.items():
        if not value or name.startswith("dose."):
            continue
        data[name] = value
    dose = {key: values[f"dose.{key}"] for key in ("value", "unit") if values[f"dose.{key}"]}
    data["dose"] = dose
    units = {"dose.value": values["dose.unit"]} if values["dose.unit"] else {}
    try:
        return MedicationCourse.model_validate(data), {}
    except ValidationError as error:
        return None, field_messages(error, labels=COURSE_LABELS, units=units)


def course_fields_of(course: MedicationCourse) -> dict[str, str]:
    """A stored course as form field values."""
    dumped = course.model_dump(mode="json")
    values = {name: _text(dumped.get(name)) for name in COURSE_FIELDS if "." not in name}
    values["dose.value"] = _text(course.dose.value)
    values["dose.unit"] = course.dose.unit.value
    return values


def number_or_text(value: object) -> ItemResponse:
    """A form value as a scale response: empty is unanswered, numbers are numbers."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int | float):
        return value if not isinstance(value, float) or math.isfinite(value) else str(value)
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    if not math.isfinite(number):
        return text
    return int(number) if number.is_integer() and "." not in text else number


class ScaleReading:
    """One scale's entered responses, their problems (by item id) and, if valid, the score."""

    def __init__(self, definition: ScaleDefinition, responses: dict[str, ItemResponse]) -> None:
        self.definition = definition
        self.responses = responses
        self.assessment = Assessment(
            id="live",
            scale_id=definition.id,
            scale_version=definition.version,
            responses=responses,
        )
        self.problems: dict[str, str] = {}
        for issue in validate_responses(self.assessment):
            label = definition.item(issue.item_id).label if issue.item_id else definition.name
            self.problems.setdefault(issue.item_id or "", f"{label}: {issue.reason}.")
        self.score: ScaleScore | None = (
            score_assessment(self.assessment) if not self.problems else None
        )

    @property
    def answered(self) -> bool:
        return any(value is not None for value in self.responses.values())

    @property
    def range_text(self) -> str:
        total = self.definition.scoring.total
        if total is None:
            return ""
        low = format_number(total.minimum)
        high = format_number(total.maximum) if total.maximum is not None else "no upper limit"
        unit = f" {total.unit}" if total.unit else ""
        return f"range {low} to {high}{unit}"

    def message(self) -> str:
        """E.g. 'PHQ-9: total 7 (range 0 to 27), mild; complete.'"""
        name = self.definition.name
        if self.problems:
            return f"{name}: " + " ".join(self.problems.values())
        score = self.score
        assert score is not None
        missing = [self.definition.item(i).label for i in score.missing_items]
        parts: list[str] = []
        if score.total is not None:
            total = f"total {format_number(score.total)}"
            parts.append(f"{total} ({self.range_text})" if self.range_text else total)
        elif score.subscores:
            parts.append(
                ", ".join(
                    f"{self.definition.subscore(key).label} {format_number(value)}"
                    for key, value in score.subscores.items()
                    if value is not None
                )
                or "no score yet"
            )
        else:
            parts.append("no total yet")
        if score.band:
            parts.append(score.band)
        if missing:
            parts.append(f"{len(missing)} not answered ({', '.join(missing)})")
        else:
            parts.append("complete")
        return f"{name}: " + "; ".join(part for part in parts if part) + "."


def scale_fields(definition: ScaleDefinition) -> list[str]:
    """The form field names of a scale's items (``<scale_id>.<item_id>``)."""
    return [f"{definition.id}.{item.id}" for item in definition.items]


def read_scale(scale_id: str, fields: Mapping[str, object]) -> ScaleReading:
    """The scale's responses from form fields named ``<scale_id>.<item_id>``."""
    definition = scale_definition(scale_id)
    responses = {
        item.id: number_or_text(fields.get(f"{scale_id}.{item.id}")) for item in definition.items
    }
    return ScaleReading(definition, responses)


def offered_scales() -> tuple[ScaleDefinition, ...]:
    return tuple(scale_definition(scale_id) for scale_id in SCALE_IDS)
