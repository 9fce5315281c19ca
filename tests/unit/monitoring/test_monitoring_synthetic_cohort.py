"""The rules over a synthetic cohort: every planted lapse is found; a clean patient gets no critical
alert. The cost per patient on in-memory timelines is printed (run with -s), not asserted."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest

from spsreg.monitoring import Severity, evaluate, load_rule_book, timeline_from_record
from spsreg.synth import CohortConfig, iter_synthetic_patients

PATIENTS = list(iter_synthetic_patients(CohortConfig(patients=200, seed=20261121)))
TIMELINES = {p.record.patient.id: timeline_from_record(p.record) for p in PATIENTS}

# Planted lapse kind -> (rule that must flag it, days after the planted date to evaluate).
# The tizanidine lapse is dated 30 days after the maximum dose (due one calendar month after);
# the steroid lapse is dated at the course start (the first glucose is due after the interval).
EXPECTED = {
    "opioid_with_benzodiazepine": ("benzodiazepine_with_opioid", 0),
    "opioid_with_baclofen": ("baclofen_with_opioid", 0),
    "abrupt_benzodiazepine_stop": ("benzodiazepine_abrupt_stop", 0),
    "overdue_pump_refill": ("intrathecal_pump_alarm_date_passed", 1),
    "missing_hbv_screen_before_anti_cd20": ("hbv_screen_before_anti_cd20", 0),
    "tizanidine_without_transaminases": ("tizanidine_aminotransferases_after_maximum_dose", 5),
    "steroid_without_glucose_monitoring": ("corticosteroid_glucose_monitoring_in_diabetes", 8),
}
PLANTED = [(p.record.patient.id, issue) for p in PATIENTS for issue in p.truth.issues]


def test_the_cohort_plants_lapses_of_every_kind_the_rules_cover() -> None:
    assert {issue.kind for _, issue in PLANTED} <= set(EXPECTED)
    assert len({issue.kind for _, issue in PLANTED}) >= 5


@pytest.mark.parametrize(
    ("patient_id", "issue"), PLANTED, ids=[f"{p}-{i.kind}" for p, i in PLANTED]
)
def test_planted_lapse_is_found(patient_id: str, issue: object) -> None:
    rule_id, offset = EXPECTED[issue.kind]  # type: ignore[attr-defined]
    as_of = issue.date + timedelta(days=offset)  # type: ignore[attr-defined]
    alerts = evaluate(TIMELINES[patient_id], as_of, load_rule_book())
    assert rule_id in {a.rule_id for a in alerts}, issue


def test_clean_patients_get_no_critical_alert() -> None:
    book = load_rule_book()
    clean = [p for p in PATIENTS if not p.truth.issues]
    assert len(clean) > 100
    for patient in clean:
        timeline = TIMELINES[patient.record.patient.id]
        start, end = (
            patient.truth.followup_end - timedelta(days=5 * 365),
            patient.truth.followup_end,
        )
        checked = start
        while checked <= end:
            critical = [
                a for a in evaluate(timeline, checked, book) if a.severity is Severity.CRITICAL
            ]
            assert critical == [], (
                patient.record.patient.id,
                checked,
                [a.message for a in critical],
            )
            checked += timedelta(days=61)


def test_cost_per_patient_is_reported(capsys: pytest.CaptureFixture[str]) -> None:
    book = load_rule_book()
    bound = book.bind()
    as_of = date(2026, 6, 1)
    timelines = list(TIMELINES.values())
    started = time.perf_counter()
    alerts = sum(len(bound.evaluate(t, as_of)) for t in timelines)
    per_patient_ms = (time.perf_counter() - started) / len(timelines) * 1000
    with capsys.disabled():
        print(
            f"\nmonitoring: {per_patient_ms:.3f} ms per patient ({len(timelines)} patients, {alerts} alerts)"
        )
    assert alerts >= 0
