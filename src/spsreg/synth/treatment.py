"""The synthetic clinicians' treatment policy, applied visit by visit.

At each visit the clinician sees the stiffness index observed that day and, at most, makes one
change (the policy is a simulation assumption, see :class:`~spsreg.synth.config.PolicyAssumptions`):

1. diazepam is started at enrolment, always first;
2. while stiffness is uncontrolled: raise diazepam to the patient's tolerated step, then add and
   raise baclofen, then try one adjunct (clonazepam, gabapentin, levetiracetam or tizanidine);
3. refractory disease: IVIG; if IVIG fails after a trial of some months, rituximab or a
   plasmapheresis series (never before IVIG);
4. severe disease (index >= the severe threshold): an intrathecal baclofen pump.

Independent of control: somnolence may lower the benzodiazepine dose (or taper it off in favour of
baclofen); some patients get a prednisone course, a tramadol prescription, or stop diazepam
abruptly once. The lapses the monitoring rules should catch are recorded as issues.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from spsreg.domain.adverse_events import AdverseEventAction
from spsreg.domain.medications import DosingSchedule, Route, StopReason, TherapyIntent
from spsreg.domain.units import DoseUnit
from spsreg.synth.chart import TreatmentChart
from spsreg.synth.events import prescribe_opioid, prescribe_prednisone, refer_non_drug_therapies
from spsreg.synth.immunotherapy import Immunotherapy
from spsreg.synth.prescribing import CourseDraft
from spsreg.synth.pump import PumpSimulator
from spsreg.synth.regimens import ORAL_LADDERS
from spsreg.synth.schedule import VisitPlan

__all__ = ["TreatmentPolicy", "TreatmentResult"]

_CHANNEL = {
    "diazepam": "benzodiazepine",
    "clonazepam": "benzodiazepine",
    "baclofen": "oral_antispastic",
    "gabapentin": "oral_antispastic",
    "tizanidine": "oral_antispastic",
    "levetiracetam": "oral_antispastic",
}


@dataclass(frozen=True)
class TreatmentResult:
    observed_stiffness_index: list[int]  # what the clinician saw at each visit
    immunotherapy: Immunotherapy
    pump: PumpSimulator


class TreatmentPolicy:
    def __init__(self, chart: TreatmentChart, visits: list[VisitPlan]) -> None:
        self.chart = chart
        self.visits = visits
        rng, policy = chart.rng, chart.config.policy
        cap = chart.course.cap
        self.threshold = max(1, math.ceil(policy.uncontrolled_fraction * cap))
        self.severe = cap == 6
        self.rung: dict[str, int] = {}
        self.max_rung = {
            "diazepam": 2 + int(rng.choice(3, p=_normalised(policy.diazepam_max_rung_weights))),
            "baclofen": 2 + int(rng.choice(3, p=_normalised(policy.baclofen_max_rung_weights))),
        }
        drugs = list(policy.adjunct_weights)
        self.adjunct = (
            drugs[
                int(rng.choice(len(drugs), p=_normalised(tuple(policy.adjunct_weights.values()))))
            ]
            if rng.random() < policy.adjunct_probability
            else None
        )
        self.ivig_access = bool(rng.random() < policy.ivig_access)
        self.itb_access = bool(rng.random() < policy.itb_access)
        self.switch_prone = bool(rng.random() < policy.benzodiazepine_switch)
        self.opioid_visit = self._one_visit(policy.opioid_coprescription)
        self.steroid_visit = self._one_visit(policy.steroid_course)
        self.abrupt_visit = self._one_visit(policy.abrupt_benzodiazepine_stop, earliest_day=365)
        self.restart_rung: int | None = None
        self.after_ivig: str | None = None
        self.last_weight = visits[0].weight_kg
        self.immunotherapy = Immunotherapy(chart)
        self.pump = PumpSimulator(chart)

    def _one_visit(self, probability: float, earliest_day: int = 0) -> int | None:
        eligible = [k for k, v in enumerate(self.visits) if k > 0 and v.day >= earliest_day]
        if not eligible or self.chart.rng.random() >= probability:
            return None
        return eligible[int(self.chart.rng.integers(len(eligible)))]

    def run(self, observe: Callable[[int, float], int]) -> TreatmentResult:
        """Walk the visits; ``observe(day, latent)`` returns the stiffness index seen that day."""
        observed: list[int] = []
        for k, visit in enumerate(self.visits):
            if visit.weight_recorded:
                self.last_weight = visit.weight_kg
            seen = observe(visit.day, self.chart.course.stiffness_at(visit.day))
            observed.append(seen)
            if k == 0:
                self._enrol(seen)
            else:
                self._review(k, visit.day, seen)
            until = self.visits[k + 1].day if k + 1 < len(self.visits) else self.chart.n_days
            self.immunotherapy.schedule_ivig(until)
            self.pump.schedule(until)
        return TreatmentResult(observed, self.immunotherapy, self.pump)

    # --- oral drugs -------------------------------------------------------------------------
    def _level(self, drug: str, daily_mg: float) -> float:
        response, effects = self.chart.response, self.chart.config.effects
        if drug == "diazepam":
            return (
                response.benzodiazepine_points
                * daily_mg
                / (daily_mg + effects.diazepam_half_effect_mg)
            )
        if drug == "clonazepam":
            return (
                response.benzodiazepine_points
                * daily_mg
                / (daily_mg + effects.clonazepam_half_effect_mg)
            )
        if drug == "baclofen":
            return (
                response.baclofen_points * daily_mg / (daily_mg + effects.baclofen_half_effect_mg)
            )
        half = effects.adjunct_half_effect_mg[drug]
        return effects.adjunct_points[drug] * daily_mg / (daily_mg + half)

    def _start_oral(self, drug: str, rung: int, day: int) -> None:
        step = ORAL_LADDERS[drug].steps[rung]
        self.chart.book.start(
            drug,
            CourseDraft(
                id="",
                drug_id=drug,
                route=Route.ORAL,
                intent=TherapyIntent.SYMPTOMATIC,
                schedule=DosingSchedule.REGULAR,
                dose_value=step.dose_mg,
                dose_unit=DoseUnit.MG,
                start_day=day,
                times_per_period=step.times_per_day,
                period_days=1,
            ),
        )
        self.rung[drug] = rung
        self.chart.set_level(drug, _CHANNEL[drug], self._level(drug, step.daily_mg), day)
        self.chart.note_start(drug, day)

    def _set_rung(self, drug: str, rung: int, day: int) -> None:
        step = ORAL_LADDERS[drug].steps[rung]
        self.chart.book.change(
            drug, day, dose_value=step.dose_mg, times_per_period=step.times_per_day
        )
        self.rung[drug] = rung
        self.chart.set_level(drug, _CHANNEL[drug], self._level(drug, step.daily_mg), day)

    def _stop_oral(self, drug: str, day: int, reason: StopReason) -> None:
        self.chart.book.stop(drug, day, reason)
        del self.rung[drug]
        self.chart.set_level(drug, _CHANNEL[drug], 0.0, day)

    def _daily_mg(self, drug: str) -> float:
        return ORAL_LADDERS[drug].steps[self.rung[drug]].daily_mg if drug in self.rung else 0.0

    # --- enrolment and review ---------------------------------------------------------------
    def _enrol(self, seen: int) -> None:
        chart, policy = self.chart, self.chart.config.policy
        rung = 0
        if not chart.profile.incident and seen >= self.threshold:
            rung = 2 if self.severe and seen >= policy.severe_stiffness_index else 1
        self._start_oral("diazepam", min(rung, self.max_rung["diazepam"]), 0)
        uncontrolled_prevalent = not chart.profile.incident and seen >= self.threshold
        if uncontrolled_prevalent and chart.rng.random() < policy.prevalent_baclofen_at_enrolment:
            self._start_oral("baclofen", 0, 0)
        refer_non_drug_therapies(self.chart)

    def _review(self, k: int, day: int, seen: int) -> None:
        if k == self.opioid_visit:
            active = set(self.rung) | ({"baclofen"} if self.pump.implanted else set())
            prescribe_opioid(self.chart, day, active)
        if k == self.steroid_visit:
            prescribe_prednisone(self.chart, day)
        if self.restart_rung is not None:
            self._start_oral("diazepam", self.restart_rung, day)
            self.restart_rung = None
            return
        if k == self.abrupt_visit and "diazepam" in self.rung:
            self._abrupt_stop(day)
            return
        if self._somnolence(day):
            return
        if (
            "baclofen" in self.rung
            and self.chart.rng.random()
            < self.chart.config.adverse_events.baclofen_dizziness_per_visit
        ):
            course = self.chart.book.active("baclofen")
            onset = max(1, day - int(self.chart.rng.integers(1, 60)))
            self.chart.adverse_event(
                "Dizziness",
                1,
                onset,
                int(self.chart.rng.integers(1, 15)),
                (course.id,) if course else (),
            )
        if seen < self.threshold:
            self._controlled(day)
        else:
            self._escalate(day, seen)

    def _somnolence(self, day: int) -> bool:
        chart, policy = self.chart, self.chart.config.policy
        drug = (
            "diazepam"
            if "diazepam" in self.rung
            else ("clonazepam" if "clonazepam" in self.rung else None)
        )
        if drug is None:
            return False
        probability = policy.somnolence_base_probability
        probability += policy.somnolence_per_mg * max(0.0, self._daily_mg("diazepam") - 20.0)
        probability += 0.03 if "clonazepam" in self.rung else 0.0
        if chart.rng.random() >= min(probability, 0.5):
            return False
        course = chart.book.active(drug)
        suspected = (course.id,) if course else ()
        onset = max(1, day - int(chart.rng.integers(1, 30)))
        grade = 1 if chart.rng.random() < 0.7 else 2
        duration = int(chart.rng.integers(3, 31))
        if self.switch_prone and drug == "diazepam":
            if self.rung["diazepam"] > 0:
                self._set_rung("diazepam", max(0, self.rung["diazepam"] - 2), day)
            self._stop_oral("diazepam", day + 14, StopReason.ADVERSE_EVENT)
            self.max_rung["diazepam"] = -1  # not restarted
            chart.adverse_event(
                "Somnolence", grade, onset, duration, suspected, AdverseEventAction.DRUG_WITHDRAWN
            )
            if "baclofen" not in self.rung:
                self._start_oral("baclofen", 0, day)
            return True
        if self.rung[drug] > 0 and chart.rng.random() < policy.somnolence_dose_reduction:
            self._set_rung(drug, self.rung[drug] - 1, day)
            if drug in self.max_rung:
                self.max_rung[drug] = self.rung[drug]
            chart.adverse_event(
                "Somnolence", grade, onset, duration, suspected, AdverseEventAction.DOSE_REDUCED
            )
            return True
        chart.adverse_event(
            "Somnolence", grade, onset, duration, suspected, AdverseEventAction.NONE
        )
        return False

    def _controlled(self, day: int) -> None:
        chart, policy, immuno = self.chart, self.chart.config.policy, self.immunotherapy
        if (
            immuno.ivig_active
            and immuno.ivig_interval == 28
            and immuno.ivig_cycles
            and day - immuno.ivig_cycles[0] >= 365
            and chart.rng.random() < policy.ivig_interval_extension
        ):
            immuno.extend_ivig_interval(day, 42)
        elif (
            immuno.rituximab_cycles
            and day - immuno.rituximab_cycles[-1] >= 180
            and chart.rng.random() < policy.rituximab_retreatment
        ):
            immuno.start_rituximab(day)

    def _escalate(self, day: int, seen: int) -> None:
        chart, policy, immuno = self.chart, self.chart.config.policy, self.immunotherapy
        for drug in ("diazepam", "baclofen"):
            if drug in self.rung and self.rung[drug] < self.max_rung[drug]:
                self._set_rung(drug, self.rung[drug] + 1, day)
                return
            if drug == "baclofen" and drug not in chart.first_start:
                self._start_oral("baclofen", 0, day)
                return
        adjunct = self.adjunct
        if adjunct is not None and adjunct not in chart.first_start:
            self._start_oral(adjunct, 0, day)
            if adjunct == "tizanidine":
                chart.order(day, "liver")
            return
        if adjunct in self.rung and self.rung[adjunct] < len(ORAL_LADDERS[adjunct].steps) - 1:
            self._set_rung(adjunct, self.rung[adjunct] + 1, day)
            if (
                adjunct == "tizanidine"
                and self.rung[adjunct] == len(ORAL_LADDERS[adjunct].steps) - 1
            ):
                if chart.rng.random() < policy.tizanidine_lft_gap:
                    chart.issue(
                        "tizanidine_without_transaminases",
                        day + 30,
                        "no ALT/AST one month after the maximum dose",
                    )
                else:
                    chart.order(day + 30, "liver")
            return
        if (
            not immuno.ivig_started
            and self.ivig_access
            and immuno.start_ivig(day, self.last_weight)
        ):
            return
        trial_over = (
            bool(immuno.ivig_cycles) and day - immuno.ivig_cycles[0] >= policy.ivig_trial_days
        )
        if immuno.ivig_started and self.after_ivig is None and (immuno.ivig_failed or trial_over):
            immuno.ivig_failed = True
            if immuno.ivig_active and chart.rng.random() < policy.ivig_stop_on_failure:
                immuno.stop_ivig(day, StopReason.INEFFECTIVE)
            rituximab = chart.rng.random() < policy.rituximab_after_ivig_failure
            self.after_ivig = "rituximab" if rituximab else "plasmapheresis"
            if self._second_line(day):
                return
        elif self.after_ivig is not None and self._second_line(day):
            return
        severe = self.severe and seen >= policy.severe_stiffness_index
        if (
            severe
            and not self.pump.implanted
            and self.itb_access
            and (immuno.ivig_started or not self.ivig_access)
        ):
            self.pump.implant(day, seen)

    def _second_line(self, day: int) -> bool:
        immuno, policy = self.immunotherapy, self.chart.config.policy
        if (
            self.after_ivig == "plasmapheresis"
            and len(immuno.plasmapheresis_series) < policy.max_plasmapheresis_series
        ):
            return immuno.start_plasmapheresis(day)
        if not immuno.rituximab_cycles:
            return immuno.start_rituximab(day)
        return False

    # --- one-off events ---------------------------------------------------------------------
    def _abrupt_stop(self, day: int) -> None:
        chart, effects = self.chart, self.chart.config.effects
        stop = day + int(chart.rng.integers(7, 46))
        daily = self._daily_mg("diazepam")
        self.restart_rung = self.rung["diazepam"]
        self._stop_oral("diazepam", stop, StopReason.PATIENT_CHOICE)
        chart.set_level(
            "benzodiazepine_withdrawal", "withdrawal", -effects.withdrawal_rebound_points, stop
        )
        chart.set_level(
            "benzodiazepine_withdrawal", "withdrawal", 0.0, stop + effects.withdrawal_days
        )
        if chart.within(stop):
            chart.issue(
                "abrupt_benzodiazepine_stop",
                stop,
                f"diazepam {daily:g} mg/day stopped without a taper",
            )


def _normalised(weights: tuple[float, ...]) -> list[float]:
    total = sum(weights)
    return [w / total for w in weights]
