"""The patient record: the unit of import, export and transactional storage.

A :class:`PatientRecord` holds one patient with everything recorded about them. It is imported
whole or not at all, and its internal references (courses named by infusions and adverse events,
dose-change chains) are checked here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator

from pydantic import model_validator

from spsreg.domain.adverse_events import AdverseEvent
from spsreg.domain.assessments import Visit
from spsreg.domain.base import DomainModel
from spsreg.domain.conditions import Comorbidity, GeneticMarker
from spsreg.domain.diary import DiaryEntry
from spsreg.domain.labs import LabResult
from spsreg.domain.medications import Administration, IntrathecalPump, MedicationCourse
from spsreg.domain.patient import Consent, Patient, PatientIdentifiers
from spsreg.domain.therapies import NonDrugTherapy, Procedure

__all__ = ["RECORD_SECTIONS", "PatientRecord"]

RECORD_SECTIONS: tuple[str, ...] = (
    "consents",
    "lab_results",
    "comorbidities",
    "genetic_markers",
    "visits",
    "medication_courses",
    "administrations",
    "pumps",
    "procedures",
    "non_drug_therapies",
    "adverse_events",
    "diary_entries",
)
"""The lists of a patient record, in their canonical order."""


class PatientRecord(DomainModel):
    patient: Patient
    identifiers: PatientIdentifiers | None = None
    consents: tuple[Consent, ...] = ()
    lab_results: tuple[LabResult, ...] = ()
    comorbidities: tuple[Comorbidity, ...] = ()
    genetic_markers: tuple[GeneticMarker, ...] = ()
    visits: tuple[Visit, ...] = ()
    medication_courses: tuple[MedicationCourse, ...] = ()
    administrations: tuple[Administration, ...] = ()
    pumps: tuple[IntrathecalPump, ...] = ()
    procedures: tuple[Procedure, ...] = ()
    non_drug_therapies: tuple[NonDrugTherapy, ...] = ()
    adverse_events: tuple[AdverseEvent, ...] = ()
    diary_entries: tuple[DiaryEntry, ...] = ()

    def record_ids(self) -> Iterator[tuple[str, str]]:
        """Yield (section, id) for every identified record, nested ones included."""
        yield "patient", self.patient.id
        for section in RECORD_SECTIONS:
            for item in getattr(self, section):
                yield section, item.id
        for visit in self.visits:
            for assessment in visit.assessments:
                yield "assessments", assessment.id
        for pump in self.pumps:
            for refill in pump.refills:
                yield "pump_refills", refill.id

    @model_validator(mode="after")
    def _check_references(self) -> PatientRecord:
        counts = Counter(record_id for _, record_id in self.record_ids())
        duplicated = sorted(record_id for record_id, n in counts.items() if n > 1)
        if duplicated:
            raise ValueError(f"record ids used more than once: {', '.join(duplicated[:5])}")
        course_ids = {course.id for course in self.medication_courses}
        for course in self.medication_courses:
            if (
                course.previous_course_id is not None
                and course.previous_course_id not in course_ids
            ):
                raise ValueError(
                    f"medication course {course.id} continues unknown course {course.previous_course_id}"
                )
        for administration in self.administrations:
            if administration.course_id not in course_ids:
                raise ValueError(
                    f"administration {administration.id} names unknown course {administration.course_id}"
                )
        for event in self.adverse_events:
            unknown = [cid for cid in event.suspected_course_ids if cid not in course_ids]
            if unknown:
                raise ValueError(f"adverse event {event.id} suspects unknown course {unknown[0]}")
        diary_days = Counter(entry.entry_date for entry in self.diary_entries)
        repeated = sorted(day for day, n in diary_days.items() if n > 1)
        if repeated:
            raise ValueError(f"more than one diary entry on {repeated[0].isoformat()}")
        death = self.patient.date_of_death
        if death is not None:
            for visit in self.visits:
                if visit.visit_date > death:
                    raise ValueError(f"visit {visit.id} is after the date of death")
        if self.identifiers is not None:
            birth = self.identifiers.date_of_birth
            if f"{birth.year:04d}-{birth.month:02d}" != self.patient.birth_year_month:
                raise ValueError(
                    "identifiers.date_of_birth does not match patient.birth_year_month"
                )
        return self
