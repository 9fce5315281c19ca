"""One patient's timeline as plain data: what the timeline API returns.

Built from the monitoring's lean rows (:meth:`Registry.iter_timeline_rows` for one patient, the
diary only within the window asked for) and :class:`spsreg.services.timelines.TimelineBuilder`,
so the courses carry the same daily amounts and units the rules see. Scores are the scale totals
of the domain scorer; nothing identifiable is read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from spsreg.domain.scales import ScaleError, scale_definition
from spsreg.knowledge.pack import KnowledgePack, load_knowledge_pack
from spsreg.monitoring.timeline import CourseView, LabView
from spsreg.services.monitoring import require_worklist_reader
from spsreg.services.patient_overview import cached_score
from spsreg.services.timelines import TimelineBuilder
from spsreg.store import Actor, NotFoundError, Registry
from spsreg.store.timeline_rows import AssessmentRow, PatientTimelineRows

__all__ = [
    "DEFAULT_DIARY_DAYS",
    "DiaryPoint",
    "PatientTimelineData",
    "ScorePoint",
    "TherapyEvent",
    "patient_timeline_data",
]

DEFAULT_DIARY_DAYS = 90
"""Diary days returned when no window is asked for: the last 90 up to the day shown."""


@dataclass(frozen=True)
class ScorePoint:
    assessed_on: date
    total: float | None
    complete: bool
    subscores: dict[str, float | None]


@dataclass(frozen=True)
class TherapyEvent:
    """A dated therapy event: an administration (infusion day) or an intrathecal pump refill."""

    kind: str  # "administration" | "pump_refill"
    on: date
    drug_id: str | None
    course_id: str | None
    detail: str


@dataclass(frozen=True)
class DiaryPoint:
    entry_date: date
    sedation: int | None
    falls: int | None


@dataclass(frozen=True)
class PatientTimelineData:
    patient_id: str
    site_id: str
    diary_from: date
    diary_to: date
    courses: tuple[CourseView, ...]
    scores: dict[str, tuple[ScorePoint, ...]]
    labs: tuple[LabView, ...]
    events: tuple[TherapyEvent, ...]
    diary: tuple[DiaryPoint, ...]


def patient_timeline_data(
    registry: Registry,
    actor: Actor,
    patient_id: str,
    *,
    as_of: date,
    diary_from: date | None = None,
    diary_to: date | None = None,
    pack: KnowledgePack | None = None,
) -> PatientTimelineData:
    """The timeline of ``patient_id`` (in the actor's scope, else :class:`NotFoundError`); the
    diary from ``diary_from`` to ``diary_to`` (default: the :data:`DEFAULT_DIARY_DAYS` days up
    to ``as_of``). Staff only (:class:`~spsreg.store.ScopeError` for researchers and
    patients)."""
    require_worklist_reader(actor)
    last = diary_to if diary_to is not None else as_of
    first = diary_from if diary_from is not None else last - timedelta(days=DEFAULT_DIARY_DAYS - 1)
    if first > last:
        raise ValueError("the diary window starts after it ends: give from on or before to")
    rows = _rows(registry, actor, patient_id, first, last)
    timeline = TimelineBuilder(pack if pack is not None else load_knowledge_pack()).build(rows)
    drug_of = {course.id: course.drug_id for course in rows.courses}
    events = [
        TherapyEvent(
            "administration",
            given.given_on,
            drug_of.get(given.course_id),
            given.course_id,
            "" if given.day_of_cycle is None else f"day {given.day_of_cycle} of cycle",
        )
        for given in rows.administrations
    ]
    events += [
        TherapyEvent(
            "pump_refill",
            refill.refilled_on,
            "baclofen",
            None,
            f"{refill.daily_dose_mcg:g} mcg per day",
        )
        for pump in rows.pumps
        for refill in pump.refills
    ]
    return PatientTimelineData(
        patient_id=rows.patient_id,
        site_id=rows.site_id,
        diary_from=first,
        diary_to=last,
        courses=timeline.courses,
        scores=_scores(rows.assessments),
        labs=tuple(lab for analyte in sorted(timeline.labs) for lab in timeline.labs[analyte]),
        events=tuple(sorted(events, key=lambda e: (e.on, e.kind, e.course_id or ""))),
        diary=tuple(DiaryPoint(e.entry_date, e.sedation, e.falls) for e in rows.diary),
    )


def _rows(
    registry: Registry, actor: Actor, patient_id: str, first: date, last: date
) -> PatientTimelineRows:
    for batch in registry.iter_timeline_rows(
        actor, patient_ids=[patient_id], diary_from=first, diary_to=last
    ):
        return batch[0]
    raise NotFoundError(f"patient {patient_id} not found")


def _scores(assessments: list[AssessmentRow]) -> dict[str, tuple[ScorePoint, ...]]:
    """Each scale's scores by date (an answer set the scale cannot score is left out). The
    lean rows carry no scale version: the answers are scored with the scale's current one."""
    series: dict[str, list[ScorePoint]] = {}
    for row in sorted(assessments, key=lambda a: (a.scale_id, a.visit_date)):
        try:
            version = scale_definition(row.scale_id).version
        except ScaleError:
            continue
        score = cached_score(row.scale_id, version, row.responses_json)
        if score is not None:
            series.setdefault(row.scale_id, []).append(
                ScorePoint(row.visit_date, score.total, score.complete, dict(score.subscores))
            )
    return {scale: tuple(points) for scale, points in series.items()}
