"""Building one registry patient record from another system's FHIR resources about one patient.

The Patient must map (a full birth date) and every resource must be valid FHIR, else the patient
(and, for a Bundle, the whole Bundle) is rejected with the resource's place, FHIR path and reason.
Content that has no confident registry equivalent is not an error: it is listed unmapped. A
mapped item that the registry's own checks would refuse (a knowledge-pack dose range, a date in
the future) is taken out of the record and listed unmapped with that reason, so one doubtful
prescription never blocks a patient.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from pydantic import ValidationError

from spsreg.domain.record import PatientRecord
from spsreg.domain.record_checks import check_patient_record
from spsreg.ingest.batch import ParsedRecord, UnmappedItem
from spsreg.ingest.errors import RecordError
from spsreg.ingest.fhir_external_clinical import (
    SpsDiagnosis,
    allergy_reason,
    map_lab,
    sps_diagnosis,
)
from spsreg.ingest.fhir_external_codes import (
    MappingProblem,
    describe_concept,
    first_identity,
    stable_id,
)
from spsreg.ingest.fhir_external_medications import map_medication
from spsreg.ingest.fhir_external_patient import map_patient
from spsreg.ingest.fhir_sources import SourceResource
from spsreg.ingest.fhir_validation import basic_problems, validate_resource
from spsreg.knowledge import KnowledgePack

__all__ = ["MedicationLookup", "map_external_patient"]

MedicationLookup = Callable[[str], dict[str, Any] | None]
"""Resolves a ``medicationReference`` to the Medication resource it names."""

_VALIDATED = frozenset(
    {"Patient", "Condition", "MedicationRequest", "MedicationStatement", "Medication",
     "Procedure", "AllergyIntolerance"}
)  # fmt: skip
_ITEM = re.compile(r"^(\w+)\[(\d+)\]")
_CODED = ("code", "medicationCodeableConcept", "type", "vaccineCode")


def _short(source: SourceResource) -> str:
    resource = source.resource
    for name in _CODED:
        if name in resource:
            return f"{source.label}: {describe_concept(resource[name])}"[:160]
    return source.label[:160]


class _Builder:
    def __init__(self, patient: SourceResource, site_id: str, pack: KnowledgePack) -> None:
        self.source = patient
        self.pack = pack
        self.site_id = site_id
        self.sections: dict[str, list[dict[str, Any]]] = {
            "medication_courses": [],
            "lab_results": [],
        }
        self.origins: dict[str, SourceResource] = {}  # by registry item id
        self.unmapped: list[UnmappedItem] = []
        self.diagnoses: list[SpsDiagnosis] = []

    def skip(self, source: SourceResource, reason: str, category: str | None = None) -> None:
        self.unmapped.append(
            UnmappedItem(
                source.file, source.line, category or source.resource_type, _short(source), reason
            )
        )

    def add(
        self, section: str, source: SourceResource, identity: str, item: dict[str, Any]
    ) -> None:
        prefix = "fhir-mc" if section == "medication_courses" else "fhir-lab"
        item["id"] = stable_id(prefix, identity, first_identity(source.resource))
        self.origins[item["id"]] = source
        self.sections[section].append(item)

    def map_resource(
        self, source: SourceResource, identity: str, medications: MedicationLookup
    ) -> None:
        resource, kind = source.resource, source.resource_type
        if kind in ("MedicationRequest", "MedicationStatement"):
            reference = resource.get("medicationReference")
            ref = reference.get("reference") if isinstance(reference, dict) else None
            medication = medications(ref) if isinstance(ref, str) else None
            course, reason = map_medication(resource, medication, self.pack)
            if course is None:
                self.skip(source, reason)
            else:
                self.add("medication_courses", source, identity, course)
        elif kind == "Condition":
            found = sps_diagnosis(resource, self.pack)
            if isinstance(found, SpsDiagnosis):
                self.diagnoses.append(found)
            else:
                self.skip(source, found or "no verified knowledge-pack code (SPS or comorbidity)")
        elif kind == "Observation":
            lab = map_lab(resource, self.pack)
            if isinstance(lab, str):
                self.skip(source, lab)
            else:
                self.add("lab_results", source, identity, lab)
        elif kind == "Procedure":
            self.skip(source, "no verified knowledge-pack procedure code")
        elif kind == "AllergyIntolerance":
            self.skip(source, allergy_reason(resource, self.pack))
        else:
            self.skip(source, f"the registry has no place for {kind}")

    def patient_fields(self, patient: dict[str, Any], birth_month: str) -> None:
        if not self.diagnoses:
            patient["undiagnosed"] = True
            self.skip(self.source, "no SPS Condition with a high-confidence code: imported as "
                      "undiagnosed (CDE 6.3)", "notice")  # fmt: skip
            return
        onset = min((d.onset for d in self.diagnoses if d.onset), default=None)
        diagnosed = min((d.diagnosed for d in self.diagnoses if d.diagnosed), default=None)
        patient["diagnosis_code"] = self.diagnoses[0].code
        for partial in {d.partial_onset for d in self.diagnoses if d.partial_onset}:
            self.skip(
                self.source, f"SPS onset {partial!r} is not a full date: not kept", "Condition"
            )
        for name, value in (("onset_date", onset), ("diagnosis_date", diagnosed)):
            if value is not None and f"{value.year:04d}-{value.month:02d}" >= birth_month:
                patient[name] = value
        if onset and diagnosed and onset > diagnosed:
            patient.pop("diagnosis_date", None)
            self.skip(
                self.source, "the SPS diagnosis date is before its onset: not kept", "Condition"
            )


def _validation_problems(
    group: list[SourceResource], pack: KnowledgePack
) -> list[tuple[SourceResource, str, str]]:
    problems: list[tuple[SourceResource, str, str]] = []
    lab_codes = {entry.code for analyte in pack.labs for entry in analyte.loinc}
    for source in group:
        full = source.resource_type in _VALIDATED or (
            source.resource_type == "Observation"
            and any(code in str(source.resource.get("code")) for code in lab_codes)
        )
        found = validate_resource(source.resource) if full else basic_problems(source.resource)
        problems.extend((source, path, reason) for path, reason in found)
    return problems


def map_external_patient(
    patient: SourceResource,
    group: list[SourceResource],
    *,
    site_id: str,
    pack: KnowledgePack,
    medications: MedicationLookup,
    today: date,
) -> ParsedRecord | list[RecordError]:
    """The record of ``patient`` and ``group`` (the resources about them), or why it is refused."""
    problems = _validation_problems([patient, *group], pack)
    if problems:
        return [RecordError(s.file, s.line, path, reason) for s, path, reason in problems]
    try:
        mapped = map_patient(patient.resource, site_id)
    except MappingProblem as why:
        return [RecordError(patient.file, patient.line, why.path, why.reason)]
    builder = _Builder(patient, site_id, pack)
    for note in mapped.notes:
        builder.skip(patient, note)
    for source in group:
        builder.map_resource(source, mapped.identity, medications)
    fields = dict(mapped.patient)
    builder.patient_fields(fields, fields["birth_year_month"])
    return _checked_record(builder, fields, mapped.identifiers, today)


def _checked_record(
    builder: _Builder, patient: dict[str, Any], identifiers: dict[str, Any] | None, today: date
) -> ParsedRecord | list[RecordError]:
    """The record, with items the registry's checks refuse moved to the unmapped list."""
    source = builder.source
    for _ in range(3):
        data = {"patient": patient, "identifiers": identifiers, **builder.sections}
        try:
            record = PatientRecord.model_validate(data)
        except ValidationError as exc:
            if identifiers is not None and any(
                e["loc"][:1] == ("identifiers",) for e in exc.errors()
            ):
                builder.skip(
                    source, "identifiable data not stored: they are not valid registry identifiers"
                )
                identifiers = None
                continue
            return [
                RecordError(
                    source.file,
                    source.line,
                    "Patient",
                    f"cannot be mapped: {exc.errors()[0]['msg']}",
                    patient["id"],
                )
            ]
        dropped = _drop_refused(builder, record, today)
        if not dropped:
            return ParsedRecord(source.file, source.line, record, unmapped=tuple(builder.unmapped))
    reason = "the mapped record is refused by the registry checks"
    return [RecordError(source.file, source.line, "Patient", reason, patient["id"])]


def _drop_refused(builder: _Builder, record: PatientRecord, today: date) -> bool:
    """Remove the items the registry checks refuse; True when any was removed."""
    refused: dict[tuple[str, int], str] = {}
    for issue in check_patient_record(record, pack=builder.pack, as_of=today):
        match = _ITEM.match(issue.path)
        if match is None or match.group(1) not in builder.sections:
            continue
        refused.setdefault((match.group(1), int(match.group(2))), issue.reason)
    for (section, index), reason in sorted(refused.items(), reverse=True):
        item = builder.sections[section].pop(index)
        builder.skip(builder.origins[item["id"]], f"refused by the registry checks: {reason}")
    return bool(refused)
