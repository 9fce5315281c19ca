"""What the patient page shows, assembled from lean, scoped reads (never the whole record).

A clinician's first look at one patient: who they are (identifiers only for the patient's own
site), their latest score on every scale with its range, the medications they take now (dose,
unit, route, frequency), their antibody status, current monitoring alerts with the reason and
source of each, adverse events and a summary of the recent diary. The content and wording follow
``spsreg patients show`` (:func:`spsreg.domain.overview.patient_overview`), but the data come from
the store's columnar reads instead of a loaded ``PatientRecord``: a record holds years of daily
diary entries, and the page needs four weeks of them.

Reads: the patient row (:meth:`Registry.get`), the identifiers for the patient's own site staff
(access-logged by the store), one :meth:`Registry.iter_analysis_rows` batch (de-identified rows:
visits and assessments, courses, antibody results, adverse events), the diary of the summary's
four weeks with the day of the latest entry (:func:`spsreg.store.diary_reads.recent_diary_rows`)
and the patient's alerts. With the app's :class:`~spsreg.services.worklist_cache.WorklistCache`
the alerts are the patient's entries of the cached worklist of their site, brought up to date from
the audit trail first (so the page shows what the worklist shows, without evaluating the rules
again per page); without it, :func:`spsreg.services.monitoring.worklist` evaluates the patient.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from spsreg.analysis.antibody_status import gad65_status, glyr_status
from spsreg.domain import Patient, PatientIdentifiers
from spsreg.domain.assessments import Assessment
from spsreg.domain.exposure import daily_diazepam_equivalent_mg
from spsreg.domain.labs import LabResult, QualitativeResult
from spsreg.domain.overview import ANTIBODY_ANALYTES
from spsreg.domain.scales import (
    SCALE_IDS,
    ScaleError,
    ScaleScore,
    scale_definition,
    score_assessment,
)
from spsreg.knowledge.pack import KnowledgePack, load_knowledge_pack
from spsreg.knowledge.vocabulary import AssayMethod, Specimen
from spsreg.monitoring import RuleBook, SiteMonitoringConfig
from spsreg.services.monitoring import (
    WorklistEntry,
    load_site_config,
    require_worklist_reader,
    worklist,
)
from spsreg.services.patient_rows import (
    DIARY_SUMMARY_DAYS,
    AdverseEventLine,
    DiarySummary,
    MedicationLine,
    adverse_event_lines,
    diary_summary,
    diary_window,
    medication_lines,
)
from spsreg.services.worklist_cache import WorklistCache
from spsreg.store import Actor, NotFoundError, RecordKind, Registry
from spsreg.store.analysis_rows import AnalysisRows
from spsreg.store.diary_reads import recent_diary_rows

__all__ = [
    "DIARY_SUMMARY_DAYS",
    "AdverseEventLine",
    "DiarySummary",
    "MedicationLine",
    "PatientPage",
    "ScoreLine",
    "age_in_years",
    "cached_score",
    "patient_page",
    "site_monitoring_config",
]


@dataclass(frozen=True)
class ScoreLine:
    """The latest score of one scale: its latest complete assessment on or before the day shown,
    else its latest one (then ``complete`` is False). ``total`` is None for scales without a
    total (their ``subscores`` are shown instead); ``minimum``/``maximum``/``unit`` give the
    range of the total from the scale's definition."""

    scale_id: str
    scale_name: str
    assessed_on: date
    total: float | None
    minimum: float | None
    maximum: float | None
    unit: str | None
    band: str | None
    complete: bool
    subscores: dict[str, float | None]


@dataclass(frozen=True)
class PatientPage:
    """Everything the patient page shows on ``as_of``.

    ``identifiers`` is None unless the viewer is staff of the patient's own site. ``alerts`` are
    the patient's current alerts (those a clinician's decision keeps quiet are left out and
    counted in ``silenced_alerts``); empty for roles without a worklist.
    """

    as_of: date
    patient: Patient
    identifiers: PatientIdentifiers | None
    gad65_status: str
    glyr_status: str
    antibodies: tuple[LabResult, ...]
    latest_scores: tuple[ScoreLine, ...]
    medications: tuple[MedicationLine, ...]
    diazepam_equivalent_mg_per_day: float | None
    alerts: tuple[WorklistEntry, ...]
    silenced_alerts: int
    adverse_events: tuple[AdverseEventLine, ...]
    diary: DiarySummary


def age_in_years(birth_year_month: str, on: date) -> int:
    """Completed years on ``on`` for someone born in ``birth_year_month`` (YYYY-MM), counting the
    birthday as the first of the month (the registry keeps no birth day outside identifiers)."""
    year, month = (int(part) for part in birth_year_month.split("-"))
    return on.year - year - (1 if on.month < month else 0)


def patient_page(
    registry: Registry,
    actor: Actor,
    patient_id: str,
    *,
    as_of: date,
    channel: str = "store",
    config: SiteMonitoringConfig | None = None,
    rules: RuleBook | None = None,
    pack: KnowledgePack | None = None,
    worklist_cache: WorklistCache | None = None,
) -> PatientPage:
    """The page of ``patient_id`` on ``as_of`` for ``actor`` (:class:`NotFoundError` when the
    patient is not in the actor's scope). Researchers and patients have no patient page: they
    get :class:`~spsreg.store.ScopeError` before anything is read. ``worklist_cache``: take the
    alerts from it (unless other ``rules`` than the shipped ones are given)."""
    require_worklist_reader(actor)
    pack = pack if pack is not None else load_knowledge_pack()
    patient: Patient = registry.get(actor, RecordKind.PATIENT, patient_id, channel=channel).record
    identifiers: PatientIdentifiers | None = None
    if actor.sees_identifiers_of(patient.site_id):
        try:
            identifiers = registry.get(
                actor, RecordKind.IDENTIFIERS, patient_id, channel=channel
            ).record
        except NotFoundError:
            identifiers = None  # none recorded
    rows = _analysis_rows(registry, actor, patient_id, as_of)
    recent, latest_entry = recent_diary_rows(registry, actor, patient_id, *diary_window(as_of))
    antibodies = _antibodies(rows)
    medications, courses = medication_lines(rows.courses, as_of, pack)
    alerts, silenced = _alerts(registry, actor, patient_id, as_of, config, rules, worklist_cache)
    return PatientPage(
        as_of=as_of,
        patient=patient,
        identifiers=identifiers,
        gad65_status=gad65_status(antibodies, as_of, pack),
        glyr_status=glyr_status(antibodies, as_of),
        antibodies=_latest_antibodies(antibodies),
        latest_scores=_latest_scores(rows),
        medications=medications,
        diazepam_equivalent_mg_per_day=daily_diazepam_equivalent_mg(courses, as_of, pack),
        alerts=alerts,
        silenced_alerts=silenced,
        adverse_events=adverse_event_lines(rows.adverse_events),
        diary=diary_summary(recent, as_of, latest_entry=latest_entry),
    )


def _alerts(
    registry: Registry,
    actor: Actor,
    patient_id: str,
    as_of: date,
    config: SiteMonitoringConfig | None,
    rules: RuleBook | None,
    cache: WorklistCache | None,
) -> tuple[tuple[WorklistEntry, ...], int]:
    """The patient's shown alerts and how many a decision keeps quiet."""
    if cache is None or rules is not None:
        listed = worklist(
            registry, actor, as_of, patient_ids=[patient_id], config=config, rules=rules
        )
        return listed.entries, listed.silenced_hidden
    # Current to the audit trail (an edit just saved shows at once), without waiting for the
    # site's worklist to catch up with other patients' changes.
    own = cache.patient_entries(registry, actor, patient_id, as_of, config=config)
    shown = tuple(entry for entry in own if entry.silenced_by is None)
    return shown, len(own) - len(shown)


def _analysis_rows(registry: Registry, actor: Actor, patient_id: str, as_of: date) -> AnalysisRows:
    for batch in registry.iter_analysis_rows(
        actor,
        as_of=as_of,
        scale_ids=SCALE_IDS,
        lab_analytes=ANTIBODY_ANALYTES,
        patient_ids=[patient_id],
        with_diary=False,  # the summary reads only its own weeks (recent_diary_rows)
    ):
        return batch
    raise NotFoundError(f"patient {patient_id} not found")


def _antibodies(rows: AnalysisRows) -> list[LabResult]:
    return [
        LabResult.model_construct(
            id=lab_id,
            analyte=analyte,
            collected_on=collected_on,
            specimen=Specimen(specimen),
            method=AssayMethod(method),
            value=value,
            unit=unit,
            qualitative=None if qualitative is None else QualitativeResult(qualitative),
            titre_denominator=titre,
            laboratory=None,
        )
        for (
            _,
            lab_id,
            analyte,
            collected_on,
            specimen,
            method,
            value,
            unit,
            qualitative,
            titre,
        ) in rows.labs
    ]


def _latest_antibodies(results: list[LabResult]) -> tuple[LabResult, ...]:
    """The latest result of each antibody, specimen and method (as ``spsreg patients show``)."""
    latest: dict[tuple[str, str, str], LabResult] = {}
    for result in sorted(results, key=lambda r: (r.collected_on, r.id)):
        latest[(result.analyte, result.specimen.value, result.method.value)] = result
    return tuple(latest[key] for key in sorted(latest))


def _latest_scores(rows: AnalysisRows) -> tuple[ScoreLine, ...]:
    """Each scale's latest complete score, else its latest score (as the domain overview picks
    it), looking from the newest assessment back and scoring only as many as needed."""
    visit_dates = {visit_id: visit_date for _, visit_id, visit_date in rows.visits}
    by_scale: dict[str, list[tuple[date, str, str]]] = {}
    for _, _assessment_id, visit_id, scale_id, version, text in rows.assessments:
        if visit_id in visit_dates:
            by_scale.setdefault(scale_id, []).append((visit_dates[visit_id], version, text))
    lines = []
    for scale_id in sorted(by_scale):
        chosen: tuple[date, ScaleScore] | None = None
        # Newest first; on one day the later assessment in record order wins, as in the domain.
        for assessed_on, version, text in sorted(
            reversed(by_scale[scale_id]), key=lambda a: a[0], reverse=True
        ):
            score = cached_score(scale_id, version, text)
            if score is None:
                continue  # a stored answer set the current scale cannot score is not shown
            if score.complete:
                chosen = (assessed_on, score)
                break
            if chosen is None:
                chosen = (assessed_on, score)  # the latest, kept unless a complete one is found
        if chosen is not None:
            lines.append(_score_line(scale_id, *chosen))
    return tuple(lines)


def _score_line(scale_id: str, assessed_on: date, score: ScaleScore) -> ScoreLine:
    definition = scale_definition(scale_id)
    total = definition.scoring.total
    return ScoreLine(
        scale_id=scale_id,
        scale_name=definition.name,
        assessed_on=assessed_on,
        total=score.total,
        minimum=None if total is None else total.minimum,
        maximum=None if total is None else total.maximum,
        unit=None if total is None else total.unit,
        band=score.band,
        complete=score.complete,
        subscores=dict(score.subscores),
    )


@functools.lru_cache(maxsize=65536)
def cached_score(scale_id: str, version: str, responses_json: str) -> ScaleScore | None:
    """The domain's score of a stored answer set (None when the scale cannot score it), computed
    once per distinct answer set: a registry repeats the same answers many times."""
    assessment = Assessment.model_construct(
        id="stored", scale_id=scale_id, scale_version=version, responses=json.loads(responses_json)
    )
    try:
        return score_assessment(assessment)
    except ScaleError:
        return None


@functools.cache
def site_monitoring_config(path: Path | None) -> SiteMonitoringConfig | None:
    """A site's monitoring configuration file, read and checked once per path (None: none)."""
    return None if path is None else load_site_config(path)
