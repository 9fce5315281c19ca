"""De-identification of a patient record for a research export (HIPAA Safe Harbor oriented).

:func:`deidentify_record` turns a registry :class:`PatientRecord` into a new, valid record that
carries no direct identifier: the site-held identifiers are dropped, the patient id, pseudonym,
site id and every record id are replaced by keyed ones, every date is shifted by the patient's
secret offset (or reduced to its year), ages of 90 and over are collapsed and free text is removed.
:data:`FIELD_HANDLING` classifies every text field of the record; :data:`SAFE_HARBOR_FIELDS` says
where each of the 18 Safe Harbor identifier classes could appear and what is done with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from spsreg.domain.record import PatientRecord
from spsreg.privacy.dates import (
    AGE_COLLAPSE_YEARS,
    DEFAULT_MAX_SHIFT_DAYS,
    age_in_years,
    birth_month_start,
    collapsed_birth_year_month,
    date_offset_days,
    shift_date,
    year_month,
    year_only,
)
from spsreg.privacy.keys import ExportKey, keyed_pseudonym, keyed_record_id, keyed_site_id

__all__ = [
    "FIELD_HANDLING",
    "REMOVED_TEXT",
    "SAFE_HARBOR_FIELDS",
    "DateMethod",
    "DeidentificationPolicy",
    "FieldHandling",
    "SafeHarborClass",
    "deidentify_record",
]

REMOVED_TEXT = "free text removed"
"""Stands in for a required free-text field (the detail of an 'other' comorbidity or procedure,
an adverse event term not on the allowed list)."""

_RECORD_REFERENCES = ("course_id", "previous_course_id")


class FieldHandling(StrEnum):
    """What the export does with a text field of the record."""

    CODE = "code"  # a coded value checked against the knowledge pack or an enumeration: kept
    KEYED = "keyed"  # an identifier: replaced by a keyed one
    DROP = "drop"  # free text or an identifying value: removed (set to None)
    DROP_UNLESS_REQUIRED = "drop_unless_required"  # removed; REMOVED_TEXT where kind is 'other'
    ALLOW_LIST = "allow_list"  # kept only if on the policy's allowed list, else REMOVED_TEXT


FIELD_HANDLING: dict[tuple[str, str], FieldHandling] = {
    ("patient", "id"): FieldHandling.KEYED,
    ("patient", "pseudonym"): FieldHandling.KEYED,
    ("patient", "site_id"): FieldHandling.KEYED,
    ("patient", "diagnosis_code"): FieldHandling.CODE,
    ("patient", "birth_year_month"): FieldHandling.CODE,
    ("patient", "genetic_diagnosis"): FieldHandling.DROP,
    ("patient", "biobank_link"): FieldHandling.DROP,
    ("patient", "functioning_classification"): FieldHandling.DROP,
    ("lab_results", "analyte"): FieldHandling.CODE,
    ("lab_results", "unit"): FieldHandling.CODE,
    ("lab_results", "laboratory"): FieldHandling.DROP,
    ("comorbidities", "detail"): FieldHandling.DROP_UNLESS_REQUIRED,
    ("genetic_markers", "system"): FieldHandling.CODE,
    ("genetic_markers", "locus"): FieldHandling.CODE,
    ("genetic_markers", "allele"): FieldHandling.CODE,
    ("genetic_markers", "method"): FieldHandling.DROP,
    ("visits", "assessments.scale_id"): FieldHandling.CODE,
    ("visits", "assessments.scale_version"): FieldHandling.CODE,
    ("visits", "assessments.responses"): FieldHandling.CODE,
    ("medication_courses", "drug_id"): FieldHandling.CODE,
    ("medication_courses", "previous_course_id"): FieldHandling.KEYED,
    ("administrations", "course_id"): FieldHandling.KEYED,
    ("pumps", "device"): FieldHandling.DROP,
    ("procedures", "detail"): FieldHandling.DROP_UNLESS_REQUIRED,
    ("non_drug_therapies", "detail"): FieldHandling.DROP,
    ("adverse_events", "term"): FieldHandling.ALLOW_LIST,
    ("adverse_events", "suspected_course_ids"): FieldHandling.KEYED,
    ("diary_entries", "doses_taken.drug_id"): FieldHandling.CODE,
}
"""Every text-valued field of a patient record (outside ``identifiers``, which is dropped whole) and
its handling. Every ``id`` of every record is keyed as well. Scale responses are coded answers
validated by the scale definitions."""


@dataclass(frozen=True)
class SafeHarborClass:
    number: int
    identifier: str
    where: str
    action: str


SAFE_HARBOR_FIELDS: tuple[SafeHarborClass, ...] = (
    SafeHarborClass(1, "names", "identifiers.given_name, family_name", "identifiers dropped"),
    SafeHarborClass(
        2,
        "geographic subdivisions smaller than a state",
        "identifiers.address; patient.site_id (a hospital points to a town); lab_results.laboratory",
        "identifiers dropped; site id keyed; laboratory dropped; only the site country may be "
        "exported beside the record",
    ),
    SafeHarborClass(
        3,
        "all elements of dates except year; ages over 89",
        "identifiers.date_of_birth; every date of the record; patient.birth_year_month",
        "date of birth dropped; dates shifted by a secret per-patient offset (or year only); "
        "birth month shifted with them; ages of 90 and over collapsed",
    ),
    SafeHarborClass(4, "telephone numbers", "identifiers.phone; free text", "dropped"),
    SafeHarborClass(5, "fax numbers", "free text", "free text dropped"),
    SafeHarborClass(6, "e-mail addresses", "identifiers.email; free text", "dropped"),
    SafeHarborClass(7, "social security numbers", "free text", "free text dropped"),
    SafeHarborClass(
        8,
        "medical record numbers",
        "identifiers.hospital_number; patient.id and every record id",
        "hospital number dropped; ids replaced by keyed ones",
    ),
    SafeHarborClass(9, "health plan beneficiary numbers", "free text", "free text dropped"),
    SafeHarborClass(10, "account numbers", "free text", "free text dropped"),
    SafeHarborClass(11, "certificate or licence numbers", "free text", "free text dropped"),
    SafeHarborClass(12, "vehicle identifiers and serial numbers", "free text", "free text dropped"),
    SafeHarborClass(
        13,
        "device identifiers and serial numbers",
        "pumps.device",
        "dropped (the device kind stays implied by the pump record)",
    ),
    SafeHarborClass(14, "web URLs", "patient.biobank_link; free text", "dropped"),
    SafeHarborClass(15, "IP addresses", "free text", "free text dropped"),
    SafeHarborClass(16, "biometric identifiers", "not recorded", "nothing to do"),
    SafeHarborClass(17, "full-face photographs", "not recorded", "nothing to do"),
    SafeHarborClass(
        18,
        "any other unique identifying number, characteristic or code",
        "patient.pseudonym; patient.biobank_link; registry record ids",
        "pseudonym and ids keyed per export; biobank link dropped",
    ),
)
"""The 18 HIPAA Safe Harbor identifier classes (45 CFR 164.514(b)(2)) and their handling."""


class DateMethod(StrEnum):
    SHIFT = "shift"  # every date moved by the patient's secret offset; intervals exact
    YEAR_ONLY = "year_only"  # Safe Harbor: every date reduced to 1 January of its year


@dataclass(frozen=True)
class DeidentificationPolicy:
    """How a record is de-identified.

    ``as_of`` is the export date: ages are judged on it (or on the date of death). Adverse event
    terms are free text in the registry; only terms in ``adverse_event_terms`` (a site-approved list,
    for example CTCAE terms) are kept, any other is replaced by :data:`REMOVED_TEXT`. With
    ``dates=year_only`` diary entries are dropped: several days of one year would become one day.
    """

    as_of: date
    dates: DateMethod = DateMethod.SHIFT
    max_shift_days: int = DEFAULT_MAX_SHIFT_DAYS
    adverse_event_terms: frozenset[str] = frozenset()


def _walk(value: Any, transform_date: Any, key: ExportKey) -> Any:
    """Rebuild a dumped record: dates transformed, record ids and references keyed."""
    if isinstance(value, date):
        return transform_date(value)
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for name, item in value.items():
            if name == "id" or (name in _RECORD_REFERENCES and item is not None):
                out[name] = keyed_record_id(key, item)
            elif name == "suspected_course_ids":
                out[name] = tuple(keyed_record_id(key, course) for course in item)
            else:
                out[name] = _walk(item, transform_date, key)
        return out
    if isinstance(value, list | tuple):
        return [_walk(item, transform_date, key) for item in value]
    return value


def _strip_free_text(section: str, item: dict[str, Any], policy: DeidentificationPolicy) -> None:
    for (model_section, field_name), handling in FIELD_HANDLING.items():
        if model_section != section or field_name not in item:
            continue
        if handling is FieldHandling.DROP:
            item[field_name] = None
        elif handling is FieldHandling.DROP_UNLESS_REQUIRED:
            item[field_name] = REMOVED_TEXT if item.get("kind") == "other" else None
        elif (
            handling is FieldHandling.ALLOW_LIST
            and item[field_name] not in policy.adverse_event_terms
        ):
            item[field_name] = REMOVED_TEXT


def _all_dates(value: Any) -> list[date]:
    if isinstance(value, date):
        return [value]
    if isinstance(value, dict):
        return [d for item in value.values() for d in _all_dates(item)]
    if isinstance(value, list | tuple):
        return [d for item in value for d in _all_dates(item)]
    return []


def deidentify_record(
    record: PatientRecord, key: ExportKey, policy: DeidentificationPolicy
) -> PatientRecord:
    """A new, valid record with identifiers removed, ids keyed, dates shifted and free text gone."""
    patient = record.patient
    offset = date_offset_days(key, patient.id, policy.max_shift_days)

    def transform(day: date) -> date:
        if policy.dates is DateMethod.YEAR_ONLY:
            return year_only(day)
        return shift_date(day, offset)

    dumped = record.model_dump(mode="python", exclude={"identifiers"})
    if policy.dates is DateMethod.YEAR_ONLY:
        dumped["diary_entries"] = []
    for section, items in dumped.items():
        if section == "patient":
            _strip_free_text("patient", items, policy)
        else:
            for item in items:
                _strip_free_text(section, item, policy)
    result = _walk(dumped, transform, key)
    result_patient = result["patient"]
    pseudonym = keyed_pseudonym(key, patient.id)
    result_patient["id"] = pseudonym
    result_patient["pseudonym"] = pseudonym
    result_patient["site_id"] = keyed_site_id(key, patient.site_id)

    reference = patient.date_of_death or policy.as_of
    if age_in_years(patient.birth_year_month, reference) >= AGE_COLLAPSE_YEARS:
        exported_dates = _all_dates(result)
        earliest = min(exported_dates) if exported_dates else None
        birth = collapsed_birth_year_month(transform(reference), earliest)
    else:
        birth = year_month(transform(birth_month_start(patient.birth_year_month)))
    result_patient["birth_year_month"] = birth
    return PatientRecord.model_validate(result)
