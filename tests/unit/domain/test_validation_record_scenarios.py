"""Scenario table for validate_record: each clinically wrong entry in an otherwise good record is
reported once, at the right path, with a plain-language reason and the likely intended value."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from spsreg.domain.assessments import Assessment
from spsreg.domain.record import PatientRecord
from spsreg.domain.validation import ValidationIssue, validate_record
from spsreg.knowledge import KnowledgePack, load_knowledge_pack

AS_OF = date(2024, 6, 30)


def good_record() -> dict[str, Any]:
    """A record using each checked section correctly (courses 0-4, labs 0-4)."""
    return {
        "patient": {
            "id": "p1",
            "pseudonym": "SPS-A-0001",
            "site_id": "SITE-A",
            "sex": "female",
            "birth_year_month": "1970-03",
            "diagnosis_code": "ORPHA:3198",
            "onset_date": date(2015, 5, 1),
        },
        "lab_results": [
            {
                "id": "l0",
                "analyte": "gad65_antibody",
                "collected_on": date(2019, 1, 10),
                "specimen": "serum",
                "method": "ria",
                "value": 25.0,
                "unit": "nmol/L",
            },
            {
                "id": "l1",
                "analyte": "gad65_antibody",
                "collected_on": date(2019, 1, 10),
                "specimen": "serum",
                "method": "elisa",
                "value": 1500.0,
                "unit": "IU/mL",
            },
            {
                "id": "l2",
                "analyte": "glyr_antibody",
                "collected_on": date(2019, 1, 10),
                "specimen": "serum",
                "method": "cell_based_assay",
                "qualitative": "negative",
            },
            {
                "id": "l3",
                "analyte": "glucose",
                "collected_on": date(2020, 2, 1),
                "specimen": "plasma",
                "method": "standard_chemistry",
                "value": 5.4,
                "unit": "mmol/L",
            },
            {
                "id": "l4",
                "analyte": "hbsag",
                "collected_on": date(2021, 1, 4),
                "specimen": "serum",
                "method": "standard_chemistry",
                "qualitative": "negative",
            },
        ],
        "visits": [
            {
                "id": "v0",
                "visit_date": date(2020, 1, 1),
                "assessments": [
                    {
                        "id": "a0",
                        "scale_id": "mrs",
                        "scale_version": "1",
                        "responses": {"grade": 3},
                    },
                ],
            },
        ],
        "medication_courses": [
            {
                "id": "c0",
                "drug_id": "diazepam",
                "route": "oral",
                "intent": "symptomatic",
                "schedule": "regular",
                "dose": {"value": 5, "unit": "mg"},
                "times_per_period": 3,
                "period_days": 1,
                "start_date": date(2019, 2, 1),
            },
            {
                "id": "c1",
                "drug_id": "baclofen",
                "route": "intrathecal",
                "intent": "symptomatic",
                "schedule": "continuous",
                "dose": {"value": 200, "unit": "mcg"},
                "start_date": date(2022, 3, 1),
            },
            {
                "id": "c2",
                "drug_id": "ivig",
                "route": "iv",
                "intent": "immunotherapy",
                "schedule": "cyclic_course",
                "dose": {"value": 2, "unit": "g/kg"},
                "period_days": 28,
                "course_days": 2,
                "weight_kg": 70,
                "start_date": date(2020, 3, 1),
                "stop_date": date(2020, 9, 1),
                "stop_reason": "ineffective",
            },
            {
                "id": "c3",
                "drug_id": "rituximab",
                "route": "iv",
                "intent": "immunotherapy",
                "schedule": "cyclic_course",
                "dose": {"value": 2, "unit": "g"},
                "period_days": 180,
                "course_days": 14,
                "start_date": date(2021, 1, 10),
                "stop_date": date(2021, 2, 1),
                "stop_reason": "course_completed",
            },
            {
                "id": "c4",
                "drug_id": "gabapentin",
                "route": "oral",
                "intent": "adjunct",
                "schedule": "regular",
                "dose": {"value": 300, "unit": "mg"},
                "times_per_period": 3,
                "period_days": 1,
                "start_date": date(2019, 2, 1),
            },
        ],
        "administrations": [
            {
                "id": "ad0",
                "course_id": "c3",
                "given_on": date(2021, 1, 10),
                "dose": {"value": 1, "unit": "g"},
                "cycle_number": 1,
                "day_of_cycle": 1,
            },
        ],
        "pumps": [
            {
                "id": "pu0",
                "implanted_on": date(2022, 3, 1),
                "reservoir_volume_ml": 20,
                "refills": [
                    {
                        "id": "r0",
                        "refilled_on": date(2024, 6, 1),
                        "volume_ml": 20,
                        "concentration_mcg_per_ml": 500,
                        "daily_dose_mcg": 200,
                        "alarm_date": date(2024, 7, 20),
                    },
                ],
            },
        ],
        "diary_entries": [
            {
                "id": "d0",
                "entry_date": date(2020, 1, 2),
                "stiffness": 6,
                "doses_taken": [{"drug_id": "diazepam", "doses": 3}],
            },
        ],
    }


def build(change: Callable[[dict[str, Any]], None] | None = None) -> PatientRecord:
    data = copy.deepcopy(good_record())
    if change is not None:
        change(data)
    return PatientRecord.model_validate(data)


@pytest.fixture(scope="module")
def pack() -> KnowledgePack:
    return load_knowledge_pack()


def test_the_good_record_passes(pack: KnowledgePack) -> None:
    assert validate_record(build(), pack, as_of=AS_OF) == []


def _set(section: str, index: int, **values: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        data[section][index].update(values)

    return change


def _set_dose(
    section: str, index: int, value: float, unit: str
) -> Callable[[dict[str, Any]], None]:
    return _set(section, index, dose={"value": value, "unit": unit})


SCENARIOS: list[tuple[str, Callable[[dict[str, Any]], None], str, str, str, str | None]] = [
    # name, change, path, field, words in the reason, words in the suggestion
    (
        "unknown drug id",
        _set("medication_courses", 0, drug_id="diazepan"),
        "medication_courses[0].drug_id",
        "drug_id",
        "unknown drug id 'diazepan'",
        "'diazepam'",
    ),
    (
        "brand name used as id",
        _set("medication_courses", 0, drug_id="Valium"),
        "medication_courses[0].drug_id",
        "drug_id",
        "'Valium' is a name of Diazepam",
        "diazepam",
    ),
    (
        "route not allowed",
        _set("medication_courses", 4, route="iv"),
        "medication_courses[4].route",
        "route",
        "Gabapentin is not given by the iv route",
        "oral",
    ),
    (
        "intrathecal baclofen in mg",
        _set_dose("medication_courses", 1, 0.2, "mg"),
        "medication_courses[1].dose.unit",
        "unit",
        "by the intrathecal route is dosed in mcg, not mg",
        "mcg",
    ),
    (
        "IVIG in mg/kg",
        _set_dose("medication_courses", 2, 2000, "mg/kg"),
        "medication_courses[2].dose.unit",
        "unit",
        "dosed in g/kg or g, not mg/kg",
        "g/kg or g",
    ),
    (
        "infusion in units",
        _set_dose("administrations", 0, 1000, "U"),
        "administrations[0].dose.unit",
        "unit",
        "Rituximab by the iv route is dosed in mg or g or mg/m2, not U",
        None,
    ),
    (
        "GAD65 by RIA in IU/mL",
        _set("lab_results", 0, unit="IU/mL"),
        "lab_results[0].unit",
        "unit",
        "by RIA is reported in nmol/L, not IU/mL; IU/mL is the unit of the ELISA method",
        "ELISA",
    ),
    (
        "GAD65 by ELISA in nmol/L",
        _set("lab_results", 1, unit="nmol/L"),
        "lab_results[1].unit",
        "unit",
        "never converted into each other",
        "RIA",
    ),
    (
        "GAD65 ELISA on CSF",
        _set("lab_results", 1, specimen="csf"),
        "lab_results[1].specimen",
        "specimen",
        "by ELISA is defined for serum, not csf",
        None,
    ),
    (
        "GAD65 in urine",
        _set("lab_results", 0, specimen="urine"),
        "lab_results[0].specimen",
        "specimen",
        "is not measured in urine",
        None,
    ),
    (
        "unknown analyte",
        _set("lab_results", 0, analyte="gad65_antibodies"),
        "lab_results[0].analyte",
        "analyte",
        "unknown lab analyte 'gad65_antibodies'",
        "'gad65_antibody'",
    ),
    (
        "analyte named by synonym",
        _set("lab_results", 3, analyte="Glucose"),
        "lab_results[3].analyte",
        "analyte",
        "unknown lab analyte 'Glucose'",
        "'glucose'",
    ),
    (
        "unit spelt differently",
        _set("lab_results", 3, unit="mmol/l"),
        "lab_results[3].unit",
        "unit",
        "written differently from the canonical unit 'mmol/L'",
        "mmol/L",
    ),
    (
        "method not used for the analyte",
        _set("lab_results", 3, method="elisa"),
        "lab_results[3].method",
        "method",
        "Glucose is not measured by ELISA",
        None,
    ),
    (
        "number for a qualitative-only antibody",
        _set("lab_results", 2, value=1.2, unit="nmol/L", qualitative=None),
        "lab_results[2].unit",
        "unit",
        "reported as a qualitative result or a titre",
        "without a value",
    ),
    (
        "diary dose of an unknown drug",
        lambda d: d["diary_entries"][0].update(doses_taken=[{"drug_id": "clonazepan", "doses": 1}]),
        "diary_entries[0].doses_taken[0].drug_id",
        "drug_id",
        "unknown drug id 'clonazepan'",
        "'clonazepam'",
    ),
    (
        "visit after the check date",
        _set("visits", 0, visit_date=date(2024, 7, 1)),
        "visits[0].visit_date",
        "visit_date",
        "2024-07-01 is after 2024-06-30",
        None,
    ),
    (
        "nested refill after the check date",
        lambda d: d["pumps"][0]["refills"][0].update(refilled_on=date(2024, 7, 2)),
        "pumps[0].refills[0].refilled_on",
        "refilled_on",
        "is after 2024-06-30",
        None,
    ),
    (
        "restless legs code for SPS",
        lambda d: d["patient"].update(diagnosis_code="G25.81"),
        "patient.diagnosis_code",
        "diagnosis_code",
        "G25.81 is Restless legs syndrome, not stiff person syndrome",
        "G25.82",
    ),
    (
        "unknown diagnosis code",
        lambda d: d["patient"].update(diagnosis_code="ORPHA:999"),
        "patient.diagnosis_code",
        "diagnosis_code",
        "not a stiff person syndrome code",
        "ORPHA:3198",
    ),
]


@pytest.mark.parametrize(
    ("change", "path", "field", "reason", "suggestion"),
    [scenario[1:] for scenario in SCENARIOS],
    ids=[scenario[0] for scenario in SCENARIOS],
)
def test_scenario(
    pack: KnowledgePack,
    change: Callable[[dict[str, Any]], None],
    path: str,
    field: str,
    reason: str,
    suggestion: str | None,
) -> None:
    issues = validate_record(build(change), pack, as_of=AS_OF)
    assert len(issues) == 1, issues
    (issue,) = issues
    assert (issue.path, issue.field) == (path, field)
    assert reason in issue.reason
    if suggestion is None:
        assert issue.suggestion is None or issue.suggestion
    else:
        assert issue.suggestion is not None and suggestion in issue.suggestion


def test_planned_alarm_dates_may_lie_ahead_but_nothing_else(pack: KnowledgePack) -> None:
    record = build()
    assert record.pumps[0].refills[0].alarm_date is not None
    assert record.pumps[0].refills[0].alarm_date > AS_OF
    assert validate_record(record, pack, as_of=AS_OF) == []


def test_without_as_of_dates_are_not_checked(pack: KnowledgePack) -> None:
    record = build(_set("visits", 0, visit_date=date(2030, 1, 1)))
    assert validate_record(record, pack) == []
    assert [i.path for i in validate_record(record, pack, as_of=AS_OF)] == ["visits[0].visit_date"]


def test_a_birth_month_after_the_check_date_is_reported(pack: KnowledgePack) -> None:
    record = build(lambda d: d["patient"].update(birth_year_month="2024-07", onset_date=None))
    issues = validate_record(record, pack, as_of=AS_OF)
    assert [(i.path, i.field) for i in issues] == [("patient.birth_year_month", "birth_year_month")]


def test_several_problems_are_all_reported_in_record_order(pack: KnowledgePack) -> None:
    def change(data: dict[str, Any]) -> None:
        data["lab_results"][0]["unit"] = "IU/mL"
        data["medication_courses"][0]["drug_id"] = "diazepan"
        data["medication_courses"][1]["dose"] = {"value": 0.2, "unit": "mg"}
        data["visits"][0]["visit_date"] = date(2025, 1, 1)

    paths = [issue.path for issue in validate_record(build(change), pack, as_of=AS_OF)]
    assert paths == [
        "lab_results[0].unit",
        "medication_courses[0].drug_id",
        "medication_courses[1].dose.unit",
        "visits[0].visit_date",
    ]


def test_a_course_of_an_unknown_drug_is_reported_once(pack: KnowledgePack) -> None:
    # Its administrations are not re-checked against a drug that does not exist.
    record = build(_set("medication_courses", 3, drug_id="rituxumab"))
    issues = validate_record(record, pack, as_of=AS_OF)
    assert [(i.path, i.suggestion) for i in issues] == [
        ("medication_courses[3].drug_id", "did you mean 'rituximab'?")
    ]


def test_the_assessment_validator_seam_prefixes_its_paths(pack: KnowledgePack) -> None:
    seen: list[str] = []

    def scale_check(assessment: Assessment) -> list[ValidationIssue]:
        seen.append(assessment.id)
        grade = assessment.responses.get("grade")
        if isinstance(grade, int) and grade > 2:
            return [ValidationIssue("responses.grade", "grade", "test rule: grade above 2")]
        return []

    issues = validate_record(build(), pack, as_of=AS_OF, assessment_validator=scale_check)
    assert seen == ["a0"]
    assert [(i.path, i.field, i.reason) for i in issues] == [
        ("visits[0].assessments[0].responses.grade", "grade", "test rule: grade above 2")
    ]


def test_issues_read_as_sentences() -> None:
    issue = ValidationIssue(
        "medication_courses[1].dose.unit", "unit", "dosed in mcg, not mg", "mcg"
    )
    assert str(issue) == "medication_courses[1].dose.unit: dosed in mcg, not mg Suggestion: mcg"
