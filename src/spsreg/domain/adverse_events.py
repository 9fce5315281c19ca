"""Adverse events graded CTCAE-style (grade 1 mild to grade 5 death related to the event)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from spsreg.domain.base import DomainModel, RecordId, require_order

__all__ = ["AdverseEvent", "AdverseEventAction", "AdverseEventOutcome"]


class AdverseEventOutcome(StrEnum):
    RECOVERED = "recovered"
    RECOVERING = "recovering"
    NOT_RECOVERED = "not_recovered"
    RECOVERED_WITH_SEQUELAE = "recovered_with_sequelae"
    FATAL = "fatal"
    UNKNOWN = "unknown"


class AdverseEventAction(StrEnum):
    NONE = "none"
    DOSE_REDUCED = "dose_reduced"
    DOSE_INTERRUPTED = "dose_interrupted"
    DRUG_WITHDRAWN = "drug_withdrawn"
    UNKNOWN = "unknown"


class AdverseEvent(DomainModel):
    id: RecordId
    term: str = Field(
        min_length=1, max_length=120, description="CTCAE-style term, e.g. 'Somnolence'"
    )
    grade: int = Field(ge=1, le=5)
    onset_date: date
    resolved_date: date | None = None
    serious: bool = False
    suspected_course_ids: tuple[RecordId, ...] = ()
    outcome: AdverseEventOutcome = AdverseEventOutcome.UNKNOWN
    action_taken: AdverseEventAction = AdverseEventAction.UNKNOWN

    @model_validator(mode="after")
    def _check(self) -> AdverseEvent:
        require_order(self.onset_date, self.resolved_date, "onset_date", "resolved_date")
        if self.grade == 5 and self.outcome is not AdverseEventOutcome.FATAL:
            raise ValueError("grade 5 (death) requires outcome 'fatal'")
        if self.outcome is AdverseEventOutcome.FATAL and self.grade != 5:
            raise ValueError("outcome 'fatal' requires grade 5")
        if self.grade >= 4 and not self.serious:
            raise ValueError("a grade 4 or 5 event is serious: set serious to true")
        return self
