"""The mutable chart a patient's treatment simulation writes into.

It holds what the treating team records (courses, infusions, procedures, adverse events, lab
orders) next to what only the generator knows (the latent course and its effect channels, the
first start of each therapy line, and the monitoring lapses it deliberately put in, which the
ground truth lists so that monitoring rules can be checked against them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from spsreg.domain.adverse_events import AdverseEvent, AdverseEventAction, AdverseEventOutcome
from spsreg.domain.medications import Administration, Dose
from spsreg.domain.therapies import NonDrugTherapy, Procedure
from spsreg.domain.units import DoseUnit
from spsreg.synth.config import CohortConfig
from spsreg.synth.demographics import PatientProfile
from spsreg.synth.disease import DiseaseCourse
from spsreg.synth.prescribing import CourseBook
from spsreg.synth.response import TreatmentResponse

__all__ = ["LabOrder", "MonitoringIssue", "TreatmentChart"]


@dataclass(frozen=True)
class LabOrder:
    day: int
    panel: str  # see spsreg.synth.labs.PANELS


@dataclass(frozen=True)
class MonitoringIssue:
    """A lapse the generator planted on purpose (e.g. an overdue pump refill)."""

    kind: str
    day: int
    detail: str


@dataclass
class TreatmentChart:
    rng: np.random.Generator
    profile: PatientProfile
    config: CohortConfig
    course: DiseaseCourse
    response: TreatmentResponse
    book: CourseBook
    administrations: list[Administration] = field(default_factory=list)
    procedures: list[Procedure] = field(default_factory=list)
    non_drug: list[NonDrugTherapy] = field(default_factory=list)
    adverse_events: list[AdverseEvent] = field(default_factory=list)
    lab_orders: list[LabOrder] = field(default_factory=list)
    issues: list[MonitoringIssue] = field(default_factory=list)
    first_start: dict[str, int] = field(default_factory=dict)
    levels: dict[str, float] = field(default_factory=dict)

    @property
    def n_days(self) -> int:
        return self.course.channels.n_days

    @property
    def pid(self) -> str:
        return self.profile.patient_id

    def date(self, day: int) -> date:
        return self.profile.enrolment_date + timedelta(days=day)

    def within(self, day: int) -> bool:
        return 0 <= day < self.n_days

    def set_level(self, drug: str, channel: str, level: float, day: int) -> None:
        """Move one drug's target effect to ``level`` from ``day`` (its channel responds)."""
        previous = self.levels.get(drug, 0.0)
        self.levels[drug] = level
        self.course.channels.step(channel, day, level - previous)

    def note_start(self, therapy: str, day: int) -> None:
        self.first_start.setdefault(therapy, day)

    def order(self, day: int, panel: str) -> None:
        if self.within(day):
            self.lab_orders.append(LabOrder(day, panel))

    def issue(self, kind: str, day: int, detail: str) -> None:
        self.issues.append(MonitoringIssue(kind, day, detail))

    def adverse_event(
        self,
        term: str,
        grade: int,
        onset_day: int,
        duration_days: int,
        suspected: tuple[str, ...] = (),
        action: AdverseEventAction = AdverseEventAction.NONE,
        serious: bool | None = None,
    ) -> None:
        """Record a CTCAE-style event; one still unresolved when follow-up ends stays open."""
        if not self.within(onset_day):
            return
        resolved_day = onset_day + duration_days
        resolved = self.within(resolved_day)
        self.adverse_events.append(
            AdverseEvent(
                id=f"{self.pid}-ae{len(self.adverse_events) + 1:03d}",
                term=term,
                grade=grade,
                onset_date=self.date(onset_day),
                resolved_date=self.date(resolved_day) if resolved else None,
                serious=grade >= 3 if serious is None else serious,
                suspected_course_ids=suspected,
                outcome=AdverseEventOutcome.RECOVERED
                if resolved
                else AdverseEventOutcome.RECOVERING,
                action_taken=action,
            )
        )

    def administration(
        self, course_id: str, day: int, value: float, unit: str, cycle: int, day_of_cycle: int
    ) -> None:
        self.administrations.append(
            Administration(
                id=f"{self.pid}-ad{len(self.administrations) + 1:04d}",
                course_id=course_id,
                given_on=self.date(day),
                dose=Dose(value=value, unit=DoseUnit(unit)),
                cycle_number=cycle,
                day_of_cycle=day_of_cycle,
            )
        )
