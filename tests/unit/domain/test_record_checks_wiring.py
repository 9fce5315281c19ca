"""The combined record check applies the knowledge-pack rules and the scale modules together."""

from __future__ import annotations

from datetime import date

from spsreg.domain import Assessment, MedicationCourse, Patient, PatientRecord, Visit
from spsreg.domain.record_checks import check_patient_record


def make_record(grade: int, drug_id: str) -> PatientRecord:
    return PatientRecord(
        patient=Patient(
            id="p1",
            pseudonym="SPS-A-0001",
            site_id="SITE-A",
            sex="female",
            birth_year_month="1970-03",
        ),  # type: ignore[arg-type]
        visits=(
            Visit(
                id="v1",
                visit_date=date(2024, 1, 10),
                assessments=(
                    Assessment(
                        id="a1", scale_id="mrs", scale_version="1", responses={"grade": grade}
                    ),
                ),
            ),
        ),
        medication_courses=(
            MedicationCourse(
                id="c1",
                drug_id=drug_id,
                route="oral",
                intent="symptomatic",
                schedule="regular",  # type: ignore[arg-type]
                dose={"value": 5, "unit": "mg"},
                times_per_period=3,
                period_days=1,
                start_date=date(2024, 1, 10),  # type: ignore[arg-type]
            ),
        ),
    )


def test_a_valid_record_has_no_issues() -> None:
    assert check_patient_record(make_record(2, "diazepam"), as_of=date(2025, 1, 1)) == []


def test_scale_and_knowledge_problems_are_reported_together_with_their_paths() -> None:
    issues = check_patient_record(make_record(9, "diazepan"), as_of=date(2025, 1, 1))
    paths = {issue.path for issue in issues}
    assert "visits[0].assessments[0].responses.grade" in paths
    assert "medication_courses[0].drug_id" in paths
    drug_issue = next(issue for issue in issues if issue.path == "medication_courses[0].drug_id")
    assert drug_issue.suggestion is not None and "diazepam" in drug_issue.suggestion
