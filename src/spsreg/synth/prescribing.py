"""The synthetic prescription chart: medication courses with chained dose changes.

A dose change stops the running course (reason ``dose_changed``) and starts a new one naming it as
``previous_course_id``, as the domain model requires. Days are counted from enrolment; a course
still running, or planned to stop, after follow-up ends is left open, except at death, when it is
stopped on the day of death.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from spsreg.domain.medications import (
    Dose,
    DosingSchedule,
    MedicationCourse,
    Route,
    StopReason,
    TherapyIntent,
)
from spsreg.domain.units import DoseUnit
from spsreg.synth.demographics import PatientProfile

__all__ = ["CourseBook", "CourseDraft"]


@dataclass(frozen=True)
class CourseDraft:
    id: str
    drug_id: str
    route: Route
    intent: TherapyIntent
    schedule: DosingSchedule
    dose_value: float
    dose_unit: DoseUnit
    start_day: int
    times_per_period: int | None = None
    period_days: int | None = None
    course_days: int | None = None
    weight_kg: float | None = None
    stop_day: int | None = None
    stop_reason: StopReason | None = None
    previous_course_id: str | None = None

    @property
    def daily_amount(self) -> float:
        """Planned amount per day in the dose unit (regular and continuous schedules)."""
        if self.schedule is DosingSchedule.CONTINUOUS:
            return self.dose_value
        if self.schedule is DosingSchedule.REGULAR and self.times_per_period and self.period_days:
            return self.dose_value * self.times_per_period / self.period_days
        return 0.0


@dataclass
class CourseBook:
    patient_id: str
    n_days: int
    _drafts: list[CourseDraft] = field(default_factory=list)
    _active: dict[str, int] = field(default_factory=dict)  # key -> index into _drafts

    def _next_id(self) -> str:
        return f"{self.patient_id}-mc{len(self._drafts) + 1:03d}"

    def start(self, key: str, draft_fields: CourseDraft) -> CourseDraft:
        """Start a course under ``key`` (e.g. 'diazepam', 'baclofen_it'); the draft's id is set here."""
        if key in self._active:
            raise ValueError(f"a {key} course is already running")
        draft = replace(draft_fields, id=self._next_id())
        self._active[key] = len(self._drafts)
        self._drafts.append(draft)
        return draft

    def active(self, key: str) -> CourseDraft | None:
        index = self._active.get(key)
        return None if index is None else self._drafts[index]

    def stop(self, key: str, day: int, reason: StopReason) -> CourseDraft:
        index = self._active.pop(key)
        draft = replace(self._drafts[index], stop_day=day, stop_reason=reason)
        self._drafts[index] = draft
        return draft

    def change(self, key: str, day: int, **changes: object) -> CourseDraft:
        """Change the regimen from ``day``: stop and chain, or amend a course started that day."""
        index = self._active[key]
        current = self._drafts[index]
        if current.start_day == day:
            self._drafts[index] = replace(current, **changes)  # type: ignore[arg-type]
            return self._drafts[index]
        self.stop(key, day, StopReason.DOSE_CHANGED)
        successor = replace(current, start_day=day, previous_course_id=current.id, **changes)  # type: ignore[arg-type]
        return self.start(key, successor)

    def drafts(self) -> list[CourseDraft]:
        return list(self._drafts)

    def daily_amounts(self, drug_id: str, route: Route = Route.ORAL) -> np.ndarray:
        """Planned amount per day of one drug by one route over follow-up."""
        amounts = np.zeros(self.n_days)
        for draft in self._drafts:
            if draft.drug_id == drug_id and draft.route is route:
                stop = self.n_days if draft.stop_day is None else min(draft.stop_day, self.n_days)
                amounts[draft.start_day : stop] += draft.daily_amount
        return amounts

    def doses_per_day(self) -> dict[str, np.ndarray]:
        """Scheduled oral doses per day, per drug (what a diarist would tick off)."""
        doses: dict[str, np.ndarray] = {}
        for draft in self._drafts:
            if draft.route is not Route.ORAL or draft.schedule is not DosingSchedule.REGULAR:
                continue
            if draft.period_days != 1 or draft.times_per_period is None:
                continue
            stop = self.n_days if draft.stop_day is None else min(draft.stop_day, self.n_days)
            series = doses.setdefault(draft.drug_id, np.zeros(self.n_days, dtype=int))
            series[draft.start_day : stop] = draft.times_per_period
        return doses

    def to_domain(self, profile: PatientProfile) -> list[MedicationCourse]:
        died = profile.date_of_death is not None
        last_day = self.n_days - 1
        courses = []
        for draft in self._drafts:
            stop_day, reason = draft.stop_day, draft.stop_reason
            if stop_day is None or stop_day > last_day:
                stop_day, reason = (last_day, StopReason.DEATH) if died else (None, None)
            courses.append(
                MedicationCourse(
                    id=draft.id,
                    drug_id=draft.drug_id,
                    route=draft.route,
                    intent=draft.intent,
                    schedule=draft.schedule,
                    dose=Dose(value=draft.dose_value, unit=draft.dose_unit),
                    times_per_period=draft.times_per_period,
                    period_days=draft.period_days,
                    course_days=draft.course_days,
                    weight_kg=draft.weight_kg,
                    start_date=profile.date_of(draft.start_day),
                    stop_date=None if stop_day is None else profile.date_of(stop_day),
                    stop_reason=reason,
                    previous_course_id=draft.previous_course_id,
                )
            )
        return courses
