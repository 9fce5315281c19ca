"""IVIG courses, rituximab cycles and plasmapheresis series, with their true effects.

* IVIG: 2 g/kg per course given as 1 g/kg on each of 2 days every 4 weeks (cited). Each course
  sets the IVIG target effect to the patient's ``ivig_points`` from its first day until
  ``ivig_wear_off_day`` days later; the effect follows with time constant ``ivig_onset_tau_days``,
  so it builds over weeks and fades before the next course.
* Rituximab: 1 g twice, two weeks apart (cited), recorded as two Administrations of one cycle.
  In responders only, a sustained effect starts ``rituximab_delay_days`` after the first infusion.
* Plasmapheresis: 5 exchanges every other day (cited), recorded as one Procedure with sessions.
  Its benefit is held until ``plasmapheresis_benefit_days`` after the last exchange, then fades.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from spsreg.domain.adverse_events import AdverseEventAction
from spsreg.domain.medications import DosingSchedule, Route, StopReason, TherapyIntent
from spsreg.domain.therapies import Procedure, ProcedureKind
from spsreg.domain.units import DoseUnit
from spsreg.synth.chart import TreatmentChart
from spsreg.synth.prescribing import CourseDraft
from spsreg.synth.regimens import IVIG, PLASMAPHERESIS, RITUXIMAB

__all__ = ["Immunotherapy"]


@dataclass
class Immunotherapy:
    chart: TreatmentChart
    ivig_cycles: list[int] = field(default_factory=list)
    ivig_decision_day: int | None = None
    ivig_next_day: int | None = None
    ivig_interval: int = IVIG.interval_days
    ivig_failed: bool = False
    rituximab_cycles: list[int] = field(default_factory=list)
    plasmapheresis_series: list[tuple[int, int]] = field(default_factory=list)

    # --- IVIG -------------------------------------------------------------------------------
    @property
    def ivig_started(self) -> bool:
        return self.ivig_decision_day is not None

    @property
    def ivig_active(self) -> bool:
        return self.chart.book.active("ivig") is not None

    def start_ivig(self, day: int, weight_kg: float) -> bool:
        chart = self.chart
        first = day + int(chart.rng.integers(7, 29))
        if not chart.within(first + 1):
            return False
        chart.order(day, "renal")
        chart.order(day, "igg")
        chart.book.start(
            "ivig",
            CourseDraft(
                id="",
                drug_id="ivig",
                route=Route.IV,
                intent=TherapyIntent.IMMUNOTHERAPY,
                schedule=DosingSchedule.CYCLIC_COURSE,
                dose_value=IVIG.dose_value,
                dose_unit=DoseUnit.G_PER_KG,
                start_day=first,
                period_days=IVIG.interval_days,
                course_days=IVIG.days_per_course,
                weight_kg=round(weight_kg, 1),
            ),
        )
        self.ivig_decision_day = day
        self.ivig_next_day = first
        chart.note_start("ivig", first)
        return True

    def extend_ivig_interval(self, day: int, interval_days: int) -> None:
        self.chart.book.change("ivig", day, period_days=interval_days)
        self.ivig_interval = interval_days
        if self.ivig_cycles:
            self.ivig_next_day = max(day + 1, self.ivig_cycles[-1] + interval_days)

    def stop_ivig(self, day: int, reason: StopReason) -> None:
        self.chart.book.stop("ivig", day, reason)
        self.ivig_next_day = None

    def schedule_ivig(self, until_day: int) -> None:
        """Give the IVIG courses due before ``until_day`` (the next visit)."""
        chart, response = self.chart, self.chart.response
        while (
            self.ivig_active
            and self.ivig_next_day is not None
            and self.ivig_next_day < until_day
            and chart.within(self.ivig_next_day + 1)
        ):
            start = self.ivig_next_day
            course = chart.book.active("ivig")
            assert course is not None and course.weight_kg is not None
            cycle = len(self.ivig_cycles) + 1
            grams = float(round(course.weight_kg * IVIG.dose_value / IVIG.days_per_course))
            for offset in range(IVIG.days_per_course):
                chart.administration(course.id, start + offset, grams, "g", cycle, offset + 1)
            self.ivig_cycles.append(start)
            chart.set_level("ivig", "ivig", response.ivig_points, start)
            chart.set_level("ivig", "ivig", 0.0, start + response.ivig_wear_off_day)
            rates = chart.config.adverse_events
            if chart.rng.random() < rates.ivig_headache_per_course:
                chart.adverse_event(
                    "Headache", int(chart.rng.integers(1, 3)), start + 1, 2, (course.id,)
                )
            if chart.rng.random() < rates.ivig_thrombosis_per_course:
                chart.adverse_event(
                    "Thromboembolic event", 3, start + 1, 30, (course.id,),
                    AdverseEventAction.DRUG_WITHDRAWN, serious=True,
                )  # fmt: skip
                self.stop_ivig(start + 2, StopReason.ADVERSE_EVENT)
                self.ivig_failed = True
                return
            policy = chart.config.policy
            delay = (
                int(chart.rng.integers(1, 4))
                if chart.rng.random() < policy.ivig_course_delayed
                else 0
            )
            skipped = self.ivig_interval if chart.rng.random() < policy.ivig_course_skipped else 0
            self.ivig_next_day = start + self.ivig_interval + delay + skipped

    # --- rituximab --------------------------------------------------------------------------
    def start_rituximab(self, day: int) -> bool:
        chart = self.chart
        first = day + int(chart.rng.integers(14, 36))
        second = first + RITUXIMAB.interval_days
        if not chart.within(first):
            return False
        cycle = len(self.rituximab_cycles) + 1
        if cycle == 1:
            chart.order(day, "cd19")
            if chart.rng.random() < chart.config.policy.hbv_screen_missing:
                chart.issue(
                    "missing_hbv_screen_before_anti_cd20",
                    first,
                    "no HBsAg/anti-HBc before rituximab",
                )
            else:
                chart.order(day, "hbv")
        course = chart.book.start(
            "rituximab",
            CourseDraft(
                id="",
                drug_id="rituximab",
                route=Route.IV,
                intent=TherapyIntent.IMMUNOTHERAPY,
                schedule=DosingSchedule.REGULAR,
                dose_value=RITUXIMAB.dose_value,
                dose_unit=DoseUnit.G,
                start_day=first,
                times_per_period=1,
                period_days=RITUXIMAB.interval_days,
            ),
        )
        chart.book.stop("rituximab", second + 1, StopReason.COURSE_COMPLETED)
        for infusion_day, day_of_cycle in ((first, 1), (second, RITUXIMAB.interval_days + 1)):
            if chart.within(infusion_day):
                chart.administration(
                    course.id, infusion_day, RITUXIMAB.dose_value, "g", cycle, day_of_cycle
                )
        if chart.rng.random() < chart.config.adverse_events.rituximab_infusion_reaction:
            grade = int(chart.rng.choice([1, 2, 3], p=[0.6, 0.35, 0.05]))
            chart.adverse_event(
                "Infusion related reaction", grade, first, 1, (course.id,),
                AdverseEventAction.DOSE_INTERRUPTED,
            )  # fmt: skip
        if cycle == 1:
            response = chart.response
            chart.set_level(
                "rituximab",
                "rituximab",
                response.rituximab_points,
                first + response.rituximab_delay_days,
            )
        chart.order(first + 30, "cd19")
        self.rituximab_cycles.append(first)
        chart.note_start("rituximab", first)
        return True

    # --- plasmapheresis ---------------------------------------------------------------------
    def start_plasmapheresis(self, day: int) -> bool:
        chart = self.chart
        start = day + int(chart.rng.integers(7, 22))
        exchanges = int(PLASMAPHERESIS.dose_value)
        end = start + PLASMAPHERESIS.interval_days * (exchanges - 1)
        if not chart.within(end):
            return False
        chart.procedures.append(
            Procedure(
                id=f"{chart.pid}-pc{len(chart.procedures) + 1:02d}",
                kind=ProcedureKind.PLASMAPHERESIS,
                start_date=chart.date(start),
                end_date=chart.date(end),
                sessions=exchanges,
                detail=f"{exchanges} exchanges every other day",
            )
        )
        response = chart.response
        chart.set_level("plasmapheresis", "plasmapheresis", response.plasmapheresis_points, start)
        chart.set_level(
            "plasmapheresis", "plasmapheresis", 0.0, end + response.plasmapheresis_benefit_days
        )
        if chart.rng.random() < chart.config.adverse_events.plasmapheresis_hypotension:
            onset = start + PLASMAPHERESIS.interval_days * int(chart.rng.integers(0, exchanges))
            chart.adverse_event("Hypotension", int(chart.rng.integers(1, 3)), onset, 1)
        self.plasmapheresis_series.append((start, end))
        chart.note_start("plasmapheresis", start)
        return True
