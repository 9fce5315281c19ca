"""Live checks for data entry: scale scoring and the medication safety check (no writes).

* ``POST /scales/{scale_id}/score``: item responses -> total, completeness, problems, message.
* ``POST /scales/score``: every scale of a visit form at once (fields ``<scale_id>.<item_id>``).
* ``POST /patients/{patient_id}/medication-check``: the alerts a medication course would raise
  today (dose above the knowledge pack's limits, dangerous combinations, ...), each with its
  message, explanation and sources; the course's field problems while it is incomplete.

The forms post their fields here as they are typed (``static/app.js``) and show ``message``.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from spsreg.domain.scales import SCALE_IDS, scale_definition
from spsreg.monitoring import Alert
from spsreg.monitoring.alerts import display
from spsreg.services.medication_check import check_course
from spsreg.store import NotFoundError
from spsreg.web.auth import RegistryDep, SettingsDep, StaffDep
from spsreg.web.pages.patient_forms_common import monitoring_config
from spsreg.web.pages.patient_forms_parse import (
    ScaleReading,
    course_from_fields,
    read_scale,
)

__all__ = ["AlertOut", "MedicationCheckReply", "ScaleScoreReply", "alert_out", "router"]

router = APIRouter(tags=["checks"])

_REFUSALS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not logged in"},
    403: {
        "description": "the role may not enter clinical data, or the form's CSRF token is missing"
    },
    404: {"description": "no such patient or scale (or outside your site)"},
    422: {"description": "the body is not a JSON object of fields"},
}


class Source(BaseModel):
    """Where an alert's rule or number comes from."""

    reference: str
    url: str | None = None


class AlertOut(BaseModel):
    """One alert: what, why (the triggering facts), what to consider, and the sources."""

    alert_id: str = Field(description="the start of the fingerprint, as on the worklist")
    rule_id: str
    severity: str
    title: str
    message: str
    explanation: str = Field(description="the facts that triggered the rule")
    action: str
    sources: list[Source]
    due: date | None = None


def alert_out(alert: Alert) -> AlertOut:
    facts = "; ".join(
        f"{name.replace('_', ' ')}: {display(value)}" for name, value in alert.rationale.items()
    )
    return AlertOut(
        alert_id=alert.fingerprint[:12],
        rule_id=alert.rule_id,
        severity=alert.severity.value,
        title=alert.title,
        message=alert.message,
        explanation=facts,
        action=alert.action,
        sources=[Source(reference=c.reference, url=c.url) for c in alert.citations],
        due=alert.due,
    )


class ItemProblem(BaseModel):
    item_id: str | None = Field(description="None: the problem concerns the whole scale")
    message: str


class ScaleScoreReply(BaseModel):
    """A scale's score from the responses given so far."""

    scale_id: str
    scale_name: str
    version: str
    total: float | None = Field(description="None when missing items or problems prevent it")
    score_range: str
    subscores: dict[str, float | None] = {}
    band: str | None = None
    complete: bool
    missing_items: list[str] = Field(description="labels of required items not answered")
    problems: list[ItemProblem] = Field(description="responses out of range or not permitted")
    message: str
    level: Literal["ok", "warning", "error"]


class ScoreRequest(BaseModel):
    """Responses by item id (numbers; empty or null: not answered)."""

    model_config = ConfigDict(extra="forbid")
    items: dict[str, float | int | str | None] = Field(default_factory=dict)


def _reply(reading: ScaleReading) -> ScaleScoreReply:
    score = reading.score
    definition = reading.definition
    return ScaleScoreReply(
        scale_id=definition.id,
        scale_name=definition.name,
        version=definition.version,
        total=score.total if score is not None else None,
        score_range=reading.range_text,
        subscores=dict(score.subscores) if score is not None else {},
        band=score.band if score is not None else None,
        complete=score.complete if score is not None else False,
        missing_items=[definition.item(i).label for i in score.missing_items] if score else [],
        problems=[ItemProblem(item_id=k or None, message=v) for k, v in reading.problems.items()],
        message=reading.message(),
        level="error" if reading.problems else ("ok" if score and score.complete else "warning"),
    )


@router.post(
    "/scales/{scale_id}/score",
    response_model=ScaleScoreReply,
    summary="Score one scale's responses",
    responses=_REFUSALS,
)
def score_scale(scale_id: str, request: ScoreRequest, viewer: StaffDep) -> ScaleScoreReply:
    if scale_id not in SCALE_IDS:
        raise NotFoundError(f"no scale {scale_id} (known scales: {', '.join(SCALE_IDS)})")
    definition = scale_definition(scale_id)
    fields = {f"{scale_id}.{key}": value for key, value in request.items.items()}
    reading = read_scale(scale_id, fields)
    unknown = sorted(set(request.items) - set(definition.item_ids))
    for item_id in unknown:
        reading.problems[item_id] = f"{item_id}: not an item of {definition.name}."
    if unknown:
        reading.score = None
    return _reply(reading)


class VisitScoreReply(BaseModel):
    """The scores of every scale with at least one answer."""

    scales: list[ScaleScoreReply]
    message: str
    level: Literal["ok", "warning", "error"]


def _worst(levels: Iterable[str]) -> Literal["ok", "warning", "error"]:
    found = set(levels)
    return "error" if "error" in found else ("warning" if "warning" in found else "ok")


@router.post(
    "/scales/score",
    response_model=VisitScoreReply,
    summary="Score every scale of a visit form",
    responses=_REFUSALS,
)
def score_visit(
    viewer: StaffDep,
    fields: dict[str, Any] = Body(description="form fields named <scale_id>.<item_id>"),  # noqa: B008
) -> VisitScoreReply:
    replies = [
        _reply(reading)
        for scale_id in SCALE_IDS
        if (reading := read_scale(scale_id, fields)).answered
    ]
    message = " ".join(r.message for r in replies) or "No scale answered yet."
    return VisitScoreReply(scales=replies, message=message, level=_worst(r.level for r in replies))


class MedicationCheckReply(BaseModel):
    """The alerts the course would raise today, or what is still missing from it."""

    alerts: list[AlertOut]
    problems: dict[str, str] = Field(description="field -> plain message, while incomplete")
    message: str
    level: Literal["ok", "warning", "error"]


@router.post(
    "/patients/{patient_id}/medication-check",
    response_model=MedicationCheckReply,
    summary="Alerts a medication course would raise (nothing is saved)",
    responses=_REFUSALS,
)
def medication_check(
    patient_id: str,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
    fields: dict[str, Any] = Body(  # noqa: B008
        description="the course's fields as on the form: drug_id, route, intent, schedule, "
        "dose.value, dose.unit, times_per_period, period_days, course_days, weight_kg, "
        "start_date, stop_date, stop_reason; course_id when an existing course is edited"
    ),
) -> MedicationCheckReply:
    course_id = str(fields.get("course_id") or "new-course")
    course, problems = course_from_fields(fields, course_id)
    if course is None:
        registry.get(viewer.actor, "patient", patient_id, channel=viewer.channel)
        return MedicationCheckReply(
            alerts=[],
            problems=problems,
            message="Safety check waits for a complete course: " + " ".join(problems.values()),
            level="warning",
        )
    alerts = check_course(
        registry,
        viewer.actor,
        patient_id,
        course,
        settings.today(),
        monitoring_config(settings),
        channel=viewer.channel,
    )
    shown = [alert_out(alert) for alert in alerts]
    if not shown:
        message = "Safety check: this course raises no alert today."
    else:
        message = f"Safety check: {len(shown)} alert(s) if saved: " + " ".join(
            f"{a.title} ({a.severity}): {a.message}" for a in shown
        )
    return MedicationCheckReply(
        alerts=shown, problems={}, message=message, level="warning" if shown else "ok"
    )
