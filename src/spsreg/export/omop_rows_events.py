"""Mapping of one patient record to measurement and observation rows, and the patient's rows.

Measurements: laboratory results, body weight at visits and scale totals (a scale total is a
number measured at a visit, so it is a measurement with ``value_as_number``; item responses are
not exported). Observations: diary entries (one row per recorded item), adverse events, consents
and genetic markers. The observation period runs from the first to the last date of any row
written for the patient.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from spsreg.domain.record import PatientRecord
from spsreg.domain.scales import ScaleError, score_assessment
from spsreg.export.omop_context import PatientContext, Row
from spsreg.export.omop_rows import (
    condition_rows,
    drug_rows,
    person_row,
    procedure_rows,
    visit_rows,
)

__all__ = ["measurement_rows", "observation_rows", "patient_rows"]


def _measurement(ctx: PatientContext, day: date, source: str, **values: Any) -> Row:
    return {
        "measurement_id": ctx.key("measurement"),
        "person_id": ctx.person_id,
        "measurement_concept_id": 0,
        "measurement_date": day,
        "measurement_type_concept_id": ctx.concept("type_registry"),
        "visit_occurrence_id": ctx.visit_on(day),
        "measurement_source_value": source,
    } | values


def _lab_source(
    record_analyte: str, specimen: str, method: str, unit: str | None, ctx: PatientContext
) -> str:
    """The verified LOINC code for this specimen, method and unit, else the pack analyte id."""
    analyte = next((a for a in ctx.state.pack.labs if a.id == record_analyte), None)
    if analyte is not None:
        for code in analyte.loinc:
            if (code.specimen.value, code.method.value, code.unit) == (specimen, method, unit):
                return code.code
    return record_analyte


def measurement_rows(record: PatientRecord, ctx: PatientContext) -> list[Row]:
    rows: list[Row] = []
    for lab in record.lab_results:
        titre = None if lab.titre_denominator is None else f"1:{lab.titre_denominator}"
        qualitative = None if lab.qualitative is None else lab.qualitative.value
        source = _lab_source(lab.analyte, lab.specimen.value, lab.method.value, lab.unit, ctx)
        rows.append(
            _measurement(
                ctx,
                lab.collected_on,
                source,
                value_as_number=lab.value,
                value_as_concept_id=0 if qualitative is not None else None,
                unit_concept_id=0 if lab.unit is not None else None,
                unit_source_value=lab.unit,
                value_source_value=qualitative or titre,
            )
        )
    weight = ctx.state.concepts.source_code("body_weight")
    for visit in record.visits:
        if visit.weight_kg is not None:
            rows.append(
                _measurement(
                    ctx,
                    visit.visit_date,
                    weight,
                    value_as_number=visit.weight_kg,
                    unit_concept_id=ctx.concept("unit_kilogram"),
                    unit_source_value="kg",
                )
            )
        for assessment in visit.assessments:
            try:
                total = score_assessment(assessment).total
            except ScaleError:
                continue  # an unscorable assessment has no total to export
            if total is not None:
                rows.append(
                    _measurement(
                        ctx,
                        visit.visit_date,
                        assessment.scale_id,
                        value_as_number=total,
                        value_source_value=f"{assessment.scale_id} {assessment.scale_version}",
                    )
                )
    return rows


def _observation(ctx: PatientContext, day: date, source: str, **values: Any) -> Row:
    return {
        "observation_id": ctx.key("observation"),
        "person_id": ctx.person_id,
        "observation_concept_id": 0,
        "observation_date": day,
        "observation_type_concept_id": ctx.concept("type_registry"),
        "visit_occurrence_id": ctx.visit_on(day),
        "observation_source_value": source,
    } | values


def _diary_rows(record: PatientRecord, ctx: PatientContext) -> list[Row]:
    rows: list[Row] = []
    for entry in record.diary_entries:
        day = entry.entry_date
        for item in ("stiffness", "spasm_count", "falls", "sedation"):
            value = getattr(entry, item)
            if value is not None:
                rows.append(_observation(ctx, day, f"diary.{item}", value_as_number=value))
        for trigger in entry.triggers:
            rows.append(_observation(ctx, day, "diary.trigger", value_as_string=trigger.value))
        for dose in entry.doses_taken:
            rows.append(
                _observation(
                    ctx,
                    day,
                    "diary.doses_taken",
                    value_as_number=dose.doses,
                    value_as_string=dose.drug_id,
                )
            )
    return rows


def observation_rows(record: PatientRecord, ctx: PatientContext) -> list[Row]:
    rows = _diary_rows(record, ctx)
    for event in record.adverse_events:
        rows.append(
            _observation(
                ctx,
                event.onset_date,
                event.term,
                value_as_number=event.grade,
                value_as_string=event.outcome.value,
                qualifier_source_value="serious" if event.serious else "non-serious",
                value_source_value=f"CTCAE grade {event.grade}",
            )
        )
    for consent in record.consents:
        rows.append(
            _observation(
                ctx,
                consent.recorded_on,
                f"consent.{consent.kind.value}",
                value_as_string=consent.status.value,
            )
        )
    for marker in record.genetic_markers:
        if marker.tested_on is not None:
            rows.append(
                _observation(
                    ctx,
                    marker.tested_on,
                    f"{marker.system}-{marker.locus}",
                    value_as_string=marker.allele,
                    qualifier_source_value=marker.method,
                )
            )
    return rows


_DATE_COLUMNS = (
    "visit_start_date",
    "visit_end_date",
    "condition_start_date",
    "condition_end_date",
    "drug_exposure_start_date",
    "drug_exposure_end_date",
    "procedure_date",
    "procedure_end_date",
    "measurement_date",
    "observation_date",
)


def _dates(rows: dict[str, list[Row]]) -> list[date]:
    return [
        row[column]
        for table_rows in rows.values()
        for row in table_rows
        for column in _DATE_COLUMNS
        if row.get(column) is not None
    ]


def patient_rows(record: PatientRecord, ctx: PatientContext) -> dict[str, list[Row]]:
    """Every row of one patient by table name, the observation period last."""
    rows: dict[str, list[Row]] = {"person": [person_row(record, ctx)]}
    rows["visit_occurrence"] = visit_rows(record, ctx)
    rows["condition_occurrence"] = condition_rows(record, ctx)
    rows["procedure_occurrence"] = procedure_rows(record, ctx)
    rows["measurement"] = measurement_rows(record, ctx)
    rows["observation"] = observation_rows(record, ctx)
    known = (
        _dates(rows)
        + [
            day
            for course in record.medication_courses
            for day in (course.start_date, course.stop_date)
            if day is not None
        ]
        + [given.given_on for given in record.administrations]
    )
    last_fact = max(known, default=None)
    rows["drug_exposure"] = drug_rows(record, ctx, last_fact) if last_fact is not None else []
    every = _dates(rows)
    rows["observation_period"] = (
        [
            {
                "observation_period_id": ctx.person_id,
                "person_id": ctx.person_id,
                "observation_period_start_date": min(every),
                "observation_period_end_date": max(every),
                "period_type_concept_id": ctx.concept("type_registry"),
            }
        ]
        if every
        else []
    )
    return rows
