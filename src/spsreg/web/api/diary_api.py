"""The diary API: a patient's symptom diary entries, read by date range and written one day at a
time with optimistic concurrency.

``PUT /patients/{patient_id}/diary/{entry_date}`` creates the day's entry (201) or, with
``If-Match: "<version>"`` naming the stored version, replaces it (200). Without ``If-Match`` an
existing entry is never overwritten (409 with the stored version); a stale ``If-Match`` is 412.
The patient themself (their own record only) and their site's clinicians and coordinators may use
it; researchers and administrators are refused (403); another site's patient is 404.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from spsreg.domain import DiaryDose, DiaryEntry, SpasmTrigger
from spsreg.store import Versioned
from spsreg.store.diary_reads import list_diary_entries
from spsreg.web.auth import RegistryDep, SettingsDep
from spsreg.web.diary_entries import (
    DiaryViewerDep,
    StaleVersion,
    check_own_record,
    diary_entry_id,
    future_date_message,
    save_diary_entry,
)
from spsreg.web.errors import problem

__all__ = ["DiaryDoseBody", "DiaryEntryBody", "DiaryEntryOut", "DiaryListOut", "router"]

router = APIRouter(tags=["diary"])

_ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "Not logged in: no valid API token or session."},
    403: {"description": "Not for this role (researchers, administrators), or no CSRF token."},
    404: {"description": "No such patient within your access (another site's looks the same)."},
}


class DiaryDoseBody(BaseModel):
    """How many doses of one drug were taken that day."""

    model_config = ConfigDict(extra="forbid")

    drug_id: str = Field(min_length=1, max_length=64, description="Drug id of the knowledge pack.")
    doses: int = Field(ge=0, le=48, description="Number of doses taken that day.")


class DiaryEntryBody(BaseModel):
    """The fields of one day's entry (its id and date come from the URL). At least one symptom,
    trigger or dose must be given."""

    model_config = ConfigDict(extra="forbid")

    stiffness: int | None = Field(None, ge=0, le=10, description="Stiffness, 0 (none) to 10.")
    spasm_count: int | None = Field(None, ge=0, le=1000, description="Number of spasms that day.")
    falls: int | None = Field(None, ge=0, le=100, description="Number of falls that day.")
    triggers: list[SpasmTrigger] = Field(default_factory=list, description="Spasm triggers.")
    sedation: int | None = Field(None, ge=0, le=10, description="Drowsiness, 0 (none) to 10.")
    doses_taken: list[DiaryDoseBody] = Field(default_factory=list, description="Doses per drug.")


class DiaryEntryOut(BaseModel):
    """A stored diary entry with the version to name (``If-Match``) when replacing it."""

    id: str = Field(description="The entry's stable id.")
    patient_id: str
    entry_date: date
    stiffness: int | None = Field(description="Stiffness, 0 (none) to 10.")
    spasm_count: int | None
    falls: int | None
    triggers: list[SpasmTrigger]
    sedation: int | None = Field(description="Drowsiness, 0 (none) to 10.")
    doses_taken: list[DiaryDoseBody]
    version: int = Field(description="Row version; send it as If-Match to replace the entry.")

    @classmethod
    def of(cls, stored: Versioned[DiaryEntry]) -> DiaryEntryOut:
        entry = stored.record
        return cls(
            id=entry.id,
            patient_id=stored.patient_id,
            entry_date=entry.entry_date,
            stiffness=entry.stiffness,
            spasm_count=entry.spasm_count,
            falls=entry.falls,
            triggers=list(entry.triggers),
            sedation=entry.sedation,
            doses_taken=[
                DiaryDoseBody(drug_id=dose.drug_id, doses=dose.doses) for dose in entry.doses_taken
            ],
            version=stored.version,
        )


class DiaryListOut(BaseModel):
    """A patient's diary entries in a date range, oldest first."""

    patient_id: str
    entries: list[DiaryEntryOut]


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(value: str | None) -> int | None:
    """The version an ``If-Match`` header names (``"12"``, ``W/"12"`` or ``12``); None if absent."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    text = text.strip('"')
    if not text.isdigit():
        raise HTTPException(
            400, detail=f'If-Match must name a version in quotes, e.g. "12", not {value!r}'
        )
    return int(text)


@router.get(
    "/patients/{patient_id}/diary",
    response_model=DiaryListOut,
    summary="A patient's diary entries (with versions) in a date range",
    responses={**_ERRORS, 422: {"description": "A date is not written as YYYY-MM-DD."}},
)
def list_entries(
    patient_id: str,
    viewer: DiaryViewerDep,
    registry: RegistryDep,
    date_from: Annotated[date | None, Query(alias="from", description="First day.")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="Last day.")] = None,
) -> DiaryListOut:
    check_own_record(viewer, patient_id)
    if date_from is not None and date_to is not None and date_to < date_from:
        raise HTTPException(422, detail="'to' is before 'from': give the earlier day as 'from'")
    entries = list_diary_entries(
        registry, viewer.actor, patient_id, date_from=date_from, date_to=date_to
    )
    return DiaryListOut(patient_id=patient_id, entries=[DiaryEntryOut.of(e) for e in entries])


@router.put(
    "/patients/{patient_id}/diary/{entry_date}",
    response_model=DiaryEntryOut,
    status_code=200,
    summary="Create or replace a patient's diary entry of one day",
    responses={
        **_ERRORS,
        201: {"model": DiaryEntryOut, "description": "Created (ETag: its version)."},
        409: {"description": "An entry exists and no If-Match was sent; current_version given."},
        412: {"description": "If-Match names a version that is not the stored one."},
        422: {"description": "A field is out of range, the entry is empty, or the day is future."},
    },
)
def put_entry(
    patient_id: str,
    entry_date: date,
    body: DiaryEntryBody,
    request: Request,
    response: Response,
    viewer: DiaryViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
    if_match: Annotated[str | None, Header(description='The stored version, e.g. "12".')] = None,
) -> DiaryEntryOut | Response:
    check_own_record(viewer, patient_id)
    expected = parse_if_match(if_match)
    future = future_date_message(entry_date, settings.today())
    if future is not None:
        raise HTTPException(422, detail=future)
    try:
        entry = DiaryEntry(
            id=diary_entry_id(patient_id, entry_date),
            entry_date=entry_date,
            stiffness=body.stiffness,
            spasm_count=body.spasm_count,
            falls=body.falls,
            triggers=tuple(body.triggers),
            sedation=body.sedation,
            doses_taken=tuple(
                DiaryDose(drug_id=d.drug_id, doses=d.doses) for d in body.doses_taken
            ),
        )
    except ValidationError as error:
        raise HTTPException(422, detail=_plain(error)) from None
    reason = "diary entry saved through the API"
    try:
        result = save_diary_entry(registry, viewer, patient_id, entry, expected, reason)
    except StaleVersion as stale:
        extra: dict[str, object] = {"current_version": stale.current_version}
        refused = problem(request, 412, "Changed by someone else", str(stale), **extra)
        if stale.current_version is not None:
            refused.headers["ETag"] = etag(stale.current_version)
        return refused
    except ValidationError as error:
        raise HTTPException(422, detail=_plain(error)) from None
    response.status_code = 201 if result.created else 200
    response.headers["ETag"] = etag(result.entry.version)
    return DiaryEntryOut.of(result.entry)


def _plain(error: ValidationError) -> str:
    """The domain's reasons, without pydantic's prefixes."""
    reasons = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        where = ".".join(str(part) for part in item["loc"])
        reasons.append(f"{where}: {message}" if where else message)
    return "; ".join(reasons)
