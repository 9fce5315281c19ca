"""What the diary and summary pages show: drug names, the medications a patient takes on a day, and
diary entries as table rows in plain words."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from spsreg.domain import DiaryEntry, PatientRecord
from spsreg.domain.overview import describe_dose
from spsreg.knowledge import KnowledgePack
from spsreg.store import Versioned
from spsreg.web.pages.diary_form import TRIGGER_LABELS

__all__ = ["DiaryRow", "DoseField", "diary_rows", "dose_fields", "drug_name"]


@dataclass(frozen=True)
class DoseField:
    """One drug of the doses-taken part of the form."""

    drug_id: str
    name: str
    schedule: str  # how it is prescribed, e.g. "7.5 mg 3x every day (oral)"; "" if not current


@dataclass(frozen=True)
class DiaryRow:
    """One diary entry in words, for the tables below the form and on the summary pages."""

    entry_date: date
    stiffness: int | None
    spasm_count: int | None
    falls: int | None
    sedation: int | None
    triggers: str
    doses: str
    version: int


def drug_name(pack: KnowledgePack, drug_id: str) -> str:
    """The drug's name in the knowledge pack (its id when the pack does not know it)."""
    found = pack.find_drug(drug_id)
    return found.name if found is not None else drug_id


def dose_fields(
    record: PatientRecord, day: date, pack: KnowledgePack, also: Iterable[str] = ()
) -> list[DoseField]:
    """The drugs of the patient's courses active on ``day`` (one field per drug), then any drug in
    ``also`` (an existing entry's doses) that is no longer current."""
    schedules: dict[str, list[str]] = {}
    for course in sorted(record.medication_courses, key=lambda c: (c.drug_id, c.start_date)):
        if course.is_active_on(day):
            schedules.setdefault(course.drug_id, []).append(
                f"{describe_dose(course)} ({course.route.value})"
            )
    fields = [
        DoseField(drug_id, drug_name(pack, drug_id), "; ".join(texts))
        for drug_id, texts in schedules.items()
    ]
    for drug_id in also:
        if drug_id not in schedules:
            schedules[drug_id] = []
            fields.append(DoseField(drug_id, drug_name(pack, drug_id), ""))
    return fields


def diary_rows(entries: Sequence[Versioned[DiaryEntry]], pack: KnowledgePack) -> list[DiaryRow]:
    """The entries as rows, newest first."""
    rows = []
    for stored in sorted(entries, key=lambda item: item.record.entry_date, reverse=True):
        entry = stored.record
        rows.append(
            DiaryRow(
                entry_date=entry.entry_date,
                stiffness=entry.stiffness,
                spasm_count=entry.spasm_count,
                falls=entry.falls,
                sedation=entry.sedation,
                triggers=", ".join(TRIGGER_LABELS[t].lower() for t in entry.triggers),
                doses=", ".join(
                    f"{drug_name(pack, dose.drug_id)}: {dose.doses}" for dose in entry.doses_taken
                ),
                version=stored.version,
            )
        )
    return rows
