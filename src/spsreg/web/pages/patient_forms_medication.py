"""Medication courses: ``/patients/{id}/medications/new`` and ``.../{course_id}/edit``.

The form checks the course live (``POST /api/v1/patients/{id}/medication-check``: the alerts it
would raise today) and again on submit; it is saved through
:func:`spsreg.services.monitoring.save_with_alerts` / :func:`update_with_alerts`, and the patient
page then lists the alerts the change created. The edit form carries the row version: when someone
else saved the course in between, the form comes back (409) with everything the user typed, what
is stored now, and the current version, so saving again is a deliberate choice.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from spsreg.domain.medications import DosingSchedule, MedicationCourse, StopReason
from spsreg.domain.record import PatientRecord
from spsreg.domain.units import DoseUnit
from spsreg.knowledge import load_knowledge_pack
from spsreg.knowledge.vocabulary import Route, TherapyIntent
from spsreg.services.monitoring import save_with_alerts, update_with_alerts
from spsreg.store import ConflictError, NotFoundError, RecordKind, Registry
from spsreg.web.auth import RegistryDep, SettingsDep, StaffDep, Viewer
from spsreg.web.form_errors import FORM_KEY
from spsreg.web.pages.patient_forms_common import (
    SAVE_REASON,
    FormPairs,
    alerts_notice,
    entry_form,
    entry_problems,
    monitoring_config,
    new_id,
    patient_of,
    saved_redirect,
    single,
    store_refusal,
)
from spsreg.web.pages.patient_forms_parse import COURSE_LABELS, course_fields_of, course_from_fields

__all__ = ["router"]

router = APIRouter()

SECTION = "medication_courses"


def _options(record: PatientRecord, course_id: str | None) -> dict[str, object]:
    pack = load_knowledge_pack()
    return {
        "drugs": [(d.id, f"{d.name} ({d.drug_class.value.replace('_', ' ')})") for d in pack.drugs],
        "routes": [(r.value, r.value) for r in Route],
        "intents": [(i.value, i.value) for i in TherapyIntent],
        "schedules": [(s.value, s.value.replace("_", " ")) for s in DosingSchedule],
        "units": [(u.value, u.value) for u in DoseUnit],
        "stop_reasons": [(s.value, s.value.replace("_", " ")) for s in StopReason],
        "previous_courses": [
            (c.id, f"{c.drug_id} {c.dose.value:g} {c.dose.unit.value} from {c.start_date}")
            for c in record.medication_courses
            if c.id != course_id
        ],
    }


def _page(
    request: Request,
    viewer: Viewer,
    registry: Registry,
    patient_id: str,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    course_id: str | None = None,
    version: int | None = None,
    stored: MedicationCourse | None = None,
    status: int = 200,
) -> HTMLResponse:
    record = registry.load_patient_record(viewer.actor, patient_id, channel=viewer.channel)
    choices = {
        "course_id": course_id,
        "version": version,
        "stored": stored,
        "action": (
            f"/patients/{patient_id}/medications/{course_id}/edit"
            if course_id
            else f"/patients/{patient_id}/medications/new"
        ),
        **_options(record, course_id),
    }
    template = "form_medication.html.j2"
    return entry_form(request, viewer, template, record.patient, values, errors, status, choices)


def _check(
    registry: Registry,
    viewer: Viewer,
    patient_id: str,
    values: dict[str, str],
    course_id: str,
    today: date,
) -> tuple[MedicationCourse | None, dict[str, str]]:
    """The course from the form, with its domain and knowledge-pack problems."""
    course, errors = course_from_fields(values, course_id)
    if course is None:
        return None, errors
    errors = entry_problems(
        registry, viewer, patient_id, SECTION, course, as_of=today, labels=COURSE_LABELS
    )
    return (course if not errors else None), errors


@router.get("/patients/{patient_id}/medications/new", response_class=HTMLResponse)
def new_course_form(
    request: Request, patient_id: str, viewer: StaffDep, registry: RegistryDep
) -> HTMLResponse:
    return _page(request, viewer, registry, patient_id, {}, {})


@router.post("/patients/{patient_id}/medications/new", response_class=HTMLResponse)
def add_course(
    request: Request,
    patient_id: str,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
    pairs: FormPairs,
) -> Response:
    values = single(pairs)
    patient_of(registry, viewer, patient_id)
    course, errors = _check(
        registry, viewer, patient_id, values, new_id("course"), settings.today()
    )
    if course is None:
        return _page(request, viewer, registry, patient_id, values, errors, status=400)
    try:
        result = save_with_alerts(
            registry,
            viewer.actor,
            RecordKind.MEDICATION_COURSES,
            course,
            patient_id=patient_id,
            reason=SAVE_REASON,
            as_of=settings.today(),
            config=monitoring_config(settings),
        )
    except ValidationError as error:
        errors = store_refusal(error, COURSE_LABELS)
        return _page(request, viewer, registry, patient_id, values, errors, status=400)
    text = alerts_notice("Medication course", result.new_alerts)
    return saved_redirect(patient_id, text, viewer)


def _stored_course(
    registry: Registry, viewer: Viewer, patient_id: str, course_id: str
) -> tuple[MedicationCourse, int]:
    found = registry.get(
        viewer.actor, RecordKind.MEDICATION_COURSES, course_id, channel=viewer.channel
    )
    if found.patient_id != patient_id:
        raise NotFoundError(f"medication course {course_id} not found")
    course: MedicationCourse = found.record
    return course, found.version


@router.get("/patients/{patient_id}/medications/{course_id}/edit", response_class=HTMLResponse)
def edit_course_form(
    request: Request, patient_id: str, course_id: str, viewer: StaffDep, registry: RegistryDep
) -> HTMLResponse:
    course, version = _stored_course(registry, viewer, patient_id, course_id)
    return _page(
        request,
        viewer,
        registry,
        patient_id,
        course_fields_of(course),
        {},
        course_id=course_id,
        version=version,
    )


@router.post("/patients/{patient_id}/medications/{course_id}/edit", response_class=HTMLResponse)
def update_course(
    request: Request,
    patient_id: str,
    course_id: str,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
    pairs: FormPairs,
) -> Response:
    values = single(pairs)
    _, current = _stored_course(registry, viewer, patient_id, course_id)
    try:
        version = int(values.get("version", ""))
    except ValueError:
        version = current
    course, errors = _check(registry, viewer, patient_id, values, course_id, settings.today())

    def again(
        errors: dict[str, str],
        version: int,
        status: int,
        stored: MedicationCourse | None = None,
    ) -> HTMLResponse:
        return _page(
            request,
            viewer,
            registry,
            patient_id,
            values,
            errors,
            course_id=course_id,
            version=version,
            stored=stored,
            status=status,
        )

    if course is None:
        return again(errors, version, 400)
    try:
        result = update_with_alerts(
            registry,
            viewer.actor,
            RecordKind.MEDICATION_COURSES,
            course,
            version,
            SAVE_REASON,
            patient_id=patient_id,
            as_of=settings.today(),
            config=monitoring_config(settings),
        )
    except ConflictError:
        stored, current = _stored_course(registry, viewer, patient_id, course_id)
        errors = {
            FORM_KEY: (
                "Someone else changed this medication course since you opened it (you edited "
                f"version {version}; version {current} is stored now). Your entries are kept "
                "below and what is stored now is shown beside them: check both, then save again "
                "to replace the stored course with your entries."
            )
        }
        return again(errors, current, 409, stored)
    except ValidationError as error:
        return again(store_refusal(error, COURSE_LABELS), version, 400)
    text = alerts_notice("Medication course", result.new_alerts)
    return saved_redirect(patient_id, text, viewer)
