"""``GET /api/v1/patients/{id}/timeline``: one patient's timeline as JSON (lean read).

Medication courses with their daily amounts and units, scale scores over time, laboratory
results, therapy events (administrations, pump refills) and the diary within a window
(``from``/``to``; default the last 90 days). Site staff and administrators only.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query
from pydantic import BaseModel, Field

from spsreg.services.patient_timeline import patient_timeline_data
from spsreg.web.auth import RegistryDep, SettingsDep, StaffDep

__all__ = ["PatientTimelineOut", "router"]

router = APIRouter(tags=["patients"])


class CourseOut(BaseModel):
    course_id: str
    drug_id: str
    drug_class: str | None
    route: str
    schedule: str
    start_date: date
    stop_date: date | None = Field(description="None while the course goes on")
    daily_amount: float | None = Field(description="average amount per day (None: as needed)")
    daily_unit: str | None


class ScorePointOut(BaseModel):
    assessed_on: date
    total: float | None
    complete: bool
    subscores: dict[str, float | None]


class LabOut(BaseModel):
    analyte: str
    collected_on: date
    value: float | None
    unit: str | None
    qualitative: str | None


class EventOut(BaseModel):
    kind: str = Field(description="administration or pump_refill")
    date: date
    drug_id: str | None
    course_id: str | None
    detail: str


class DiaryPointOut(BaseModel):
    entry_date: date
    sedation: int | None = Field(description="0-10")
    falls: int | None


class PatientTimelineOut(BaseModel):
    patient_id: str
    site_id: str
    diary_from: date
    diary_to: date
    courses: list[CourseOut]
    scores: dict[str, list[ScorePointOut]] = Field(description="scale id -> scores by date")
    labs: list[LabOut]
    events: list[EventOut]
    diary: list[DiaryPointOut]


@router.get(
    "/patients/{patient_id}/timeline",
    response_model=PatientTimelineOut,
    summary="One patient's timeline: courses, scores, labs, events and the diary",
    responses={
        401: {"description": "Not logged in"},
        403: {"description": "Not for this role (researchers and patients)"},
        404: {"description": "No such patient in your scope"},
        422: {"description": "A date that is not YYYY-MM-DD, or a window that ends first"},
    },
)
def api_patient_timeline(
    patient_id: str,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
    diary_from: Annotated[
        date | None, Query(alias="from", description="first diary day (YYYY-MM-DD)")
    ] = None,
    diary_to: Annotated[
        date | None, Query(alias="to", description="last diary day (default today)")
    ] = None,
) -> PatientTimelineOut:
    """The timeline of one patient; the diary from ``from`` to ``to`` (default: the last 90 days
    up to today)."""
    try:
        data = patient_timeline_data(
            registry,
            viewer.actor,
            patient_id,
            as_of=settings.today(),
            diary_from=diary_from,
            diary_to=diary_to,
        )
    except ValueError as error:
        raise HTTPException(422, str(error)) from error
    return PatientTimelineOut(
        patient_id=data.patient_id,
        site_id=data.site_id,
        diary_from=data.diary_from,
        diary_to=data.diary_to,
        courses=[
            CourseOut(
                course_id=c.id,
                drug_id=c.drug_id,
                drug_class=c.drug_class,
                route=c.route.value,
                schedule=c.schedule.value,
                start_date=c.start,
                stop_date=c.stop,
                daily_amount=c.daily_amount,
                daily_unit=None if c.unit is None else c.unit.value,
            )
            for c in data.courses
        ],
        scores={
            scale: [ScorePointOut(**vars(point)) for point in points]
            for scale, points in data.scores.items()
        },
        labs=[
            LabOut(
                analyte=lab.analyte,
                collected_on=lab.collected_on,
                value=lab.value,
                unit=lab.unit,
                qualitative=lab.qualitative,
            )
            for lab in data.labs
        ],
        events=[
            EventOut(
                kind=e.kind, date=e.on, drug_id=e.drug_id, course_id=e.course_id, detail=e.detail
            )
            for e in data.events
        ],
        diary=[DiaryPointOut(**vars(day)) for day in data.diary],
    )
