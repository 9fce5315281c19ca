"""Checking a patient record against the knowledge pack.

The domain model already refuses records that contradict themselves (a stop before a start, a
dose without a unit). This module adds what needs clinical knowledge: that a drug exists, that it
is given by that route in that unit, that a lab result's method, unit and specimen belong together
(GAD65 by RIA is in nmol/L, never IU/mL), and that nothing is dated after the day the record is
checked. Each problem becomes a :class:`ValidationIssue` that names the field and says, in plain
clinical language, what is wrong and what was probably meant.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import get_args

from pydantic import BaseModel

from spsreg.domain.assessments import Assessment
from spsreg.domain.labs import AssayMethod, LabResult
from spsreg.domain.medications import Dose, MedicationCourse, Route
from spsreg.domain.record import PatientRecord
from spsreg.knowledge.disease_codes import CodeSystem
from spsreg.knowledge.drugs import Drug
from spsreg.knowledge.labs import LabAnalyte, canonical_lab_unit
from spsreg.knowledge.pack import KnowledgePack

__all__ = ["PLANNED_DATE_FIELDS", "AssessmentValidator", "ValidationIssue", "validate_record"]


@dataclass(frozen=True)
class ValidationIssue:
    """One problem in a record: where it is, which field, why, and what was probably meant."""

    path: str  # e.g. "medication_courses[2].dose.unit"
    field: str  # the offending field's name, e.g. "unit"
    reason: str
    suggestion: str | None = None

    def __str__(self) -> str:
        hint = f" Suggestion: {self.suggestion}" if self.suggestion else ""
        return f"{self.path}: {self.reason}{hint}"


AssessmentValidator = Callable[[Assessment], list[ValidationIssue]]
"""Checks one assessment's responses; issue paths are relative to the assessment (the scale
module's seam: validate_record prefixes them with the assessment's place in the record)."""

PLANNED_DATE_FIELDS: frozenset[str] = frozenset({"alarm_date"})
"""Date fields that legitimately lie in the future (a pump's programmed low-reservoir alarm)."""

_METHOD_NAMES = {AssayMethod.RIA: "RIA", AssayMethod.ELISA: "ELISA", AssayMethod.PCR: "PCR"}


def _method_name(method: AssayMethod) -> str:
    """How a clinician writes the method ('RIA', 'cell based assay'), not its code."""
    return _METHOD_NAMES.get(method, method.value.replace("_", " "))


def validate_record(
    record: PatientRecord,
    pack: KnowledgePack,
    *,
    as_of: date | None = None,
    assessment_validator: AssessmentValidator | None = None,
) -> list[ValidationIssue]:
    """Every knowledge-pack problem in ``record``; an empty list means valid.

    Issues come grouped by check (diagnosis, labs, courses, administrations, diary, assessments,
    dates), each group in record order.

    ``as_of`` is the day the record is checked against (an importer passes the import date):
    dates after it are reported. Without it, dates are not checked, so re-validating an archive
    never depends on the day it is run. ``assessment_validator`` checks scale responses.
    """
    issues: list[ValidationIssue] = []
    issues += _diagnosis_code_issues(record, pack)
    issues += _lab_issues(record, pack)
    issues += _course_issues(record, pack)
    issues += _administration_issues(record, pack)
    issues += _diary_issues(record, pack)
    if assessment_validator is not None:
        issues += _assessment_issues(record, assessment_validator)
    if as_of is not None:
        issues += _future_date_issues(record, as_of)
    return issues


# -- diagnosis ---------------------------------------------------------------------------------
def _diagnosis_code_issues(record: PatientRecord, pack: KnowledgePack) -> list[ValidationIssue]:
    code = record.patient.diagnosis_code
    if pack.disease_code_for(code) is not None:
        return []
    confusion = pack.code_confusion(code)
    if confusion is not None:
        reason = (
            f"{code} is {confusion.actually_means}, not stiff person syndrome "
            f"({confusion.system.value} code {confusion.correct_code})"
        )
        suggestion: str | None = confusion.correct_code
    else:
        known = ", ".join(c.code for c in pack.disease_codes)
        reason = (
            f"{code!r} is not a stiff person syndrome code in the knowledge pack (known: {known})"
        )
        suggestion = next(
            (c.code for c in pack.disease_codes if c.system is CodeSystem.ORPHANET), None
        )
    return [ValidationIssue("patient.diagnosis_code", "diagnosis_code", reason, suggestion)]


# -- drugs -------------------------------------------------------------------------------------
def _known_drug(
    drug_id: str, path: str, pack: KnowledgePack, issues: list[ValidationIssue]
) -> Drug | None:
    """The drug, or None after recording an 'unknown drug' issue with the likely intended id."""
    drug = pack.find_drug(drug_id)
    if drug is not None and drug.id == drug_id:
        return drug
    if drug is not None:
        reason = f"{drug_id!r} is a name of {drug.name}, but records use the drug id {drug.id!r}"
        issues.append(ValidationIssue(path, "drug_id", reason, drug.id))
        return None
    candidates = pack.suggest_drug_ids(drug_id)
    suggestion = f"did you mean {' or '.join(repr(c) for c in candidates)}?" if candidates else None
    reason = f"unknown drug id {drug_id!r}: the knowledge pack has no such drug"
    issues.append(ValidationIssue(path, "drug_id", reason, suggestion))
    return None


def _dose_unit_issue(drug: Drug, route: Route, dose: Dose, path: str) -> ValidationIssue | None:
    units = drug.dose_units(route)
    if dose.unit in units:
        return None
    allowed = " or ".join(unit.value for unit in units)
    reason = f"{drug.name} by the {route.value} route is dosed in {allowed}, not {dose.unit.value}"
    dosing = drug.dosing(route)
    if dosing is not None and dosing.note:
        reason += f" ({dosing.note})"
    return ValidationIssue(f"{path}.dose.unit", "unit", reason, allowed)


def _course_issues(record: PatientRecord, pack: KnowledgePack) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    for index, course in enumerate(record.medication_courses):
        path = f"medication_courses[{index}]"
        drug = _known_drug(course.drug_id, f"{path}.drug_id", pack, issues)
        if drug is None:
            continue
        if course.route not in drug.allowed_routes:
            allowed = ", ".join(r.value for r in drug.allowed_routes)
            issues.append(
                ValidationIssue(
                    f"{path}.route",
                    "route",
                    f"{drug.name} is not given by the {course.route.value} route "
                    f"(routes in the knowledge pack: {allowed})",
                    allowed if len(drug.allowed_routes) == 1 else None,
                )
            )
            continue
        unit_issue = _dose_unit_issue(drug, course.route, course.dose, path)
        if unit_issue is not None:
            issues.append(unit_issue)
    return issues


def _administration_issues(record: PatientRecord, pack: KnowledgePack) -> list[ValidationIssue]:
    courses: dict[str, MedicationCourse] = {c.id: c for c in record.medication_courses}
    issues: list[ValidationIssue] = []
    for index, administration in enumerate(record.administrations):
        course = courses[administration.course_id]  # the record guarantees the reference
        drug = pack.find_drug(course.drug_id)
        if drug is None or drug.id != course.drug_id or course.route not in drug.allowed_routes:
            continue  # already reported on the course itself
        issue = _dose_unit_issue(
            drug, course.route, administration.dose, f"administrations[{index}]"
        )
        if issue is not None:
            issues.append(issue)
    return issues


def _diary_issues(record: PatientRecord, pack: KnowledgePack) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    for index, entry in enumerate(record.diary_entries):
        for dose_index, dose in enumerate(entry.doses_taken):
            path = f"diary_entries[{index}].doses_taken[{dose_index}].drug_id"
            _known_drug(dose.drug_id, path, pack, issues)
    return issues


# -- labs --------------------------------------------------------------------------------------
def _lab_issues(record: PatientRecord, pack: KnowledgePack) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    for index, result in enumerate(record.lab_results):
        path = f"lab_results[{index}]"
        analyte = pack.find_lab(result.analyte)
        if analyte is None or analyte.id != result.analyte:
            candidates = (
                (analyte.id,) if analyte is not None else pack.suggest_lab_ids(result.analyte)
            )
            suggestion = (
                f"did you mean {' or '.join(repr(c) for c in candidates)}?" if candidates else None
            )
            reason = (
                f"unknown lab analyte {result.analyte!r}: the knowledge pack has no such analyte id"
            )
            issues.append(ValidationIssue(f"{path}.analyte", "analyte", reason, suggestion))
            continue
        issue = _lab_result_issue(analyte, result, path)
        if issue is not None:
            issues.append(issue)
    return issues


def _lab_result_issue(analyte: LabAnalyte, result: LabResult, path: str) -> ValidationIssue | None:
    """The first problem with the specimen, method and unit of one result (they depend on each other)."""
    if result.specimen not in analyte.specimens:
        allowed = ", ".join(s.value for s in analyte.specimens)
        return ValidationIssue(
            f"{path}.specimen",
            "specimen",
            f"{analyte.name} is not measured in {result.specimen.value} (allowed: {allowed})",
            allowed if len(analyte.specimens) == 1 else None,
        )
    method = result.method
    if method not in analyte.methods:
        allowed = ", ".join(_method_name(m) for m in analyte.methods)
        return ValidationIssue(
            f"{path}.method",
            "method",
            f"{analyte.name} is not measured by {_method_name(method)} in the knowledge pack (methods: {allowed})",
        )
    if result.unit is None:
        measurements = [m for m in analyte.measurements if m.method is method]
    else:
        measurements = [
            m for m in analyte.measurements if m.method is method and m.unit == result.unit
        ]
        if not measurements:
            return _unit_issue(analyte, result, path)
    if not any(result.specimen in m.specimens for m in measurements):
        allowed = ", ".join(dict.fromkeys(s.value for m in measurements for s in m.specimens))
        return ValidationIssue(
            f"{path}.specimen",
            "specimen",
            f"{analyte.name} by {_method_name(method)} is defined for {allowed}, not {result.specimen.value}",
        )
    return None


def _unit_issue(analyte: LabAnalyte, result: LabResult, path: str) -> ValidationIssue:
    unit = result.unit
    assert unit is not None
    units = analyte.units_for(result.method)
    canonical = canonical_lab_unit(unit)
    if canonical is not None and canonical != unit and canonical in units:
        return ValidationIssue(
            f"{path}.unit",
            "unit",
            f"{unit!r} is written differently from the canonical unit {canonical!r}",
            canonical,
        )
    if not units:
        return ValidationIssue(
            f"{path}.unit",
            "unit",
            f"{analyte.name} by {_method_name(result.method)} is reported as a qualitative result or a "
            f"titre, not as a number in {unit}",
            "record the qualitative result (and titre) without a value and unit",
        )
    expected = " or ".join(units)
    reason = (
        f"{analyte.name} by {_method_name(result.method)} is reported in {expected}, not {unit}"
    )
    others = " or ".join(
        _method_name(m.method)
        for m in analyte.measurements
        if m.unit == unit and m.method is not result.method
    )
    if others:
        reason += (
            f"; {unit} is the unit of the {others} method, and results of different assay "
            "methods are never converted into each other"
        )
        suggestion = (
            f"record the method that produced the result ({others}), or the unit {expected}"
        )
    else:
        suggestion = expected
    return ValidationIssue(f"{path}.unit", "unit", reason, suggestion)


# -- assessments -------------------------------------------------------------------------------
def _assessment_issues(
    record: PatientRecord, validator: AssessmentValidator
) -> list[ValidationIssue]:
    issues: list[ValidationIssue] = []
    for visit_index, visit in enumerate(record.visits):
        for index, assessment in enumerate(visit.assessments):
            prefix = f"visits[{visit_index}].assessments[{index}]"
            for issue in validator(assessment):
                path = f"{prefix}.{issue.path}" if issue.path else prefix
                issues.append(ValidationIssue(path, issue.field, issue.reason, issue.suggestion))
    return issues


# -- dates -------------------------------------------------------------------------------------
def _future_date_issues(record: PatientRecord, as_of: date) -> list[ValidationIssue]:
    issues = [
        ValidationIssue(
            path,
            field,
            f"{value.isoformat()} is after {as_of.isoformat()}, the date this record is "
            "checked against; a registry records what has happened",
        )
        for path, field, value in _dates_after(record, "", as_of)
    ]
    birth = record.patient.birth_year_month
    if birth > f"{as_of.year:04d}-{as_of.month:02d}":
        issues.append(
            ValidationIssue(
                "patient.birth_year_month",
                "birth_year_month",
                f"birth month {birth} is after {as_of.isoformat()}",
            )
        )
    return issues


def _annotation_types(annotation: object) -> Iterator[object]:
    yield annotation
    for argument in get_args(annotation):
        yield from _annotation_types(argument)


@cache
def _date_and_nested_fields(
    model_class: type[BaseModel],
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The fields of a model class that hold dates, and those that hold nested models, read from
    the annotations (so new date fields are checked without changing this module)."""
    dates: list[str] = []
    nested: list[str] = []
    for name, info in model_class.model_fields.items():
        kinds = list(_annotation_types(info.annotation))
        if any(isinstance(kind, type) and issubclass(kind, date) for kind in kinds):
            dates.append(name)
        if any(isinstance(kind, type) and issubclass(kind, BaseModel) for kind in kinds):
            nested.append(name)
    return tuple(dates), tuple(nested)


def _dates_after(model: BaseModel, prefix: str, as_of: date) -> Iterator[tuple[str, str, date]]:
    """Every date after ``as_of`` in a model tree, with its path (planned dates excepted)."""
    date_fields, nested_fields = _date_and_nested_fields(type(model))
    for name in date_fields:
        value = getattr(model, name)
        if value is not None and value > as_of and name not in PLANNED_DATE_FIELDS:
            yield (f"{prefix}.{name}" if prefix else name), name, value
    for name in nested_fields:
        value = getattr(model, name)
        path = f"{prefix}.{name}" if prefix else name
        if isinstance(value, BaseModel):
            yield from _dates_after(value, path, as_of)
        elif isinstance(value, tuple):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from _dates_after(item, f"{path}[{index}]", as_of)
