"""Treatment lines follow the clinical order, doses follow the cited regimens, chains are sound."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

from spsreg.domain.medications import DosingSchedule, MedicationCourse, Route, StopReason
from spsreg.domain.therapies import ProcedureKind
from spsreg.synth import SyntheticPatient
from spsreg.synth.config import PolicyAssumptions
from spsreg.synth.regimens import ITB_DAILY_DOSE_RANGE_MCG, ORAL_LADDERS


def _courses(
    patient: SyntheticPatient, drug: str, route: Route | None = None
) -> list[MedicationCourse]:
    return [
        c
        for c in patient.record.medication_courses
        if c.drug_id == drug and (route is None or c.route is route)
    ]


def _with(cohort: list[SyntheticPatient], therapy: str) -> list[SyntheticPatient]:
    chosen = [p for p in cohort if therapy in p.truth.treatment_lines]
    assert chosen, f"the test cohort has no patient with {therapy}"
    return chosen


def test_diazepam_is_always_the_first_drug(treated_cohort: list[SyntheticPatient]) -> None:
    for patient in treated_cohort:
        courses = patient.record.medication_courses
        first = min(c.start_date for c in courses)
        assert min(c.start_date for c in _courses(patient, "diazepam")) == first
        assert courses[0].drug_id == "diazepam"


def test_rituximab_and_plasmapheresis_only_after_ivig(
    treated_cohort: list[SyntheticPatient],
) -> None:
    second_line = [
        p for p in treated_cohort if p.truth.rituximab.cycles or p.truth.plasmapheresis.series
    ]
    assert any(p.truth.rituximab.cycles for p in second_line)
    assert any(p.truth.plasmapheresis.series for p in second_line)
    for patient in second_line:
        ivig_start = min(c.start_date for c in _courses(patient, "ivig"))
        for course in _courses(patient, "rituximab"):
            assert course.start_date > ivig_start
        for procedure in patient.record.procedures:
            if procedure.kind is ProcedureKind.PLASMAPHERESIS:
                assert procedure.start_date > ivig_start


def test_intrathecal_baclofen_only_in_severe_disease(
    treated_cohort: list[SyntheticPatient],
) -> None:
    severe = PolicyAssumptions().severe_stiffness_index
    pump_patients = [p for p in treated_cohort if p.record.pumps]
    assert pump_patients
    for patient in pump_patients:
        itb = patient.truth.itb
        assert itb is not None and itb.decision_stiffness_index >= severe
        assert patient.truth.stiffness_cap == 6
        decision_visit = next(v for v in patient.truth.visits if v.visit_date == itb.decision_date)
        assert decision_visit.observed_stiffness_index >= severe


def test_ivig_is_2_g_per_kg_over_2_days_every_4_weeks(
    treated_cohort: list[SyntheticPatient],
) -> None:
    for patient in _with(treated_cohort, "ivig"):
        courses = {c.id: c for c in _courses(patient, "ivig")}
        for course in courses.values():
            assert (course.dose.value, course.dose.unit.value) == (2.0, "g/kg")
            assert course.course_days == 2 and course.period_days in (28, 42)
            assert course.weight_kg is not None
        by_cycle: dict[int, list[tuple[int, float, str]]] = defaultdict(list)
        for given in patient.record.administrations:
            if given.course_id in courses:
                weight = courses[given.course_id].weight_kg
                assert weight is not None
                assert abs(given.dose.value - weight) <= 0.5  # 1 g/kg on each day
                assert given.cycle_number is not None and given.day_of_cycle in (1, 2)
                by_cycle[given.cycle_number].append(
                    (given.day_of_cycle or 0, given.dose.value, given.given_on.isoformat())
                )
        assert sorted(by_cycle) == list(range(1, len(by_cycle) + 1))
        assert patient.truth.ivig.courses == len(by_cycle)


def test_rituximab_is_1_g_twice_two_weeks_apart(treated_cohort: list[SyntheticPatient]) -> None:
    for patient in _with(treated_cohort, "rituximab"):
        course_ids = {c.id for c in _courses(patient, "rituximab")}
        infusions = [a for a in patient.record.administrations if a.course_id in course_ids]
        cycles: dict[int, list[tuple[int, object]]] = defaultdict(list)
        for infusion in infusions:
            assert (infusion.dose.value, infusion.dose.unit.value) == (1.0, "g")
            assert infusion.cycle_number is not None
            cycles[infusion.cycle_number].append((infusion.day_of_cycle or 0, infusion.given_on))
        for doses in cycles.values():
            doses.sort()
            if len(doses) == 2:
                (day_1, first), (day_15, second) = doses
                assert (day_1, day_15) == (1, 15)
                assert second - first == timedelta(days=14)  # type: ignore[operator]


def test_plasmapheresis_is_five_exchanges_every_other_day(
    treated_cohort: list[SyntheticPatient],
) -> None:
    series = [
        procedure
        for p in _with(treated_cohort, "plasmapheresis")
        for procedure in p.record.procedures
        if procedure.kind is ProcedureKind.PLASMAPHERESIS
    ]
    for procedure in series:
        assert procedure.sessions == 5
        assert procedure.end_date is not None
        assert procedure.end_date - procedure.start_date == timedelta(days=8)


def test_pumps_are_refilled_within_reservoir_and_dose_range(
    treated_cohort: list[SyntheticPatient],
) -> None:
    low, high = ITB_DAILY_DOSE_RANGE_MCG
    for patient in _with(treated_cohort, "itb"):
        (pump,) = patient.record.pumps
        assert pump.reservoir_volume_ml in (20.0, 40.0)
        assert pump.refills and pump.refills[0].refilled_on == pump.implanted_on
        assert pump.refills[0].daily_dose_mcg == 100.0  # twice the 50 mcg screening dose
        for refill in pump.refills:
            assert low <= refill.daily_dose_mcg <= high
            assert refill.alarm_date is not None and refill.alarm_date > refill.refilled_on
        intrathecal = _courses(patient, "baclofen", Route.INTRATHECAL)
        assert all(
            c.schedule is DosingSchedule.CONTINUOUS and c.dose.unit.value == "mcg"
            for c in intrathecal
        )
        assert {c.dose.value for c in intrathecal} == {r.daily_dose_mcg for r in pump.refills}


def test_overdue_refills_listed_in_the_truth_are_late_in_the_record(
    lapse_cohort: list[SyntheticPatient],
) -> None:
    overdue = [
        (p, i) for p in lapse_cohort for i in p.truth.issues if i.kind == "overdue_pump_refill"
    ]
    assert overdue
    for patient, issue in overdue:
        refills = patient.record.pumps[0].refills
        index = next(k for k, r in enumerate(refills) if r.alarm_date == issue.date)
        if index + 1 < len(refills):
            assert refills[index + 1].refilled_on > issue.date
        else:
            assert patient.truth.followup_end > issue.date


def test_dose_changes_are_chained(treated_cohort: list[SyntheticPatient]) -> None:
    chained = 0
    for patient in treated_cohort:
        courses = {c.id: c for c in patient.record.medication_courses}
        for course in courses.values():
            if course.previous_course_id is None:
                continue
            chained += 1
            previous = courses[course.previous_course_id]
            assert previous.drug_id == course.drug_id and previous.route is course.route
            assert previous.stop_reason is StopReason.DOSE_CHANGED
            assert previous.stop_date == course.start_date
    assert chained > 0


def test_oral_doses_stay_on_the_cited_ladders(treated_cohort: list[SyntheticPatient]) -> None:
    for patient in treated_cohort:
        for course in patient.record.medication_courses:
            ladder = ORAL_LADDERS.get(course.drug_id)
            if ladder is None or course.route is not Route.ORAL:
                continue
            assert (course.dose.value, course.times_per_period) in {
                (s.dose_mg, s.times_per_day) for s in ladder.steps
            }
            assert course.period_days == 1


def test_planted_lapses_are_visible_in_the_record(lapse_cohort: list[SyntheticPatient]) -> None:
    kinds = {i.kind for p in lapse_cohort for i in p.truth.issues}
    assert kinds == {
        "abrupt_benzodiazepine_stop",
        "opioid_with_benzodiazepine",
        "opioid_with_baclofen",
        "overdue_pump_refill",
        "missing_hbv_screen_before_anti_cd20",
        "steroid_without_glucose_monitoring",
        "tizanidine_without_transaminases",
    }
    for patient in lapse_cohort:
        labs = patient.record.lab_results
        for issue in patient.truth.issues:
            if issue.kind == "abrupt_benzodiazepine_stop":
                courses = {c.id: c for c in _courses(patient, "diazepam")}
                (stopped,) = [c for c in courses.values() if c.stop_date == issue.date]
                assert stopped.stop_reason is StopReason.PATIENT_CHOICE
                assert stopped.stop_date is not None  # a taper would be a short lower-dose course
                assert stopped.stop_date - stopped.start_date > timedelta(days=28)
            elif issue.kind == "opioid_with_benzodiazepine":
                (opioid,) = _courses(patient, "tramadol")
                assert any(
                    c.is_active_on(opioid.start_date)
                    for drug in ("diazepam", "clonazepam")
                    for c in _courses(patient, drug)
                )
            elif issue.kind == "missing_hbv_screen_before_anti_cd20":
                first = min(c.start_date for c in _courses(patient, "rituximab"))
                assert all(
                    r.collected_on > first for r in labs if r.analyte in ("hbsag", "anti_hbc")
                )
            elif issue.kind == "steroid_without_glucose_monitoring":
                assert "type_1_diabetes" in patient.truth.comorbidities
                course = _courses(patient, "prednisone")[0]
                window = (course.start_date, course.start_date + timedelta(days=84))
                assert not [
                    r
                    for r in labs
                    if r.analyte == "glucose" and window[0] < r.collected_on <= window[1]
                ]
            elif issue.kind == "tizanidine_without_transaminases":
                assert not [r for r in labs if r.analyte == "alt" and r.collected_on == issue.date]
