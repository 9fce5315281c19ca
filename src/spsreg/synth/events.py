"""Treatment events that do not depend on disease control: referrals, steroids, opioids.

All of them are simulation assumptions (how often, how long); the prednisone taper has no stored
source and the tramadol dose is kept inside its label (see :mod:`spsreg.synth.regimens`).
"""

from __future__ import annotations

from spsreg.domain.medications import DosingSchedule, Route, StopReason, TherapyIntent
from spsreg.domain.therapies import NonDrugTherapy, NonDrugTherapyKind
from spsreg.domain.units import DoseUnit
from spsreg.synth.chart import TreatmentChart
from spsreg.synth.prescribing import CourseDraft
from spsreg.synth.regimens import PREDNISONE_TAPER, TRAMADOL

__all__ = ["prescribe_opioid", "prescribe_prednisone", "refer_non_drug_therapies"]


def prescribe_opioid(chart: TreatmentChart, day: int, active: set[str]) -> None:
    """Tramadol as needed for 1-4 months; flag the co-prescriptions the boxed warnings name."""
    start = day + int(chart.rng.integers(0, 15))
    if not chart.within(start):
        return
    chart.book.start(
        "tramadol",
        CourseDraft(
            id="",
            drug_id="tramadol",
            route=Route.ORAL,
            intent=TherapyIntent.ADJUNCT,
            schedule=DosingSchedule.AS_NEEDED,
            dose_value=TRAMADOL.dose_mg,
            dose_unit=DoseUnit.MG,
            start_day=start,
            times_per_period=TRAMADOL.times_per_day,
            period_days=1,
        ),
    )
    chart.book.stop(
        "tramadol", start + int(chart.rng.integers(30, 121)), StopReason.COURSE_COMPLETED
    )
    chart.note_start("tramadol", start)
    if active & {"diazepam", "clonazepam"}:
        chart.issue("opioid_with_benzodiazepine", start, "tramadol with a benzodiazepine")
    if "baclofen" in active:
        chart.issue("opioid_with_baclofen", start, "tramadol with baclofen")


def prescribe_prednisone(chart: TreatmentChart, day: int) -> None:
    """A tapering prednisone course; in T1DM, weekly glucose checks (unless a lapse is planted)."""
    policy, rates = chart.config.policy, chart.config.adverse_events
    start = day + int(chart.rng.integers(0, 8))
    if not chart.within(start):
        return
    current = start
    first_id = ""
    for index, (mg, days) in enumerate(PREDNISONE_TAPER):
        if not chart.within(current):
            break
        if index == 0:
            first_id = chart.book.start(
                "prednisone",
                CourseDraft(
                    id="",
                    drug_id="prednisone",
                    route=Route.ORAL,
                    intent=TherapyIntent.IMMUNOTHERAPY,
                    schedule=DosingSchedule.REGULAR,
                    dose_value=mg,
                    dose_unit=DoseUnit.MG,
                    start_day=current,
                    times_per_period=1,
                    period_days=1,
                ),
            ).id
        else:
            chart.book.change("prednisone", current, dose_value=mg)
        current += days
    chart.book.stop("prednisone", current, StopReason.COURSE_COMPLETED)
    chart.note_start("prednisone", start)
    chart.set_level("prednisone", "steroid", chart.config.effects.steroid_points, start)
    chart.set_level("prednisone", "steroid", 0.0, current)
    t1dm = chart.profile.has_t1dm
    if t1dm and chart.rng.random() < policy.steroid_glucose_gap_t1dm:
        chart.issue(
            "steroid_without_glucose_monitoring",
            start,
            "prednisone in type 1 diabetes, no glucose checks",
        )
    else:
        for week in (1, 2, 3, 4) if t1dm else (2,):
            chart.order(start + 7 * week, "glucose")
    if chart.rng.random() < (
        rates.steroid_hyperglycaemia_t1dm if t1dm else rates.steroid_hyperglycaemia_other
    ):
        grade = int(chart.rng.integers(2, 4)) if t1dm else int(chart.rng.integers(1, 3))
        onset = start + int(chart.rng.integers(3, 31))
        chart.adverse_event(
            "Hyperglycemia", grade, onset, int(chart.rng.integers(3, 22)), (first_id,)
        )


def refer_non_drug_therapies(chart: TreatmentChart) -> None:
    """Physical therapy blocks (a small effect while they last) and psychological support."""
    policy = chart.config.policy
    rng = chart.rng
    points = chart.config.effects.physical_therapy_points
    if rng.random() < policy.physical_therapy:
        start = int(rng.integers(0, 121))
        blocks = 2 if rng.random() < 0.3 else 1
        for _ in range(blocks):
            stop = start + int(rng.integers(90, 366))
            if _therapy(
                chart, NonDrugTherapyKind.PHYSICAL_THERAPY, start, stop, float(rng.integers(2, 9))
            ):
                chart.set_level("physical_therapy", "physical_therapy", points, start)
                chart.set_level("physical_therapy", "physical_therapy", 0.0, stop)
            start = stop + int(rng.integers(90, 366))
    mood = chart.profile.has_mood_disorder
    share = (
        policy.psychological_support_with_mood_disorder if mood else policy.psychological_support
    )
    if rng.random() < share:
        start = int(rng.integers(0, 366))
        if chart.within(start):
            stop = start + int(rng.integers(180, 541))
            _therapy(
                chart,
                NonDrugTherapyKind.PSYCHOLOGICAL_SUPPORT,
                start,
                stop,
                float(rng.integers(2, 5)),
            )


def _therapy(
    chart: TreatmentChart, kind: NonDrugTherapyKind, start: int, stop: int, per_month: float
) -> bool:
    if not chart.within(start):
        return False
    chart.non_drug.append(
        NonDrugTherapy(
            id=f"{chart.pid}-nd{len(chart.non_drug) + 1:02d}",
            kind=kind,
            start_date=chart.date(start),
            stop_date=chart.date(stop) if chart.within(stop) else None,
            sessions_per_month=per_month,
        )
    )
    chart.note_start(kind.value, start)
    return True
