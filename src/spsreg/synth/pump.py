"""Intrathecal baclofen (ITB) pumps for severe disease: implant, refills, dose titration.

The pump is started at twice the 50 mcg screening dose over 24 h (label rule) and titrated at
refills towards a patient target inside the 50-800 mcg/day SPS range (cited). A refill fills the
reservoir (20 or 40 mL) at a product strength of 1000 or 2000 mcg/mL; when the reservoir will reach
the low-volume alarm follows from volume, strength and dose, so refill intervals are derived, not
assumed. Some patients refill late (after the alarm; sometimes after the pump ran dry), and while a
pump is empty the ITB effect is lost and a withdrawal rebound worsens stiffness: these lapses are
listed in the ground truth for the monitoring rules to find.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from spsreg.domain.medications import (
    DosingSchedule,
    IntrathecalPump,
    PumpRefill,
    Route,
    TherapyIntent,
)
from spsreg.domain.therapies import Procedure, ProcedureKind
from spsreg.domain.units import DoseUnit
from spsreg.synth.chart import TreatmentChart
from spsreg.synth.prescribing import CourseDraft
from spsreg.synth.regimens import (
    ITB_CONCENTRATIONS_MCG_PER_ML,
    ITB_DAILY_DOSE_RANGE_MCG,
    ITB_INITIAL_DAILY_DOSE_MCG,
    ITB_RESERVOIRS_ML,
)

__all__ = ["PumpSimulator"]

_KEY = "baclofen_intrathecal"


@dataclass
class PumpSimulator:
    chart: TreatmentChart
    implant_day: int | None = None
    decision_day: int | None = None
    decision_stiffness_index: int | None = None
    reservoir_ml: float = 0.0
    target_mcg: float = 0.0
    dose_mcg: float = ITB_INITIAL_DAILY_DOSE_MCG
    next_refill_day: int | None = None
    refills: list[PumpRefill] = field(default_factory=list)
    overdue_prone: bool = False

    @property
    def implanted(self) -> bool:
        return self.implant_day is not None

    def implant(self, day: int, stiffness_index: int) -> bool:
        chart = self.chart
        implant = day + int(chart.rng.integers(30, 91))
        if not chart.within(implant):
            return False
        self.decision_day, self.decision_stiffness_index = day, stiffness_index
        self.implant_day = implant
        self.reservoir_ml = float(chart.rng.choice(ITB_RESERVOIRS_ML))
        low, high = ITB_DAILY_DOSE_RANGE_MCG
        self.target_mcg = float(min(high, max(low, chart.rng.uniform(200.0, 700.0))))
        self.overdue_prone = bool(chart.rng.random() < chart.config.policy.overdue_refill_patient)
        chart.procedures.append(
            Procedure(
                id=f"{chart.pid}-pc{len(chart.procedures) + 1:02d}",
                kind=ProcedureKind.ITB_PUMP_IMPLANT,
                start_date=chart.date(implant),
                end_date=chart.date(implant),
                detail="after a positive 50 mcg intrathecal screening bolus",
            )
        )
        chart.book.start(
            _KEY,
            CourseDraft(
                id="",
                drug_id="baclofen",
                route=Route.INTRATHECAL,
                intent=TherapyIntent.SYMPTOMATIC,
                schedule=DosingSchedule.CONTINUOUS,
                dose_value=self.dose_mcg,
                dose_unit=DoseUnit.MCG,
                start_day=implant,
            ),
        )
        chart.note_start("itb", implant)
        self._refill(implant)
        return True

    def schedule(self, until_day: int) -> None:
        """Carry out the refills due before ``until_day`` (the next visit)."""
        while (
            self.next_refill_day is not None
            and self.next_refill_day < until_day
            and self.chart.within(self.next_refill_day)
        ):
            self._refill(self.next_refill_day)

    def _refill(self, day: int) -> None:
        chart, policy = self.chart, self.chart.config.policy
        if self.refills and self.dose_mcg < self.target_mcg:
            raised = self.dose_mcg * chart.rng.uniform(1.1, 1.25)
            self.dose_mcg = float(min(self.target_mcg, 5.0 * round(raised / 5.0)))
            chart.book.change(_KEY, day, dose_value=self.dose_mcg)
        low_strength, high_strength = ITB_CONCENTRATIONS_MCG_PER_ML
        strength = low_strength if self.dose_mcg <= 300.0 else high_strength
        usable_days = (self.reservoir_ml - policy.pump_low_alarm_ml) * strength / self.dose_mcg
        empty_day = day + math.floor(self.reservoir_ml * strength / self.dose_mcg)
        alarm_day = day + math.floor(usable_days)
        self.refills.append(
            PumpRefill(
                id=f"{chart.pid}-rf{len(self.refills) + 1:03d}",
                refilled_on=chart.date(day),
                volume_ml=self.reservoir_ml,
                concentration_mcg_per_ml=strength,
                daily_dose_mcg=self.dose_mcg,
                alarm_date=chart.date(alarm_day),
            )
        )
        points = (
            chart.response.itb_points
            * self.dose_mcg
            / (self.dose_mcg + chart.config.effects.itb_half_effect_mcg)
        )
        chart.set_level("itb", "itb", points, day)
        chart.set_level("itb_withdrawal", "withdrawal", 0.0, day)
        planned = day + min(
            math.floor(policy.refill_fraction_of_capacity * usable_days),
            policy.max_refill_interval_days,
        )
        if self.overdue_prone and chart.rng.random() < policy.overdue_refill_given_prone:
            planned = alarm_day + int(chart.rng.integers(1, 22))
            ran_dry = planned > empty_day
            if chart.within(alarm_day + 1):
                chart.issue(
                    "overdue_pump_refill",
                    alarm_day,
                    f"refill {planned - alarm_day} days after the low-reservoir alarm"
                    + ("; pump ran empty" if ran_dry else ""),
                )
            if ran_dry:
                chart.set_level("itb", "itb", 0.0, empty_day)
                chart.set_level(
                    "itb_withdrawal",
                    "withdrawal",
                    -chart.config.effects.itb_withdrawal_points,
                    empty_day,
                )
        self.next_refill_day = planned

    def pump(self) -> IntrathecalPump | None:
        if self.implant_day is None:
            return None
        return IntrathecalPump(
            id=f"{self.chart.pid}-pump1",
            implanted_on=self.chart.date(self.implant_day),
            reservoir_volume_ml=self.reservoir_ml,
            device="synthetic programmable pump",
            refills=tuple(self.refills),
        )
