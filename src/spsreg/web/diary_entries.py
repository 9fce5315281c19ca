"""Saving a patient's diary entry of one day, shared by the diary pages and the diary API.

One entry per patient per day. An entry written through the web gets a stable id derived from the
patient and the day (:func:`diary_entry_id`), so a repeated save of the same day names the same
record; an entry stored under another id (an import) is found by its date and keeps its id.

Nothing is silently overwritten: creating an entry on a day that already has one is refused with
:class:`ConflictError` carrying the stored version, and a replacement must name the version it
started from (:class:`StaleVersion` when it is not the stored one). Each save is one targeted store
write of the one entry (``Registry.add`` / ``Registry.update``), never a whole-record save.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from pydantic import ValidationError

from spsreg.domain import DiaryEntry
from spsreg.store import ConflictError, NotFoundError, RecordKind, Registry, Role, Versioned
from spsreg.store.diary_reads import diary_entry_on
from spsreg.web.auth import Viewer, require_roles

__all__ = [
    "DIARY_KIND",
    "DiaryViewerDep",
    "SaveResult",
    "StaleVersion",
    "check_own_record",
    "diary_entry_id",
    "future_date_message",
    "save_diary_entry",
]

DIARY_KIND = RecordKind.DIARY_ENTRIES

DiaryViewerDep = Annotated[
    Viewer,
    require_roles(
        Role.PATIENT,
        Role.CLINICIAN,
        Role.COORDINATOR,
        purpose="The symptom diary (the patient's own, or their site's clinical team)",
    ),
]
"""A patient (their own diary) or a clinician or coordinator (their site's patients' diaries)."""


class StaleVersion(Exception):
    """A replacement named a version that is not the stored one (or no entry is stored)."""

    def __init__(self, message: str, current_version: int | None) -> None:
        super().__init__(message)
        self.current_version = current_version


@dataclass(frozen=True)
class SaveResult:
    entry: Versioned[DiaryEntry]
    created: bool


def diary_entry_id(patient_id: str, day: date) -> str:
    """The stable id of a patient's diary entry of ``day`` (at most 64 characters)."""
    plain = f"{patient_id}:diary:{day.isoformat()}"
    if len(plain) <= 64:
        return plain
    digest = hashlib.sha256(patient_id.encode("utf-8")).hexdigest()[:24]
    return f"diary:{digest}:{day.isoformat()}"


def check_own_record(viewer: Viewer, patient_id: str) -> None:
    """A patient may open only their own diary: any other patient id looks like a missing one."""
    own = viewer.actor.patient_id
    if viewer.role is Role.PATIENT and own != patient_id:
        raise NotFoundError(f"patient {patient_id} not found")


def future_date_message(day: date, today: date) -> str | None:
    """Why ``day`` cannot have a diary entry yet, or None when it can."""
    if day > today:
        return (
            f"{day.isoformat()} is in the future: a diary entry can only be for today "
            f"({today.isoformat()}) or an earlier day."
        )
    return None


def _existing_conflict(
    registry: Registry, viewer: Viewer, patient_id: str, day: date
) -> ConflictError | None:
    stored = diary_entry_on(registry, viewer.actor, patient_id, day)
    if stored is None:
        return None
    return ConflictError(
        f"a diary entry for {day.isoformat()} is already stored (version {stored.version}): "
        "to replace it, send the stored version (If-Match) after checking what it holds",
        current_version=stored.version,
    )


def save_diary_entry(
    registry: Registry,
    viewer: Viewer,
    patient_id: str,
    entry: DiaryEntry,
    expected_version: int | None,
    reason: str,
) -> SaveResult:
    """Create the day's entry (``expected_version`` None) or replace the stored one.

    Raises :class:`ConflictError` (with the stored version) when creating over an existing entry,
    :class:`StaleVersion` when replacing with a version that is not the stored one,
    :class:`NotFoundError` for a patient outside the viewer's scope and pydantic's
    ``ValidationError`` for an entry the patient's record cannot take.
    """
    check_own_record(viewer, patient_id)
    actor = viewer.actor
    day = entry.entry_date
    if expected_version is None:
        try:
            created = registry.add(actor, patient_id, DIARY_KIND, entry, reason)
        except (ConflictError, ValidationError) as error:
            conflict = _existing_conflict(registry, viewer, patient_id, day)
            if conflict is not None:
                raise conflict from error
            raise
        return SaveResult(created, created=True)
    try:
        replaced = registry.update(
            actor, DIARY_KIND, entry, expected_version, reason, patient_id=patient_id
        )
        return SaveResult(replaced, created=False)
    except NotFoundError:
        stored = diary_entry_on(registry, actor, patient_id, day)  # NotFoundError: patient
        if stored is None:
            raise StaleVersion(
                f"there is no diary entry for {day.isoformat()} to replace: it may have been "
                "deleted; save it as a new entry",
                None,
            ) from None
    except ConflictError as error:
        stored = diary_entry_on(registry, actor, patient_id, day)
        raise StaleVersion(_stale_message(day, expected_version, stored), _version(stored)) from (
            error
        )
    if stored.version != expected_version:
        raise StaleVersion(_stale_message(day, expected_version, stored), stored.version)
    # The day's entry is stored under another id (an import): replace it keeping its id.
    renamed = entry.model_copy(update={"id": stored.record.id})
    try:
        replaced = registry.update(
            actor, DIARY_KIND, renamed, expected_version, reason, patient_id=patient_id
        )
    except ConflictError as error:
        again = diary_entry_on(registry, actor, patient_id, day)
        raise StaleVersion(_stale_message(day, expected_version, again), _version(again)) from (
            error
        )
    return SaveResult(replaced, created=False)


def _version(stored: Versioned[DiaryEntry] | None) -> int | None:
    return None if stored is None else stored.version


def _stale_message(day: date, expected: int, stored: Versioned[DiaryEntry] | None) -> str:
    now = (
        "it has since been deleted" if stored is None else f"version {stored.version} is stored now"
    )
    return (
        f"the diary entry for {day.isoformat()} was changed after you opened it: you edited "
        f"version {expected}, {now}"
    )
