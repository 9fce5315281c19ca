"""One entry point for checking a patient record before it is stored.

It combines the domain's own consistency rules (already enforced when the record was built),
the knowledge-pack checks of :mod:`spsreg.domain.validation` and the scale modules' response
checks, so every importer and form applies the same rules in the same way.
"""

from __future__ import annotations

from datetime import date

from spsreg.domain.assessments import Assessment
from spsreg.domain.record import PatientRecord
from spsreg.domain.scales import validate_responses
from spsreg.domain.validation import ValidationIssue, validate_record
from spsreg.knowledge import KnowledgePack, load_knowledge_pack

__all__ = ["assessment_issues", "check_patient_record"]


def assessment_issues(assessment: Assessment) -> list[ValidationIssue]:
    """Scale-response problems of one assessment, as validation issues relative to it."""
    return [
        ValidationIssue(
            path=f"responses.{issue.item_id}" if issue.item_id else "scale_id",
            field=issue.item_id or "scale_id",
            reason=issue.message,
        )
        for issue in validate_responses(assessment)
    ]


def check_patient_record(
    record: PatientRecord, *, pack: KnowledgePack | None = None, as_of: date | None = None
) -> list[ValidationIssue]:
    """Every problem that would stop ``record`` from being stored; an empty list means valid."""
    return validate_record(
        record,
        pack if pack is not None else load_knowledge_pack(),
        as_of=as_of,
        assessment_validator=assessment_issues,
    )
