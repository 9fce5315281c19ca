"""The patient overview on a given day, against values worked out by hand."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from record_examples import minimal_record

from spsreg.domain import (
    AdverseEvent,
    Assessment,
    Comorbidity,
    DiaryEntry,
    LabResult,
    MedicationCourse,
    PatientRecord,
    Route,
    Visit,
)
from spsreg.domain.overview import ActiveMedication, LatestScore, patient_overview
from spsreg.knowledge import KnowledgePack, load_knowledge_pack

D = date
AS_OF = D(2022, 6, 1)
ALL_REGIONS = ("lower_trunk", "upper_trunk", "legs", "arms", "face", "abdomen")


@pytest.fixture(scope="module")
def pack() -> KnowledgePack:
    return load_knowledge_pack()


def with_sections(**sections: Any) -> PatientRecord:
    """The minimal example patient with the given sections."""
    return minimal_record("p-overview").model_copy(update=sections)


def stiffness_visit(visit_id: str, day: date, stiff: int, unanswered: int = 0) -> Visit:
    """A visit scoring the stiffness index: the first ``stiff`` regions stiff, the last
    ``unanswered`` regions not answered."""
    responses: dict[str, int | None] = {
        region: 1 if index < stiff else 0 for index, region in enumerate(ALL_REGIONS)
    }
    for region in ALL_REGIONS[len(ALL_REGIONS) - unanswered :]:
        responses[region] = None
    return Visit(
        id=visit_id,
        visit_date=day,
        assessments=(
            Assessment(
                id=f"{visit_id}-si",
                scale_id="stiffness_index",
                scale_version="1",
                responses=responses,
            ),
        ),
    )


def oral_course(
    course_id: str, drug_id: str, mg: float, times: int, **fields: Any
) -> MedicationCourse:
    data: dict[str, Any] = {
        "id": course_id,
        "drug_id": drug_id,
        "route": "oral",
        "intent": "symptomatic",
        "schedule": "regular",
        "dose": {"value": mg, "unit": "mg"},
        "times_per_period": times,
        "period_days": 1,
        "start_date": D(2021, 1, 1),
    }
    data.update(fields)
    return MedicationCourse.model_validate(data)


def test_the_latest_complete_score_wins_over_a_later_incomplete_one(pack: KnowledgePack) -> None:
    record = with_sections(
        visits=(
            stiffness_visit("v1", D(2021, 1, 10), stiff=2),
            stiffness_visit("v2", D(2021, 6, 10), stiff=4),  # the latest complete
            stiffness_visit("v3", D(2022, 1, 10), stiff=1, unanswered=1),  # later, incomplete
        )
    )

    (score,) = patient_overview(record, AS_OF, pack).latest_scores

    assert (score.scale_id, score.assessed_on, score.total, score.complete) == (
        "stiffness_index",
        D(2021, 6, 10),
        4.0,
        True,
    )


def test_an_incomplete_score_shows_when_none_is_complete(pack: KnowledgePack) -> None:
    record = with_sections(visits=(stiffness_visit("v1", D(2021, 1, 10), stiff=3, unanswered=2),))

    (score,) = patient_overview(record, AS_OF, pack).latest_scores

    assert score == LatestScore("stiffness_index", D(2021, 1, 10), None, None, False, {})


def test_medications_active_on_the_day_with_their_daily_amount(pack: KnowledgePack) -> None:
    record = with_sections(
        medication_courses=(
            oral_course("dzp", "diazepam", 10, 3),
            oral_course("czp", "clonazepam", 0.5, 2, start_date=D(2022, 2, 1)),
            oral_course(
                "bac-old",
                "baclofen",
                10,
                3,
                stop_date=AS_OF,  # a course stops the day before its stop date
                stop_reason="dose_changed",
            ),
            oral_course("bac-new", "baclofen", 20, 3, start_date=D(2022, 6, 2)),  # tomorrow
        )
    )

    active = patient_overview(record, AS_OF, pack).active_medications

    assert active == (
        ActiveMedication(
            "czp", "clonazepam", "oral", "0.5 mg 2x every day", 1.0, "mg", D(2022, 2, 1)
        ),
        ActiveMedication(
            "dzp", "diazepam", "oral", "10 mg 3x every day", 30.0, "mg", D(2021, 1, 1)
        ),
    )


def test_benzodiazepine_load_in_diazepam_equivalents_by_hand(pack: KnowledgePack) -> None:
    # The pack's selected table is Ashton (2002): clonazepam 0.5 mg = diazepam 10 mg.
    table = pack.benzodiazepine_equivalence
    assert table is not None and table.id == "ashton_2002"
    clonazepam = table.entry("clonazepam", Route.ORAL)
    assert clonazepam is not None and (clonazepam.dose_mg, clonazepam.diazepam_mg) == (0.5, 10)
    record = with_sections(
        medication_courses=(
            oral_course("dzp", "diazepam", 10, 3),  # 30 mg a day
            oral_course("czp", "clonazepam", 0.5, 2),  # 1 mg a day = 20 mg diazepam
            oral_course("bac", "baclofen", 10, 3),  # not a benzodiazepine
        )
    )

    overview = patient_overview(record, AS_OF, pack)

    assert overview.diazepam_equivalent_mg_per_day == pytest.approx(30.0 + 20.0)


def test_later_data_are_ignored(pack: KnowledgePack) -> None:
    later = D(2022, 6, 2)
    record = with_sections(
        visits=(stiffness_visit("v1", D(2021, 1, 10), stiff=2), stiffness_visit("v2", later, 5)),
        lab_results=(
            LabResult(
                id="gad-1",
                analyte="gad65_antibody",
                collected_on=D(2021, 1, 5),
                specimen="serum",
                method="ria",
                value=120.0,
                unit="nmol/L",
            ),
            LabResult(
                id="gad-2",
                analyte="gad65_antibody",
                collected_on=later,
                specimen="serum",
                method="ria",
                value=15.0,
                unit="nmol/L",
            ),
        ),
        medication_courses=(
            oral_course("dzp", "diazepam", 5, 2),
            oral_course("czp", "clonazepam", 0.5, 2, start_date=later),
        ),
        comorbidities=(
            Comorbidity(id="t1d", kind="type_1_diabetes", diagnosed_on=D(2010, 1, 1)),
            Comorbidity(id="thyroid", kind="thyroid_autoimmunity", diagnosed_on=later),
        ),
        adverse_events=(
            AdverseEvent(id="ae-1", term="Somnolence", grade=1, onset_date=D(2021, 3, 1)),
            AdverseEvent(
                id="ae-2", term="Respiratory depression", grade=4, serious=True, onset_date=later
            ),
        ),
        diary_entries=(
            DiaryEntry(id="d-old", entry_date=D(2022, 5, 4), stiffness=3),  # 28 days back
            DiaryEntry(id="d-first", entry_date=D(2022, 5, 5), stiffness=4),
            DiaryEntry(id="d-today", entry_date=AS_OF, stiffness=5),
            DiaryEntry(id="d-later", entry_date=later, stiffness=6),
        ),
    )

    overview = patient_overview(record, AS_OF, pack)

    assert [(s.assessed_on, s.total) for s in overview.latest_scores] == [(D(2021, 1, 10), 2.0)]
    assert [r.id for r in overview.latest_antibodies] == ["gad-1"]
    assert [m.course_id for m in overview.active_medications] == ["dzp"]
    assert overview.diazepam_equivalent_mg_per_day == pytest.approx(10.0)
    assert overview.comorbidities == ("type_1_diabetes",)
    assert (overview.adverse_events, overview.serious_adverse_events) == (1, 0)
    assert overview.diary_days_last_28 == 2  # 5 May to 1 June is 28 days
    assert overview.section_counts == {
        "visits": 1,
        "lab_results": 1,
        "medication_courses": 1,
        "procedures": 0,
        "adverse_events": 1,
        "diary_entries": 3,
    }
