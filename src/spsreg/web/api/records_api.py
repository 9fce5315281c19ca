"""The write API for clinical records: patients, visits, medication courses, labs, adverse events.

Bodies are the domain models (the OpenAPI document shows their fields). Every successful write
answers 201 (or 200 for an update) with the record, its new row version and an ``ETag: "<version>"``
header; a medication course also brings the alerts the change created. Changing a course needs
``If-Match: "<version>"``: without it 428 Precondition Required, with a stale one 412 Precondition
Failed naming the version stored now. A body the domain or the knowledge pack refuses is 422 with
the field path of each problem.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Header, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from spsreg.domain.adverse_events import AdverseEvent
from spsreg.domain.assessments import Visit
from spsreg.domain.labs import LabResult
from spsreg.domain.medications import MedicationCourse
from spsreg.domain.record import PatientRecord
from spsreg.domain.record_checks import check_patient_record
from spsreg.knowledge import load_knowledge_pack
from spsreg.services.monitoring import save_with_alerts, update_with_alerts
from spsreg.store import ConflictError, NotFoundError, RecordKind, Registry
from spsreg.web.api.checks_api import alert_out
from spsreg.web.api.records_api_models import (
    FieldProblem,
    NewPatient,
    Problem,
    Refused,
    SavedRecord,
    checked,
    invalid,
    pydantic_problems,
    responses,
    saved_reply,
)
from spsreg.web.auth import RegistryDep, SettingsDep, StaffDep, Viewer
from spsreg.web.pages.patient_forms_common import SAVE_REASON, monitoring_config

__all__ = ["router"]

router = APIRouter(tags=["records"])


@router.post(
    "/patients",
    response_model=SavedRecord,
    status_code=201,
    summary="Register a patient",
    responses=responses(409),
)
def create_patient(
    body: NewPatient,
    response: Response,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> Any:
    try:
        record = PatientRecord(patient=body.patient, identifiers=body.identifiers)
    except ValidationError as error:
        return invalid(pydantic_problems(error))
    issues = check_patient_record(record, pack=load_knowledge_pack(), as_of=settings.today())
    if issues:
        return invalid([FieldProblem(path=i.path, message=i.reason) for i in issues])
    patient = body.patient
    saved = registry.add(viewer.actor, patient.id, RecordKind.PATIENT, patient, SAVE_REASON)
    if body.identifiers is not None:
        try:
            registry.add(
                viewer.actor, patient.id, RecordKind.IDENTIFIERS, body.identifiers, SAVE_REASON
            )
        except Exception:
            registry.delete(
                viewer.actor,
                RecordKind.PATIENT,
                patient.id,
                saved.version,
                "identifiers refused: the new patient is removed again",
            )
            raise
    return saved_reply(response, RecordKind.PATIENT, patient.id, saved)


def _add_item(
    kind: RecordKind,
    patient_id: str,
    item: Any,
    response: Response,
    viewer: Viewer,
    registry: Registry,
    settings: Any,
) -> Any:
    """Check ``item`` against the patient's record and the knowledge pack (422 with the problems),
    add it to its section and answer with the saved version; a medication course goes through
    monitoring and its reply lists the alerts it created."""
    try:
        checked(registry, viewer, patient_id, kind.value, item, settings)
    except Refused as refused:
        return invalid(refused.problems)
    if kind is not RecordKind.MEDICATION_COURSES:
        saved = registry.add(viewer.actor, patient_id, kind, item, SAVE_REASON)
        return saved_reply(response, kind, item.id, saved)
    result = save_with_alerts(
        registry,
        viewer.actor,
        kind,
        item,
        patient_id=patient_id,
        reason=SAVE_REASON,
        as_of=settings.today(),
        config=monitoring_config(settings),
    )
    alerts = [alert_out(entry.alert) for entry in result.new_alerts]
    return saved_reply(response, kind, item.id, result.saved, alerts)


@router.post(
    "/patients/{patient_id}/visits",
    response_model=SavedRecord,
    status_code=201,
    summary="Add a visit with its assessments",
    responses=responses(409),
)
def add_visit(
    patient_id: str,
    body: Visit,
    response: Response,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> Any:
    kind = RecordKind.VISITS
    return _add_item(kind, patient_id, body, response, viewer, registry, settings)


@router.post(
    "/patients/{patient_id}/labs",
    response_model=SavedRecord,
    status_code=201,
    summary="Add a lab result",
    responses=responses(409),
)
def add_lab(
    patient_id: str,
    body: LabResult,
    response: Response,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> Any:
    kind = RecordKind.LAB_RESULTS
    return _add_item(kind, patient_id, body, response, viewer, registry, settings)


@router.post(
    "/patients/{patient_id}/adverse-events",
    response_model=SavedRecord,
    status_code=201,
    summary="Add an adverse event",
    responses=responses(409),
)
def add_adverse_event(
    patient_id: str,
    body: AdverseEvent,
    response: Response,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> Any:
    kind = RecordKind.ADVERSE_EVENTS
    return _add_item(kind, patient_id, body, response, viewer, registry, settings)


@router.post(
    "/patients/{patient_id}/medications",
    response_model=SavedRecord,
    status_code=201,
    summary="Add a medication course (returns the alerts it created)",
    responses=responses(409),
)
def add_medication(
    patient_id: str,
    body: MedicationCourse,
    response: Response,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> Any:
    kind = RecordKind.MEDICATION_COURSES
    return _add_item(kind, patient_id, body, response, viewer, registry, settings)


def _precondition(status: int, title: str, detail: str, current: int | None) -> JSONResponse:
    body = Problem(status=status, title=title, detail=detail, current_version=current)
    headers = {"ETag": f'"{current}"'} if current is not None else {}
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


@router.put(
    "/patients/{patient_id}/medications/{course_id}",
    response_model=SavedRecord,
    summary="Change a medication course (If-Match required)",
    responses=responses(412, 428),
)
def update_medication(
    patient_id: str,
    course_id: str,
    body: MedicationCourse,
    response: Response,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
    if_match: str | None = Header(default=None, description='the version read, as "<version>"'),
) -> Any:
    stored = registry.get(
        viewer.actor, RecordKind.MEDICATION_COURSES, course_id, channel=viewer.channel
    )
    if stored.patient_id != patient_id:
        raise NotFoundError(f"medication course {course_id} not found")
    if if_match is None:
        return _precondition(
            428,
            "Precondition required",
            'Send If-Match: "<version>" with the version you read.',
            stored.version,
        )
    if body.id != course_id:
        return invalid(
            [FieldProblem(path="id", message=f"must be {course_id}, the course changed")]
        )
    expected = if_match.strip().removeprefix("W/").strip('"')
    if not expected.isdigit() or int(expected) != stored.version:
        return _precondition(
            412,
            "Precondition failed",
            f"The course was changed by someone else: version {stored.version} is stored now.",
            stored.version,
        )
    try:
        checked(registry, viewer, patient_id, "medication_courses", body, settings)
    except Refused as refused:
        return invalid(refused.problems)
    try:
        result = update_with_alerts(
            registry,
            viewer.actor,
            RecordKind.MEDICATION_COURSES,
            body,
            int(expected),
            SAVE_REASON,
            patient_id=patient_id,
            as_of=settings.today(),
            config=monitoring_config(settings),
        )
    except ConflictError as error:
        return _precondition(412, "Precondition failed", str(error), error.current_version)
    alerts = [alert_out(entry.alert) for entry in result.new_alerts]
    return saved_reply(response, RecordKind.MEDICATION_COURSES, course_id, result.saved, alerts)
