"""The patient's own symptom diary (phone-first), and the read-only diary of a patient for their
site's clinical team.

``GET /diary`` shows the form of one day (today unless ``?date=`` picks an earlier day; an existing
entry of that day is pre-filled with its version) and the last 14 entries. ``POST /diary`` creates
the day's entry or replaces it when the form names the stored version; a stale version re-shows the
form (409) with the patient's input and what is stored now. Success redirects (303) with a
"Saved for YYYY-MM-DD" notice. The patient's own summary (``/me``) is in :mod:`.me_pages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from spsreg.domain import DiaryEntry, SpasmTrigger
from spsreg.knowledge import load_knowledge_pack
from spsreg.store import ConflictError, RecordKind, Registry, Role, Versioned
from spsreg.store.diary_reads import diary_entry_on, list_diary_entries
from spsreg.web.auth import RegistryDep, SettingsDep, Viewer, require_roles
from spsreg.web.diary_entries import StaleVersion, save_diary_entry
from spsreg.web.pages import me_pages
from spsreg.web.pages.diary_form import (
    TRIGGER_LABELS,
    DiaryFormInput,
    form_of_entry,
    parse_diary_form,
    plain_reason,
    read_diary_form,
)
from spsreg.web.pages.diary_view import diary_rows, dose_fields
from spsreg.web.templating import render

__all__ = ["PatientDep", "router"]

router = APIRouter()
router.include_router(me_pages.router)

PatientDep = Annotated[Viewer, require_roles(Role.PATIENT, purpose="Your own diary")]
StaffDiaryDep = Annotated[
    Viewer,
    require_roles(
        Role.CLINICIAN, Role.COORDINATOR, purpose="A patient's diary (their site's clinical team)"
    ),
]

RECENT_ENTRIES = 14
STALE_MESSAGE = (
    "Someone else changed this diary day since you opened it (perhaps you, on another device). "
    "Nothing was saved. What is stored now is shown below; your answers are still in the form: "
    "press Save to replace the stored entry with them."
)
EXISTS_MESSAGE = (
    "An entry for this day was saved in the meantime (perhaps on another device). Nothing was "
    "saved. What is stored now is shown below; your answers are still in the form: press Save to "
    "replace the stored entry with them."
)


@dataclass(frozen=True)
class _Status:
    code: int
    message: str | None = None


def _own_id(viewer: Viewer) -> str:
    patient_id = viewer.actor.patient_id
    assert patient_id is not None  # the patient role always has one (Actor checks it)
    return patient_id


def _page(
    request: Request,
    registry: Registry,
    viewer: Viewer,
    today: date,
    day: date,
    submitted: DiaryFormInput,
    errors: dict[str, str],
    status: _Status,
    *,
    saved: str | None = None,
    stored: Versioned[DiaryEntry] | None = None,
) -> HTMLResponse:
    patient_id = _own_id(viewer)
    pack = load_knowledge_pack()
    record = registry.load_patient_record(viewer.actor, patient_id, channel=viewer.channel)
    recent = list_diary_entries(
        registry, viewer.actor, patient_id, date_to=today, latest=RECENT_ENTRIES
    )
    context: dict[str, Any] = {
        "today": today,
        "day": day,
        "form": submitted,
        "errors": errors,
        "problem": status.message,
        "saved": saved,
        "dose_fields": dose_fields(record, day, pack, also=submitted.doses),
        "triggers": [(trigger.value, TRIGGER_LABELS[trigger]) for trigger in SpasmTrigger],
        "recent": diary_rows(recent, pack),
        "stored_now": diary_rows([stored], pack)[0] if stored is not None else None,
    }
    return render(request, "diary.html.j2", context, viewer=viewer, status_code=status.code)


@router.get("/diary", response_class=HTMLResponse)
def diary_form(
    request: Request,
    viewer: PatientDep,
    registry: RegistryDep,
    settings: SettingsDep,
    day_text: Annotated[str | None, Query(alias="date")] = None,
    saved: str | None = None,
) -> HTMLResponse:
    today = settings.today()
    errors: dict[str, str] = {}
    day = today
    if day_text:
        try:
            day = _parse_day(day_text, today)
        except ValueError as error:
            errors["pick_date"] = str(error)
    stored = diary_entry_on(registry, viewer.actor, _own_id(viewer), day)
    submitted = form_of_entry(day, stored.record if stored else None, _version(stored))
    notice = saved if saved and saved == day.isoformat() else None
    status = _Status(200 if not errors else 400)
    return _page(request, registry, viewer, today, day, submitted, errors, status, saved=notice)


def _parse_day(text: str, today: date) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ValueError("Enter the day as YYYY-MM-DD, for example 2026-11-21.") from None
    if day > today:
        raise ValueError(
            f"{day.isoformat()} is in the future: choose today ({today.isoformat()}) or an "
            "earlier day."
        )
    return day


def _version(stored: Versioned[DiaryEntry] | None) -> int | None:
    return None if stored is None else stored.version


@router.post("/diary", response_class=HTMLResponse)
async def save_diary(
    request: Request, viewer: PatientDep, registry: RegistryDep, settings: SettingsDep
) -> Response:
    submitted = read_diary_form(await request.form())
    return await run_in_threadpool(_save, request, viewer, registry, settings.today(), submitted)


def _save(
    request: Request, viewer: Viewer, registry: Registry, today: date, submitted: DiaryFormInput
) -> Response:
    patient_id = _own_id(viewer)
    pack = load_knowledge_pack()
    names = {drug_id: drug.name for drug_id in submitted.doses if (drug := pack.find_drug(drug_id))}
    parsed = parse_diary_form(submitted, patient_id, today, names)
    day = parsed.day if parsed.day is not None and parsed.day <= today else today
    if parsed.entry is None:
        return _page(request, registry, viewer, today, day, submitted, parsed.errors, _Status(400))
    reason = "diary entry saved by the patient"
    try:
        save_diary_entry(registry, viewer, patient_id, parsed.entry, parsed.version, reason)
    except (ConflictError, StaleVersion) as error:
        stored = diary_entry_on(registry, viewer.actor, patient_id, day)
        submitted.version = "" if stored is None else str(stored.version)
        message = EXISTS_MESSAGE if isinstance(error, ConflictError) else STALE_MESSAGE
        if stored is None:
            message = (
                "The entry you were changing has been deleted since you opened it. Nothing was "
                "saved; your answers are still in the form: press Save to save them as a new entry."
            )
        return _page(
            request,
            registry,
            viewer,
            today,
            day,
            submitted,
            {},
            _Status(409, message),
            stored=stored,
        )
    except ValidationError as error:
        errors = {"entry": plain_reason(error)}
        return _page(request, registry, viewer, today, day, submitted, errors, _Status(400))
    target = f"/diary?date={day.isoformat()}&saved={day.isoformat()}"
    return RedirectResponse(target, status_code=303)


@router.get("/patients/{patient_id}/diary", response_class=HTMLResponse)
def patient_diary(
    request: Request, patient_id: str, viewer: StaffDiaryDep, registry: RegistryDep
) -> HTMLResponse:
    patient = registry.get(viewer.actor, RecordKind.PATIENT, patient_id, channel=viewer.channel)
    entries = list_diary_entries(registry, viewer.actor, patient_id)
    context = {
        "patient": patient.record,
        "rows": diary_rows(entries, load_knowledge_pack()),
    }
    return render(request, "diary_staff.html.j2", context, viewer=viewer)
