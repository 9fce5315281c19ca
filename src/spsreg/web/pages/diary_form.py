"""The diary form: what the patient typed, read back into a diary entry with plain-language errors.

:class:`DiaryFormInput` keeps the text exactly as submitted so that a refused form is shown again
with nothing lost. :func:`parse_diary_form` turns it into a :class:`~spsreg.domain.DiaryEntry`, or
into one message per field (``errors``; the key ``entry`` holds a reason about the whole entry).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from pydantic import ValidationError
from starlette.datastructures import FormData

from spsreg.domain import DiaryDose, DiaryEntry, SpasmTrigger
from spsreg.web.diary_entries import diary_entry_id, future_date_message

__all__ = [
    "DOSE_PREFIX",
    "TRIGGER_LABELS",
    "DiaryFormInput",
    "ParsedDiaryForm",
    "form_of_entry",
    "parse_diary_form",
    "read_diary_form",
]

DOSE_PREFIX = "doses."
"""Form fields ``doses.<drug_id>``: how many doses of that drug were taken."""

TRIGGER_LABELS: dict[SpasmTrigger, str] = {
    SpasmTrigger.NOISE: "Noise or a sudden sound",
    SpasmTrigger.TOUCH: "Being touched",
    SpasmTrigger.EMOTIONAL_STRESS: "Stress or strong emotion",
    SpasmTrigger.COLD: "Cold",
    SpasmTrigger.OTHER: "Something else",
}

_LIMITS = {"spasm_count": 1000, "falls": 100}
_NAMES = {"spasm_count": "the number of spasms", "falls": "the number of falls"}


@dataclass
class DiaryFormInput:
    """The form's fields as text, as the patient typed them."""

    entry_date: str
    version: str = ""
    stiffness: str = ""
    sedation: str = ""
    spasm_count: str = ""
    falls: str = ""
    triggers: list[str] = field(default_factory=list)
    doses: dict[str, str] = field(default_factory=dict)


@dataclass
class ParsedDiaryForm:
    entry: DiaryEntry | None
    day: date | None
    version: int | None
    errors: dict[str, str]


def read_diary_form(form: FormData) -> DiaryFormInput:
    def text(name: str) -> str:
        value = form.get(name)
        return value.strip() if isinstance(value, str) else ""

    return DiaryFormInput(
        entry_date=text("entry_date"),
        version=text("version"),
        stiffness=text("stiffness"),
        sedation=text("sedation"),
        spasm_count=text("spasm_count"),
        falls=text("falls"),
        triggers=[value for value in form.getlist("triggers") if isinstance(value, str)],
        doses={
            name.removeprefix(DOSE_PREFIX): value.strip()
            for name, value in form.multi_items()
            if name.startswith(DOSE_PREFIX) and isinstance(value, str)
        },
    )


def form_of_entry(day: date, entry: DiaryEntry | None, version: int | None) -> DiaryFormInput:
    """The form pre-filled with a stored entry (or empty for a new day)."""
    if entry is None:
        return DiaryFormInput(entry_date=day.isoformat())

    def show(value: int | None) -> str:
        return "" if value is None else str(value)

    return DiaryFormInput(
        entry_date=day.isoformat(),
        version=show(version),
        stiffness=show(entry.stiffness),
        sedation=show(entry.sedation),
        spasm_count=show(entry.spasm_count),
        falls=show(entry.falls),
        triggers=[trigger.value for trigger in entry.triggers],
        doses={dose.drug_id: str(dose.doses) for dose in entry.doses_taken},
    )


def _whole_number(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 6 else None


def _score(text: str, name: str, errors: dict[str, str], what: str) -> int | None:
    if not text:
        return None
    value = _whole_number(text)
    if value is None or value > 10:
        errors[name] = f"Choose {what} as a number from 0 to 10, or leave it out."
        return None
    return value


def _count(text: str, name: str, errors: dict[str, str]) -> int | None:
    if not text:
        return None
    value = _whole_number(text)
    if value is None or value > _LIMITS[name]:
        errors[name] = (
            f"Enter {_NAMES[name]} as a whole number from 0 to {_LIMITS[name]}, or leave it empty."
        )
        return None
    return value


def _doses(doses: dict[str, str], errors: dict[str, str], names: dict[str, str]) -> list[DiaryDose]:
    taken = []
    for drug_id, text in doses.items():
        if not text:
            continue
        value = _whole_number(text)
        if value is None or value > 48 or not drug_id:
            label = names.get(drug_id, drug_id)
            errors[DOSE_PREFIX + drug_id] = (
                f"Enter the doses of {label} as a whole number from 0 to 48, or leave it empty."
            )
            continue
        taken.append(DiaryDose(drug_id=drug_id, doses=value))
    return taken


def _triggers(values: Iterable[str], errors: dict[str, str]) -> list[SpasmTrigger]:
    known = {trigger.value: trigger for trigger in SpasmTrigger}
    chosen = []
    for value in dict.fromkeys(values):
        if value not in known:
            errors["triggers"] = "Choose triggers from the list only."
            continue
        chosen.append(known[value])
    return chosen


def parse_diary_form(
    submitted: DiaryFormInput, patient_id: str, today: date, drug_names: dict[str, str]
) -> ParsedDiaryForm:
    """The entry the form describes, or plain-language errors (``drug_names``: drug id -> the
    name shown in messages)."""
    errors: dict[str, str] = {}
    day: date | None = None
    try:
        day = date.fromisoformat(submitted.entry_date)
    except ValueError:
        errors["entry_date"] = "Enter the day as YYYY-MM-DD, for example 2026-11-21."
    if day is not None:
        future = future_date_message(day, today)
        if future is not None:
            errors["entry_date"] = future
    version = _whole_number(submitted.version) if submitted.version else None
    if submitted.version and version is None:
        errors["entry"] = "The form was damaged: open the day again from the diary page."
    stiffness = _score(submitted.stiffness, "stiffness", errors, "your stiffness")
    sedation = _score(submitted.sedation, "sedation", errors, "your drowsiness")
    spasm_count = _count(submitted.spasm_count, "spasm_count", errors)
    falls = _count(submitted.falls, "falls", errors)
    triggers = _triggers(submitted.triggers, errors)
    doses = _doses(submitted.doses, errors, drug_names)
    if errors or day is None:
        return ParsedDiaryForm(None, day, version, errors)
    try:
        entry = DiaryEntry(
            id=diary_entry_id(patient_id, day),
            entry_date=day,
            stiffness=stiffness,
            spasm_count=spasm_count,
            falls=falls,
            triggers=tuple(triggers),
            sedation=sedation,
            doses_taken=tuple(doses),
        )
    except ValidationError as error:
        errors["entry"] = plain_reason(error)
        return ParsedDiaryForm(None, day, version, errors)
    return ParsedDiaryForm(entry, day, version, errors)


def plain_reason(error: ValidationError) -> str:
    """The domain's reason for refusing an entry, as a sentence."""
    first = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
    sentence = first[:1].upper() + first[1:]
    return sentence if sentence.endswith(".") else sentence + "."
