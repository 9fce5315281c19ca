"""FHIR R4 resources for one patient record: the entry point of the FHIR export.

Pure mapping, no I/O: :func:`patient_resources` turns a :class:`PatientRecord` into the list of
FHIR R4 resource dictionaries (JSON-ready) of that patient, Patient first, which the Bundle and
NDJSON writers (:mod:`spsreg.export.fhir_writers`) serialise. Every clinical fact of the record is
carried, so :mod:`spsreg.ingest.fhir_native_profile` reads the record back exactly; identifiable
data (``record.identifiers``) are never exported. Codes come only from the knowledge pack; see
docs/fhir.md for the mapping of every field.
"""

from __future__ import annotations

from spsreg.domain.record import PatientRecord
from spsreg.export.fhir_common import (
    LOCAL_DIAGNOSIS_SYSTEM,
    LOCAL_DRUG_SYSTEM,
    PATIENT_ID_SYSTEM,
    PSEUDONYM_SYSTEM,
    RXNORM_SYSTEM,
    UCUM_SYSTEM,
    FhirResource,
    fhir_id,
)
from spsreg.export.fhir_medications import (
    administration_resource,
    medication_statement_resource,
)
from spsreg.export.fhir_observations import (
    encounter_resource,
    genetic_marker_resource,
    lab_resource,
    weight_resource,
)
from spsreg.export.fhir_patient import (
    comorbidity_resource,
    condition_resource,
    consent_resource,
    organization_resource,
    patient_resource,
)
from spsreg.export.fhir_surveys import assessment_resource, diary_resource
from spsreg.export.fhir_terms import CODE_SYSTEM_URIS, FhirTerms, fhir_terms, sps_condition_codings
from spsreg.export.fhir_therapies import (
    adverse_event_resource,
    non_drug_therapy_resource,
    procedure_resource,
    pump_resource,
    refill_resource,
)
from spsreg.knowledge.pack import KnowledgePack, load_knowledge_pack

__all__ = [
    "CODE_SYSTEM_URIS",
    "LOCAL_DIAGNOSIS_SYSTEM",
    "LOCAL_DRUG_SYSTEM",
    "PATIENT_ID_SYSTEM",
    "PSEUDONYM_SYSTEM",
    "RXNORM_SYSTEM",
    "UCUM_SYSTEM",
    "FhirResource",
    "fhir_id",
    "organization_resource",
    "patient_resource",
    "patient_resources",
    "record_resources",
    "sps_condition_codings",
]


def record_resources(record: PatientRecord, terms: FhirTerms) -> list[FhirResource]:
    """All resources of one record with the pack's lookups already built (the writers' path)."""
    patient = record.patient
    resources = [patient_resource(patient), condition_resource(patient, terms)]
    resources.extend(consent_resource(c, patient, n) for n, c in enumerate(record.consents))
    resources.extend(
        comorbidity_resource(c, patient, n, terms) for n, c in enumerate(record.comorbidities)
    )
    resources.extend(
        lab_resource(lab, patient, n, terms) for n, lab in enumerate(record.lab_results)
    )
    resources.extend(
        genetic_marker_resource(marker, patient, n)
        for n, marker in enumerate(record.genetic_markers)
    )
    for n, visit in enumerate(record.visits):
        resources.append(encounter_resource(visit, patient, n))
        if visit.weight_kg is not None:
            resources.append(weight_resource(visit, visit.weight_kg, patient))
        resources.extend(
            assessment_resource(assessment, visit, patient, m)
            for m, assessment in enumerate(visit.assessments)
        )
    drugs = {course.id: course.drug_id for course in record.medication_courses}
    resources.extend(
        medication_statement_resource(course, patient, n, terms)
        for n, course in enumerate(record.medication_courses)
    )
    resources.extend(
        administration_resource(given, drugs[given.course_id], patient, n, terms)
        for n, given in enumerate(record.administrations)
    )
    for n, pump in enumerate(record.pumps):
        resources.append(pump_resource(pump, patient, n))
        resources.extend(
            refill_resource(refill, pump, patient, m) for m, refill in enumerate(pump.refills)
        )
    resources.extend(procedure_resource(p, patient, n) for n, p in enumerate(record.procedures))
    resources.extend(
        non_drug_therapy_resource(t, patient, n) for n, t in enumerate(record.non_drug_therapies)
    )
    resources.extend(
        adverse_event_resource(event, patient, n) for n, event in enumerate(record.adverse_events)
    )
    resources.extend(
        diary_resource(entry, patient, n) for n, entry in enumerate(record.diary_entries)
    )
    return resources


def patient_resources(
    record: PatientRecord, pack: KnowledgePack | None = None
) -> list[FhirResource]:
    """All FHIR resources of one patient record, Patient first (the pack defaults to spsreg's)."""
    return record_resources(record, fhir_terms(pack if pack is not None else load_knowledge_pack()))
