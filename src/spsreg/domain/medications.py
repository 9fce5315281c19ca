"""Medication courses modelled for dose, infusions, and intrathecal baclofen pumps.

A :class:`MedicationCourse` is one regimen held constant from its start to its stop. A dose change
stops the course (reason ``dose_changed``) and starts a new one that names it as
``previous_course_id``; dose eras and daily loads are derived from these (see
:mod:`spsreg.domain.exposure`), never entered by hand.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from spsreg.domain.base import DomainModel, RecordId, require_order
from spsreg.domain.units import DoseUnit
from spsreg.knowledge.vocabulary import Route, TherapyIntent

__all__ = [
    "Administration",
    "Dose",
    "DosingSchedule",
    "IntrathecalPump",
    "MedicationCourse",
    "PumpRefill",
    "Route",
    "StopReason",
    "TherapyIntent",
]


class StopReason(StrEnum):
    DOSE_CHANGED = "dose_changed"
    INEFFECTIVE = "ineffective"
    ADVERSE_EVENT = "adverse_event"
    TOLERANCE = "tolerance"
    PATIENT_CHOICE = "patient_choice"
    COURSE_COMPLETED = "course_completed"
    REMISSION = "remission"
    ACCESS_OR_COST = "access_or_cost"
    PREGNANCY = "pregnancy"
    DEATH = "death"
    OTHER = "other"
    UNKNOWN = "unknown"


class DosingSchedule(StrEnum):
    REGULAR = "regular"  # dose given times_per_period every period_days (e.g. 10 mg 3 times a day)
    AS_NEEDED = "as_needed"  # dose as needed, at most times_per_period every period_days
    CONTINUOUS = "continuous"  # dose per day by continuous delivery (intrathecal pump)
    CYCLIC_COURSE = "cyclic_course"  # dose per course, divided over course_days, every period_days


class Dose(DomainModel):
    value: float = Field(gt=0, allow_inf_nan=False)
    unit: DoseUnit


class MedicationCourse(DomainModel):
    """One dosing regimen of one drug, held constant from start_date until stop_date."""

    id: RecordId
    drug_id: str = Field(min_length=1, max_length=64, description="knowledge-pack drug id")
    route: Route
    intent: TherapyIntent
    schedule: DosingSchedule
    dose: Dose
    times_per_period: int | None = Field(default=None, ge=1, le=24)
    period_days: int | None = Field(default=None, ge=1, le=730)
    course_days: int | None = Field(default=None, ge=1, le=14)
    weight_kg: float | None = Field(default=None, gt=0, le=400)
    start_date: date
    stop_date: date | None = None
    stop_reason: StopReason | None = None
    previous_course_id: RecordId | None = None

    @model_validator(mode="after")
    def _check(self) -> MedicationCourse:
        require_order(self.start_date, self.stop_date, "start_date", "stop_date")
        if (self.stop_date is None) != (self.stop_reason is None):
            raise ValueError(
                "stop_date and stop_reason go together (use stop_reason 'unknown' if not known)"
            )
        schedule = self.schedule
        if schedule in (DosingSchedule.REGULAR, DosingSchedule.AS_NEEDED):
            if schedule is DosingSchedule.REGULAR and (
                self.times_per_period is None or self.period_days is None
            ):
                raise ValueError("a regular schedule needs times_per_period and period_days")
            if self.course_days is not None:
                raise ValueError("course_days applies only to a cyclic course")
        elif schedule is DosingSchedule.CONTINUOUS:
            if self.times_per_period is not None or self.period_days is not None:
                raise ValueError(
                    "a continuous schedule gives the dose per day; omit times_per_period and period_days"
                )
            if self.course_days is not None:
                raise ValueError("course_days applies only to a cyclic course")
        else:
            if self.period_days is None or self.course_days is None:
                raise ValueError("a cyclic course needs period_days (interval) and course_days")
            if self.course_days > self.period_days:
                raise ValueError("course_days is longer than the interval between courses")
        if (
            self.dose.unit.is_per_body_size
            and self.weight_kg is None
            and self.dose.unit.per == "kg"
        ):
            raise ValueError(f"a dose in {self.dose.unit.value} needs weight_kg")
        if self.previous_course_id == self.id:
            raise ValueError("a course cannot continue itself")
        return self

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.stop_date is None or day < self.stop_date)


class Administration(DomainModel):
    """One given dose of a course, e.g. one rituximab infusion or day 2 of an IVIG course."""

    id: RecordId
    course_id: RecordId
    given_on: date
    dose: Dose
    cycle_number: int | None = Field(default=None, ge=1)
    day_of_cycle: int | None = Field(default=None, ge=1)


class PumpRefill(DomainModel):
    """A refill (and reprogramming) of an intrathecal baclofen pump."""

    id: RecordId
    refilled_on: date
    volume_ml: float = Field(gt=0, le=100)
    concentration_mcg_per_ml: float = Field(gt=0, le=10_000)
    daily_dose_mcg: float = Field(gt=0, le=5_000)
    alarm_date: date | None = Field(default=None, description="low-reservoir alarm date programmed")

    @model_validator(mode="after")
    def _check(self) -> PumpRefill:
        require_order(self.refilled_on, self.alarm_date, "refilled_on", "alarm_date")
        return self


class IntrathecalPump(DomainModel):
    id: RecordId
    implanted_on: date
    removed_on: date | None = None
    reservoir_volume_ml: float = Field(gt=0, le=100)
    device: str | None = Field(default=None, min_length=1, max_length=100)
    refills: tuple[PumpRefill, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> IntrathecalPump:
        require_order(self.implanted_on, self.removed_on, "implanted_on", "removed_on")
        for refill in self.refills:
            if refill.volume_ml > self.reservoir_volume_ml:
                raise ValueError(
                    f"refill {refill.id} volume {refill.volume_ml} mL exceeds the reservoir "
                    f"({self.reservoir_volume_ml} mL)"
                )
            if refill.refilled_on < self.implanted_on:
                raise ValueError(f"refill {refill.id} is before the pump was implanted")
        return self
