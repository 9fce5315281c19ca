"""A clinical trial as registered on ClinicalTrials.gov: what the registry keeps of it.

The record is a frozen value, read from the CT.gov data API v2 study JSON by
:mod:`spsreg.ingest.ctgov` and stored whole by the store (one row per NCT id). It keeps what trial
work in the registry needs: identification, recruitment status, phase and design (a crossover is
analysed differently from a parallel trial), arms and interventions, outcomes, eligibility (the
criteria text, sex and age limits) and the locations (which may name registry sites).

Coded values keep CT.gov's own enumeration codes (:mod:`spsreg.domain.trial_codes`, re-exported
here), so a record reads the same here and on ClinicalTrials.gov; an unknown code is an error, not
silently kept. Age limits are kept as CT.gov wrote them (``"18 Years"``) and parsed into a number and a
unit. Dates may be partial (``YYYY-MM``), as CT.gov allows for start and completion dates.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from spsreg.domain.base import DomainModel
from spsreg.domain.trial_codes import (
    Allocation,
    ArmType,
    EligibleSex,
    EnrollmentType,
    InterventionModel,
    InterventionType,
    MaskedParty,
    Masking,
    Phase,
    PrimaryPurpose,
    RecruitmentStatus,
    StandardAge,
    StudyType,
)

__all__ = [
    "AgeLimit",
    "AgeUnit",
    "Allocation",
    "ArmType",
    "EligibleSex",
    "EnrollmentType",
    "InterventionModel",
    "InterventionType",
    "MaskedParty",
    "Masking",
    "NctId",
    "PartialDate",
    "Phase",
    "PrimaryPurpose",
    "RecruitmentStatus",
    "StandardAge",
    "StudyType",
    "TrialArm",
    "TrialDesign",
    "TrialEligibility",
    "TrialIntervention",
    "TrialLocation",
    "TrialOutcome",
    "TrialRecord",
    "parse_age_limit",
]

_NCT_ID = re.compile(r"^NCT\d{8}$")
_PARTIAL_DATE = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?$")


def _check_nct_id(value: str) -> str:
    if not _NCT_ID.match(value):
        raise ValueError(f"{value!r} is not an NCT number: 'NCT' followed by 8 digits")
    return value


def _check_partial_date(value: str) -> str:
    match = _PARTIAL_DATE.match(value)
    if match is None:
        raise ValueError(f"{value!r} is not a date: write YYYY-MM or YYYY-MM-DD")
    year, month, day = match.groups()
    try:
        date(int(year), int(month), int(day or 1))
    except ValueError as error:
        raise ValueError(f"{value!r} is not a calendar date ({error})") from None
    return value


NctId = Annotated[str, AfterValidator(_check_nct_id)]
"""A ClinicalTrials.gov identifier: ``NCT`` and 8 digits."""

PartialDate = Annotated[str, AfterValidator(_check_partial_date)]
"""A date CT.gov may give to the month only: ``YYYY-MM`` or ``YYYY-MM-DD``."""

Text = Annotated[str, Field(min_length=1, max_length=1000)]
LongText = Annotated[str, Field(min_length=1, max_length=50000)]


class AgeUnit(StrEnum):
    YEARS = "years"
    MONTHS = "months"
    WEEKS = "weeks"
    DAYS = "days"
    HOURS = "hours"
    MINUTES = "minutes"


_DAYS_PER_UNIT = {
    AgeUnit.YEARS: 365.25,
    AgeUnit.MONTHS: 365.25 / 12,
    AgeUnit.WEEKS: 7.0,
    AgeUnit.DAYS: 1.0,
    AgeUnit.HOURS: 1 / 24,
    AgeUnit.MINUTES: 1 / 1440,
}

_AGE = re.compile(r"^(\d+(?:\.\d+)?)\s+(year|month|week|day|hour|minute)s?$", re.IGNORECASE)


class AgeLimit(DomainModel):
    """A minimum or maximum age as CT.gov wrote it (``text``) and as a number with its unit."""

    text: Annotated[str, Field(min_length=1, max_length=40)]
    value: Annotated[float, Field(ge=0)]
    unit: AgeUnit

    def in_years(self) -> float:
        """The limit in years (Julian years of 365.25 days), for comparing with a patient's age."""
        return self.value * _DAYS_PER_UNIT[self.unit] / _DAYS_PER_UNIT[AgeUnit.YEARS]


def parse_age_limit(text: str) -> AgeLimit | None:
    """``"18 Years"`` -> 18 years; ``"N/A"`` (no limit) -> None; anything else -> ValueError."""
    cleaned = text.strip()
    if cleaned.upper() in {"N/A", "NA", "NONE"}:
        return None
    match = _AGE.match(cleaned)
    if match is None:
        raise ValueError(
            f"{text!r} is not an age limit: write a number and a unit, e.g. '18 Years' or '6 Months'"
        )
    return AgeLimit(
        text=cleaned, value=float(match.group(1)), unit=AgeUnit(match.group(2).lower() + "s")
    )


class TrialDesign(DomainModel):
    """``designModule.designInfo``: how participants are allocated, assigned and masked."""

    allocation: Allocation | None = None
    intervention_model: InterventionModel | None = None
    intervention_model_description: LongText | None = None
    primary_purpose: PrimaryPurpose | None = None
    masking: Masking | None = None
    masked_parties: tuple[MaskedParty, ...] = ()


class TrialArm(DomainModel):
    """An arm group: its label, role and the interventions (by name) its participants receive."""

    label: Text
    type: ArmType | None = None
    description: LongText | None = None
    intervention_names: tuple[Text, ...] = ()


class TrialIntervention(DomainModel):
    """An intervention and the arms (by label) that receive it."""

    type: InterventionType
    name: Text
    description: LongText | None = None
    arm_labels: tuple[Text, ...] = ()
    other_names: tuple[Text, ...] = ()


class TrialOutcome(DomainModel):
    """A primary or secondary outcome measure."""

    measure: LongText
    time_frame: LongText | None = None
    description: LongText | None = None


class TrialEligibility(DomainModel):
    """``eligibilityModule``: the criteria as free text plus the structured sex and age limits."""

    criteria: LongText | None = None
    sex: EligibleSex | None = None
    minimum_age: AgeLimit | None = None
    maximum_age: AgeLimit | None = None
    healthy_volunteers: bool | None = None
    standard_ages: tuple[StandardAge, ...] = ()

    @model_validator(mode="after")
    def _limits_in_order(self) -> TrialEligibility:
        low, high = self.minimum_age, self.maximum_age
        if low is not None and high is not None and low.in_years() > high.in_years():
            raise ValueError(f"the minimum age ({low.text}) is above the maximum age ({high.text})")
        return self


class TrialLocation(DomainModel):
    """A participating facility (a location may be a registry site, matched later by name)."""

    facility: Text | None = None
    city: Text | None = None
    state: Text | None = None
    zip: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    country: Text | None = None
    status: RecruitmentStatus | None = None


class TrialRecord(DomainModel):
    """One registered trial (CT.gov study), identified by its NCT number."""

    nct_id: NctId
    brief_title: Text
    official_title: Text | None = None
    acronym: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    overall_status: RecruitmentStatus | None = None
    study_type: StudyType | None = None
    phases: tuple[Phase, ...] = ()
    design: TrialDesign = TrialDesign()
    enrollment_count: Annotated[int, Field(ge=0)] | None = None
    enrollment_type: EnrollmentType | None = None
    arms: tuple[TrialArm, ...] = ()
    interventions: tuple[TrialIntervention, ...] = ()
    primary_outcomes: tuple[TrialOutcome, ...] = ()
    secondary_outcomes: tuple[TrialOutcome, ...] = ()
    eligibility: TrialEligibility = TrialEligibility()
    conditions: tuple[Text, ...] = ()
    keywords: tuple[Text, ...] = ()
    locations: tuple[TrialLocation, ...] = ()
    start_date: PartialDate | None = None
    primary_completion_date: PartialDate | None = None
    completion_date: PartialDate | None = None
    last_update_posted: date | None = None

    @property
    def phase_label(self) -> str | None:
        """The phases joined as CT.gov lists them (``PHASE2/PHASE3``), None when none is given."""
        return "/".join(phase.value for phase in self.phases) or None
