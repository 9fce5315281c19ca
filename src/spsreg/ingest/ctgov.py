"""ClinicalTrials.gov data API v2 study JSON -> :class:`~spsreg.domain.trials.TrialRecord`.

Accepts what the API returns: one study (``GET /api/v2/studies/{nctId}``: an object with
``protocolSection``) or a page of studies (``GET /api/v2/studies``: ``{"studies": [...],
"nextPageToken": ...}``). Only ``protocolSection`` is read; results, derived and annotation
sections and keys the registry does not keep are ignored. Each study is read whole or rejected:
every problem names the file, the JSON path in CT.gov's terms and the reason, and the other studies
of a page are still read. Pure: the caller reads the file (the registry never fetches from the
internet).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from spsreg.domain.trials import (
    EnrollmentType,
    Phase,
    RecruitmentStatus,
    StudyType,
    TrialRecord,
)
from spsreg.ingest import ctgov_parts
from spsreg.ingest.ctgov_fields import StudyFields, join_path

__all__ = [
    "WHOLE_DOCUMENT",
    "CtgovError",
    "CtgovProblem",
    "CtgovReading",
    "ParsedStudy",
    "parse_ctgov",
    "read_ctgov",
]

WHOLE_DOCUMENT = "-"
"""The ``path`` of a problem with the document as a whole (not a study object or page)."""


@dataclass(frozen=True)
class CtgovProblem:
    """One reason a study (or the whole document) was rejected: where and why."""

    file: str
    path: str
    reason: str
    nct_id: str | None = None

    def __str__(self) -> str:
        study = f" (study {self.nct_id})" if self.nct_id else ""
        return f"{self.file}: {self.path}: {self.reason}{study}"


@dataclass(frozen=True)
class ParsedStudy:
    """A study read without problems, with the path of its object in the document."""

    path: str
    record: TrialRecord


@dataclass(frozen=True)
class CtgovReading:
    """Everything read from one document: the good studies, the problems of the rejected ones,
    and the page token a caller would pass to fetch the next page (None: last or only page)."""

    source: str
    studies: tuple[ParsedStudy, ...]
    problems: tuple[CtgovProblem, ...]
    studies_read: int
    rejected: int
    next_page_token: str | None = None

    @property
    def records(self) -> list[TrialRecord]:
        return [study.record for study in self.studies]


class CtgovError(ValueError):
    """Raised by :func:`parse_ctgov` when any study of the document was rejected."""

    def __init__(self, problems: tuple[CtgovProblem, ...]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = problems


def parse_ctgov(document: object, *, source: str) -> list[TrialRecord]:
    """The trials of a CT.gov study or page; :class:`CtgovError` naming every problem if any
    study could not be read (use :func:`read_ctgov` to keep the good studies of a page)."""
    reading = read_ctgov(document, source=source)
    if reading.problems:
        raise CtgovError(reading.problems)
    return reading.records


def read_ctgov(document: object, *, source: str) -> CtgovReading:
    """Read a parsed JSON document (one study, or a page with ``studies``) from ``source``."""
    if isinstance(document, dict) and "studies" in document:
        return _read_page(document, source)
    if isinstance(document, dict) and "protocolSection" in document:
        parsed, problems = _read_study(document, "", source)
        return CtgovReading(source, tuple(parsed), tuple(problems), 1, 0 if parsed else 1)
    problem = CtgovProblem(
        source,
        WHOLE_DOCUMENT,
        "not ClinicalTrials.gov API v2 study JSON: expected an object with 'protocolSection' "
        "(one study) or 'studies' (a page of studies)",
    )
    return CtgovReading(source, (), (problem,), 0, 0)


def _read_page(document: Mapping[str, Any], source: str) -> CtgovReading:
    studies, token = document["studies"], document.get("nextPageToken")
    problems: list[CtgovProblem] = []
    if token is not None and not isinstance(token, str):
        problems.append(CtgovProblem(source, "nextPageToken", f"expected text, found {token!r}"))
        token = None
    if not isinstance(studies, list):
        problems.append(CtgovProblem(source, "studies", "expected a list of study objects"))
        return CtgovReading(source, (), tuple(problems), 0, 0, token)
    parsed: list[ParsedStudy] = []
    for index, study in enumerate(studies):
        path = join_path("studies", index)
        if not isinstance(study, dict):
            problems.append(CtgovProblem(source, path, "expected a study object"))
            continue
        good, bad = _read_study(study, path, source)
        parsed += good
        problems += bad
    rejected = len(studies) - len(parsed)
    return CtgovReading(source, tuple(parsed), tuple(problems), len(studies), rejected, token)


def _read_study(
    study: Mapping[str, Any], path: str, source: str
) -> tuple[list[ParsedStudy], list[CtgovProblem]]:
    fields = StudyFields()
    record = _study_record(fields, study, path)
    nct_id = _nested_text(study, "protocolSection", "identificationModule", "nctId")
    problems = [CtgovProblem(source, where, why, nct_id) for where, why in fields.problems]
    if problems or record is None:
        return [], problems or [CtgovProblem(source, path or WHOLE_DOCUMENT, "unreadable study")]
    return [ParsedStudy(path or WHOLE_DOCUMENT, record)], []


def _study_record(fields: StudyFields, study: Mapping[str, Any], path: str) -> TrialRecord | None:
    here = join_path(path, "protocolSection")
    protocol = fields.obj(study, "protocolSection", path)
    ident_path = join_path(here, "identificationModule")
    ident = fields.obj(protocol, "identificationModule", here)
    if not ident:
        fields.problem(ident_path, "missing: every study needs its nctId and briefTitle")
        return None
    status_path = join_path(here, "statusModule")
    status = fields.obj(protocol, "statusModule", here)
    design_path = join_path(here, "designModule")
    design = fields.obj(protocol, "designModule", here)
    enrollment_path = join_path(design_path, "enrollmentInfo")
    enrollment = fields.obj(design, "enrollmentInfo", design_path)
    conditions_path = join_path(here, "conditionsModule")
    conditions = fields.obj(protocol, "conditionsModule", here)
    outcomes_path = join_path(here, "outcomesModule")
    outcomes = fields.obj(protocol, "outcomesModule", here)
    arms = ctgov_parts.arms_and_interventions(fields, protocol, here)
    paths = {
        "": here,
        "nct_id": join_path(ident_path, "nctId"),
        "brief_title": join_path(ident_path, "briefTitle"),
        "official_title": join_path(ident_path, "officialTitle"),
        "acronym": join_path(ident_path, "acronym"),
        "enrollment_count": join_path(enrollment_path, "count"),
        "conditions": join_path(conditions_path, "conditions"),
        "keywords": join_path(conditions_path, "keywords"),
        "start_date": join_path(status_path, "startDateStruct.date"),
        "primary_completion_date": join_path(status_path, "primaryCompletionDateStruct.date"),
        "completion_date": join_path(status_path, "completionDateStruct.date"),
        "last_update_posted": join_path(status_path, "lastUpdatePostDateStruct.date"),
    }
    values = {
        "nct_id": fields.raw(ident, "nctId"),
        "brief_title": fields.raw(ident, "briefTitle"),
        "official_title": fields.raw(ident, "officialTitle"),
        "acronym": fields.raw(ident, "acronym"),
        "overall_status": fields.code(
            status, "overallStatus", status_path, RecruitmentStatus, "status"
        ),
        "study_type": fields.code(design, "studyType", design_path, StudyType, "study type"),
        "phases": fields.codes(design, "phases", design_path, Phase, "phase"),
        "design": ctgov_parts.design(fields, design, design_path),
        "enrollment_count": fields.raw(enrollment, "count"),
        "enrollment_type": fields.code(
            enrollment, "type", enrollment_path, EnrollmentType, "enrollment type"
        ),
        "arms": arms[0],
        "interventions": arms[1],
        "primary_outcomes": ctgov_parts.outcomes(
            fields, outcomes, "primaryOutcomes", outcomes_path
        ),
        "secondary_outcomes": ctgov_parts.outcomes(
            fields, outcomes, "secondaryOutcomes", outcomes_path
        ),
        "eligibility": ctgov_parts.eligibility(fields, protocol, here),
        "conditions": fields.texts(conditions, "conditions", conditions_path),
        "keywords": fields.texts(conditions, "keywords", conditions_path),
        "locations": ctgov_parts.locations(fields, protocol, here),
        "start_date": fields.date_struct(status, "startDateStruct", status_path),
        "primary_completion_date": fields.date_struct(
            status, "primaryCompletionDateStruct", status_path
        ),
        "completion_date": fields.date_struct(status, "completionDateStruct", status_path),
        "last_update_posted": fields.date_struct(status, "lastUpdatePostDateStruct", status_path),
    }
    # The study's own values first (with the defaults for its parts), so that their problems are
    # reported even when a part failed; the whole record only when every part was read.
    fields.build(TrialRecord, paths, {k: v for k, v in values.items() if k not in _PARTS})
    if fields.problems:
        return None
    return fields.build(TrialRecord, paths, values)


_PARTS = frozenset(
    {
        "design",
        "arms",
        "interventions",
        "primary_outcomes",
        "secondary_outcomes",
        "eligibility",
        "locations",
    }
)


def _nested_text(value: Any, *keys: str) -> str | None:
    """The text at ``keys`` (the NCT number, to name a rejected study), None if not there."""
    for key in keys:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, str) else None
