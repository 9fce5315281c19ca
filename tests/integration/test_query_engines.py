"""Spec table of the cohort query engines: every criterion kind, several cases each, judged by the
in-memory reference engine and by the SQL engine on SQLite and on PostgreSQL. For each case the
expected passed / failed / undetermined patients are stated, and both engines must give exactly
them, with identical per-criterion verdicts and identical missing-data messages."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event

from spsreg.domain import (
    Assessment,
    Comorbidity,
    Consent,
    LabResult,
    MedicationCourse,
    Patient,
    PatientRecord,
    Visit,
)
from spsreg.query import Cohort, CohortResult, MemoryEngine, SqlEngine, Verdict, parse_criteria
from spsreg.store import Actor, Registry

AS_OF = date(2025, 6, 15)
SI_ITEMS = ("lower_trunk", "upper_trunk", "legs", "arms", "face", "abdomen")


def _stiffness(assessment_id: str, positive: int, *, missing_face: bool = False) -> Assessment:
    responses: dict[str, Any] = {item: int(n < positive) for n, item in enumerate(SI_ITEMS)}
    if missing_face:
        responses["face"] = None
    return Assessment(
        id=assessment_id, scale_id="stiffness_index", scale_version="1", responses=responses
    )


def _lab(lab_id: str, day: date, method: str, specimen: str = "serum", **result: Any) -> LabResult:
    return LabResult.model_validate(
        {
            "id": lab_id,
            "analyte": result.pop("analyte", "gad65_antibody"),
            "collected_on": day,
            "method": method,
            "specimen": specimen,
            **result,
        }
    )


def _course(
    course_id: str, drug: str, start: date, stop: date | None = None, reason: str | None = None
) -> MedicationCourse:
    dosing: dict[str, Any] = {
        "rituximab": {
            "route": "iv",
            "intent": "immunotherapy",
            "schedule": "cyclic_course",
            "dose": {"value": 1000, "unit": "mg"},
            "period_days": 180,
            "course_days": 1,
        },
        "ivig": {
            "route": "iv",
            "intent": "immunotherapy",
            "schedule": "cyclic_course",
            "dose": {"value": 2, "unit": "g/kg"},
            "period_days": 28,
            "course_days": 5,
            "weight_kg": 70,
        },
    }.get(
        drug,
        {
            "route": "oral",
            "intent": "symptomatic",
            "schedule": "regular",
            "dose": {"value": 5, "unit": "mg"},
            "times_per_period": 3,
            "period_days": 1,
        },
    )
    return MedicationCourse.model_validate(
        {
            "id": course_id,
            "drug_id": drug,
            "start_date": start,
            "stop_date": stop,
            "stop_reason": reason,
            **dosing,
        }
    )


def _patient(
    number: int, sex: str, born: str, phenotype: str | None, site: str = "SITE-A"
) -> Patient:
    return Patient(
        id=f"P0{number}",
        pseudonym=f"SPS-Q0{number}",
        site_id=site,
        sex=sex,
        birth_year_month=born,
        phenotype=phenotype,
    )


def _consent(consent_id: str, status: str, day: date, withdrawn: date | None = None) -> Consent:
    return Consent(
        id=consent_id,
        kind="contact_for_research",
        status=status,
        recorded_on=day,
        withdrawn_on=withdrawn,
    )


RECORDS = (
    PatientRecord(
        patient=_patient(1, "female", "1970-03", "classic"),
        lab_results=(_lab("L1", date(2025, 1, 10), "ria", value=25, unit="nmol/L"),),
        medication_courses=(_course("C1", "rituximab", date(2025, 2, 1)),),
        visits=(Visit(id="V1", visit_date=date(2025, 5, 1), assessments=(_stiffness("A1", 4),)),),
        consents=(_consent("K1", "granted", date(2024, 1, 1)),),
        comorbidities=(
            Comorbidity(id="M1", kind="type_1_diabetes", diagnosed_on=date(2010, 1, 1)),
        ),
    ),
    PatientRecord(
        patient=_patient(2, "male", "1955-06", "partial"),
        lab_results=(
            _lab("L2a", date(2020, 2, 1), "ria", value=30, unit="nmol/L"),
            _lab("L2b", date(2025, 3, 1), "elisa", value=3, unit="IU/mL"),
        ),
        medication_courses=(
            _course("C2", "diazepam", date(2024, 1, 1), date(2024, 10, 1), "ineffective"),
        ),
        visits=(
            Visit(id="V2a", visit_date=date(2025, 1, 1), assessments=(_stiffness("A2a", 2),)),
            Visit(
                id="V2b",
                visit_date=date(2025, 5, 1),
                assessments=(_stiffness("A2b", 5, missing_face=True),),
            ),
        ),
        consents=(_consent("K2", "refused", date(2024, 1, 1)),),
        comorbidities=(
            Comorbidity(
                id="M2",
                kind="cancer",
                detail="breast",
                diagnosed_on=date(2015, 1, 1),
                resolved_on=date(2020, 1, 1),
            ),
        ),
    ),
    PatientRecord(
        patient=_patient(3, "unknown", "2008-01", None),
        lab_results=(_lab("L3", date(2025, 2, 1), "ria", qualitative="equivocal"),),
        medication_courses=(_course("C3", "ivig", date(2024, 6, 1), date(2025, 3, 1), "unknown"),),
        consents=(_consent("K3", "withdrawn", date(2024, 1, 1), date(2025, 7, 1)),),
    ),
    PatientRecord(
        patient=_patient(4, "female", "1980-12", "sps_plus"),
        lab_results=(
            _lab("L4a", date(2024, 6, 1), "ria", "csf", value=0.5, unit="nmol/L"),
            _lab(
                "L4b",
                date(2024, 6, 1),
                "cell_based_assay",
                analyte="glyr_antibody",
                qualitative="positive",
                titre_denominator=640,
            ),
        ),
        medication_courses=(
            _course("C4", "baclofen", date(2022, 1, 1), date(2023, 5, 1), "adverse_event"),
        ),
        visits=(
            Visit(
                id="V4",
                visit_date=date(2025, 4, 1),
                assessments=(
                    Assessment(id="A4", scale_id="mrs", scale_version="1", responses={"grade": 3}),
                ),
            ),
        ),
        consents=(
            _consent("K4a", "granted", date(2024, 1, 1)),
            _consent("K4b", "refused", date(2025, 1, 1)),
        ),
        comorbidities=(Comorbidity(id="M4", kind="anxiety"),),
    ),
    PatientRecord(
        patient=_patient(5, "male", "1990-07", "classic", site="SITE-B"),
        lab_results=(
            _lab("L5a", date(2025, 4, 1), "elisa", value=2000, unit="IU/mL"),
            _lab(
                "L5b",
                date(2025, 4, 1),
                "cell_based_assay",
                analyte="glyr_antibody",
                titre_denominator=80,
            ),
        ),
    ),
    PatientRecord(
        patient=_patient(6, "female", "1962-09", "perm"),
        lab_results=(_lab("L6", date(2023, 1, 1), "ria", qualitative="positive"),),
    ),
)

GAD = {"kind": "antibody", "analyte": "gad65_antibody"}
SEX_FEMALE = {"kind": "sex", "any_of": ["female"]}
RITUXIMAB_NOW = {"kind": "therapy", "drug": "rituximab", "current": True}
HIGH_TITRE = {**GAD, "result": "high_titre"}

# (case id, criteria, passed, failed, undetermined) - patients by number
CASES: list[tuple[str, dict[str, Any], str, str, str]] = [
    ("age-min-18", {"kind": "age", "min_years": 18}, "12456", "3", ""),
    ("age-max-69", {"kind": "age", "max_years": 69}, "13456", "", "2"),
    ("age-min-70", {"kind": "age", "min_years": 70}, "", "13456", "2"),
    ("age-30-60", {"kind": "age", "min_years": 30, "max_years": 60}, "145", "236", ""),
    ("sex-female", SEX_FEMALE, "146", "25", "3"),
    ("sex-female-or-unknown", {"kind": "sex", "any_of": ["female", "unknown"]}, "1346", "25", ""),
    ("phenotype", {"kind": "phenotype", "any_of": ["classic", "sps_plus"]}, "145", "26", "3"),
    ("gad-positive", {**GAD, "result": "positive"}, "1456", "2", "3"),
    ("gad-negative", {**GAD, "result": "negative"}, "2", "1456", "3"),
    ("gad-high-titre", HIGH_TITRE, "15", "2", "346"),
    (
        "gad-positive-6-months",
        {**GAD, "result": "positive", "window": {"months": 6}},
        "15",
        "2",
        "346",
    ),
    (
        "gad-ria-over-20",
        {**GAD, "value": {"method": "ria", "unit": "nmol/L", "comparator": ">", "threshold": 20}},
        "12",
        "4",
        "356",
    ),
    (
        "gad-ria-serum-over-20",
        {
            **GAD,
            "specimen": "serum",
            "value": {"method": "ria", "unit": "nmol/L", "comparator": ">", "threshold": 20},
        },
        "12",
        "",
        "3456",
    ),
    (
        "glyr-titre",
        {
            "kind": "antibody",
            "analyte": "glyr_antibody",
            "titre": {"method": "cell_based_assay", "comparator": ">=", "denominator": 320},
        },
        "4",
        "5",
        "1236",
    ),
    (
        "glyr-positive",
        {"kind": "antibody", "analyte": "glyr_antibody", "result": "positive"},
        "4",
        "",
        "12356",
    ),
    ("t1d-ever", {"kind": "comorbidity", "comorbidity": "type_1_diabetes"}, "1", "23456", ""),
    (
        "cancer-current",
        {"kind": "comorbidity", "comorbidity": "cancer", "current": True},
        "",
        "123456",
        "",
    ),
    ("cancer-ever", {"kind": "comorbidity", "comorbidity": "cancer"}, "2", "13456", ""),
    (
        "anxiety-current-undated",
        {"kind": "comorbidity", "comorbidity": "anxiety", "current": True},
        "4",
        "12356",
        "",
    ),
    ("rituximab-current", RITUXIMAB_NOW, "1", "23456", ""),
    (
        "anti-cd20-6-months",
        {"kind": "therapy", "drug_class": "anti_cd20_antibody", "window": {"months": 6}},
        "1",
        "23456",
        "",
    ),
    ("diazepam-ever", {"kind": "therapy", "drug": "diazepam"}, "2", "13456", ""),
    (
        "diazepam-3-months",
        {"kind": "therapy", "drug": "diazepam", "window": {"months": 3}},
        "",
        "123456",
        "",
    ),
    (
        "diazepam-ineffective",
        {"kind": "therapy", "drug": "diazepam", "stopped_for": ["ineffective"]},
        "2",
        "13456",
        "",
    ),
    (
        "ivig-stopped",
        {
            "kind": "therapy",
            "drug_class": "immune_globulin",
            "stopped_for": ["adverse_event", "ineffective"],
        },
        "",
        "12456",
        "3",
    ),
    (
        "baclofen-ae-12-months",
        {
            "kind": "therapy",
            "drug": "baclofen",
            "stopped_for": ["adverse_event"],
            "window": {"months": 12},
        },
        "",
        "123456",
        "",
    ),
    (
        "baclofen-ae-ever",
        {"kind": "therapy", "drug": "baclofen", "stopped_for": ["adverse_event"]},
        "4",
        "12356",
        "",
    ),
    (
        "stiffness-3",
        {"kind": "score", "scale": "stiffness_index", "comparator": ">=", "value": 3},
        "1",
        "2",
        "3456",
    ),
    (
        "stiffness-3-60-days",
        {
            "kind": "score",
            "scale": "stiffness_index",
            "comparator": ">=",
            "value": 3,
            "window": {"days": 60},
        },
        "1",
        "",
        "23456",
    ),
    ("mrs-3", {"kind": "score", "scale": "mrs", "comparator": "<=", "value": 3}, "4", "", "12356"),
    ("contact-consent", {"kind": "consent", "consent": "contact_for_research"}, "13", "2456", ""),
    (
        "all",
        {"kind": "all", "criteria": [SEX_FEMALE, {**GAD, "result": "positive"}]},
        "146",
        "25",
        "3",
    ),
    (
        "any",
        {
            "kind": "any",
            "criteria": [
                {"kind": "age", "min_years": 70},
                {"kind": "phenotype", "any_of": ["sps_plus"]},
            ],
        },
        "4",
        "156",
        "23",
    ),
    ("not-therapy", {"kind": "not", "criterion": RITUXIMAB_NOW}, "23456", "1", ""),
    ("not-high-titre", {"kind": "not", "criterion": HIGH_TITRE}, "2", "15", "346"),
]


def _numbers(result: CohortResult, verdict: Verdict) -> str:
    return "".join(pid.removeprefix("P0") for pid in result.patient_ids(verdict))


@pytest.fixture
def stored(registry: Registry, admin: Actor) -> Registry:
    for record in RECORDS:
        registry.save_patient_record(admin, record, reason="query spec")
    return registry


def _cohort(criteria: dict[str, Any]) -> Cohort:
    return parse_criteria({"as_of": AS_OF.isoformat(), "criteria": criteria})


@pytest.mark.parametrize(
    ("case", "criteria", "passed", "failed", "undetermined"), CASES, ids=[case[0] for case in CASES]
)
def test_every_engine_gives_the_specified_patients(
    stored: Registry,
    admin: Actor,
    case: str,
    criteria: dict[str, Any],
    passed: str,
    failed: str,
    undetermined: str,
) -> None:
    cohort = _cohort(criteria)
    reference = MemoryEngine().evaluate(cohort, RECORDS)
    in_database = SqlEngine.for_registry(stored).evaluate(cohort, admin)
    for result in (reference, in_database):
        assert _numbers(result, Verdict.PASSED) == passed
        assert _numbers(result, Verdict.FAILED) == failed
        assert _numbers(result, Verdict.UNDETERMINED) == undetermined
    assert in_database.patients == reference.patients  # every criterion, every missing message
    for patient in reference.patients:
        assert bool(patient.missing) == (patient.verdict is Verdict.UNDETERMINED)


def test_undetermined_criteria_name_the_missing_data(stored: Registry, admin: Actor) -> None:
    cohort = _cohort(
        {
            "kind": "all",
            "criteria": [
                {**SEX_FEMALE, "id": "female"},
                {"kind": "age", "max_years": 69, "id": "age"},
                {**HIGH_TITRE, "id": "high-titre"},
                {
                    "kind": "score",
                    "scale": "stiffness_index",
                    "comparator": ">=",
                    "value": 3,
                    "window": {"days": 60},
                    "id": "stiffness",
                },
                {"kind": "therapy", "drug": "ivig", "stopped_for": ["ineffective"], "id": "ivig"},
            ],
        }
    )
    for result in (
        MemoryEngine().evaluate(cohort, RECORDS),
        SqlEngine.for_registry(stored).evaluate(cohort, admin),
    ):
        patients = result.by_patient()
        p2, p3, p4 = patients["P02"], patients["P03"], patients["P04"]
        assert p2.criteria["age"].missing == (
            "exact date of birth (born 1955-06: the age in completed years at the evaluation "
            "date depends on the day)",
        )
        assert p2.criteria["stiffness"].missing == (
            "stiffness_index total (not computable from the assessment of 2025-05-01: "
            "missing items: face)",
        )
        assert p3.criteria["female"].missing == ("sex (recorded as unknown)",)
        assert p3.criteria["high-titre"].missing == (
            "gad65_antibody value (the most recent result, 2025-02-01, has none)",
        )
        assert p3.criteria["ivig"].missing == (
            "stop reason of a course of ivig (recorded as unknown)",
        )
        assert p4.criteria["high-titre"].missing == (
            "gad65_antibody: no cited cut-off for ria in nmol/L on csf (result of 2024-06-01)",
        )
        assert p4.criteria["stiffness"].missing == (
            "stiffness_index assessment (none from 2025-04-16 to 2025-06-15)",
        )
        assert p3.verdict is Verdict.UNDETERMINED
        assert p3.leaves_with(Verdict.UNDETERMINED) == ("female", "high-titre", "stiffness", "ivig")
        assert p2.verdict is Verdict.FAILED and p2.leaves_with(Verdict.FAILED) == (
            "female",
            "high-titre",
            "ivig",
        )


def test_the_sql_engine_keeps_to_the_actors_site(stored: Registry, clinician_a: Actor) -> None:
    cohort = _cohort({"kind": "sex", "any_of": ["male"]})
    result = SqlEngine.for_registry(stored).evaluate(cohort, clinician_a)
    assert [p.patient_id for p in result.patients] == ["P01", "P02", "P03", "P04", "P06"]
    assert {p.site_id for p in result.patients} == {"SITE-A"}
    assert result.patient_ids() == ("P02",)
    only = SqlEngine.for_registry(stored).evaluate(cohort, clinician_a, patient_ids=["P02", "P05"])
    assert [p.patient_id for p in only.patients] == ["P02"]


def test_the_sql_engine_runs_one_statement_per_leaf(
    stored: Registry, admin: Actor, engine: Engine
) -> None:
    criteria = {"kind": "all", "criteria": [case[1] for case in CASES[:12]]}
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        SqlEngine(engine).evaluate(_cohort(criteria), admin)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1 + 12  # the patients in scope, then one per leaf
