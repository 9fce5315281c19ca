"""The record write API's body and reply models and its checks: a refusal (:class:`Problem`)
with the field path of each problem, and the check that an entered record fits the patient's
record and the knowledge pack before it is written."""

from __future__ import annotations

from typing import Any

from fastapi import Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError

from spsreg.domain.patient import Patient, PatientIdentifiers
from spsreg.domain.record import PatientRecord
from spsreg.domain.record_checks import check_patient_record
from spsreg.knowledge import load_knowledge_pack
from spsreg.store import RecordKind, Registry, Versioned
from spsreg.web.api.checks_api import AlertOut
from spsreg.web.api.problems import FieldProblem, Problem
from spsreg.web.auth import Viewer

__all__ = [
    "FieldProblem",
    "NewPatient",
    "Problem",
    "Refused",
    "SavedRecord",
    "checked",
    "invalid",
    "pydantic_problems",
    "responses",
    "saved_reply",
]


class NewPatient(BaseModel):
    """A new patient; identifiers only from the staff of the patient's own site."""

    patient: Patient
    identifiers: PatientIdentifiers | None = None


class SavedRecord(BaseModel):
    """A record as stored, with the version to name when changing it."""

    patient_id: str
    kind: str
    record_id: str
    version: int
    record: dict[str, Any]
    new_alerts: list[AlertOut] = Field(
        default=[], description="alerts the change created (medication courses)"
    )


def responses(*extra: int) -> dict[int | str, dict[str, Any]]:
    described = {
        401: "not logged in",
        403: "not site staff, outside your site's scope, or the CSRF token is missing",
        404: "no such patient or record (or outside your site)",
        409: "the record id or pseudonym is already in use",
        412: "the If-Match version is stale: current_version says what is stored",
        422: "the body is not valid: errors name each field",
        428: "If-Match is required to change a record",
    }
    codes = (401, 403, 404, 422, *extra)
    return {code: {"model": Problem, "description": described[code]} for code in codes}


class Refused(Exception):
    def __init__(self, problems: list[FieldProblem]) -> None:
        self.problems = problems


def invalid(problems: list[FieldProblem]) -> JSONResponse:
    detail = "; ".join(f"{p.path}: {p.message}" for p in problems)
    body = Problem(status=422, title="Invalid record", detail=detail, errors=problems)
    return JSONResponse(body.model_dump(), status_code=422)


def pydantic_problems(error: ValidationError, prefix: str = "") -> list[FieldProblem]:
    problems: list[FieldProblem] = []
    for item in error.errors():
        path = ".".join(str(part) for part in item["loc"])
        if prefix and path.startswith(prefix):
            path = path[len(prefix) :].lstrip(".")
        problems.append(
            FieldProblem(path=path, message=str(item["msg"]).removeprefix("Value error, "))
        )
    return problems


def checked(
    registry: Registry, viewer: Viewer, patient_id: str, section: str, item: Any, settings: Any
) -> None:
    """Refuse (422) an item that breaks the patient's record or the knowledge pack's rules."""
    stored = registry.load_patient_record(viewer.actor, patient_id, channel=viewer.channel)
    items = [existing for existing in getattr(stored, section) if existing.id != item.id]
    data = stored.model_dump()
    data[section] = [*(i.model_dump() for i in items), item.model_dump()]
    try:
        record = PatientRecord.model_validate(data)
    except ValidationError as error:
        raise Refused(pydantic_problems(error)) from error
    index = len(items)
    prefix = f"{section}[{index}]"
    issues = check_patient_record(record, pack=load_knowledge_pack(), as_of=settings.today())
    problems = [
        FieldProblem(
            path=issue.path[len(prefix) :].lstrip(".") or issue.field,
            message=issue.reason
            + (f" (suggestion: {issue.suggestion})" if issue.suggestion else ""),
        )
        for issue in issues
        if issue.path == prefix or issue.path.startswith(prefix + ".")
    ]
    if problems:
        raise Refused(problems)


def saved_reply(
    response: Response,
    kind: RecordKind,
    record_id: str,
    stored: Versioned[Any],
    alerts: list[AlertOut] | None = None,
) -> SavedRecord:
    response.headers["ETag"] = f'"{stored.version}"'
    return SavedRecord(
        patient_id=stored.patient_id,
        kind=kind.value,
        record_id=record_id,
        version=stored.version,
        record=stored.record.model_dump(mode="json"),
        new_alerts=alerts or [],
    )
