"""The analytics service: cohort frames loaded from the store, and the analyses run over them.

:func:`load_cohort` reads the registry with the columnar loader
(:meth:`spsreg.store.Registry.iter_analysis_rows`: within the actor's scope, de-identified, nothing
after ``as_of``) and builds the tidy :class:`~spsreg.analysis.frames.CohortFrames` column by column
(:mod:`spsreg.services.analysis_frames`): no ``PatientRecord`` is ever built, so a registry of
thousands of patients with daily diaries loads in seconds. The frames equal those of
:func:`spsreg.analysis.frames.frames_from_records` over the same records (a test holds the two paths
to the same frames).

:func:`patient_analysis` runs the per-patient response analysis of one patient (a case study);
:func:`cohort_analysis` the cohort evidence of a filtered cohort (a case series): response rates
with Wilson intervals, time to discontinuation (Kaplan-Meier), a mixed-effects model of an outcome
over time, lines of therapy and the summary table. Figures and documents are drawn from these
results by the caller (:mod:`spsreg.reports`); this service writes no files.

Who may ask: anyone whose scope holds patients (site staff see their own site's patients,
researchers the same without anything identifiable, which the loader never reads for anyone).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from spsreg.analysis.cohort import CohortFilter
from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.lines import line_sequences, therapy_lines
from spsreg.analysis.mixed_model import MixedModelResult, fit_outcome_model
from spsreg.analysis.rates import response_rates
from spsreg.analysis.response import TherapyResponse, cohort_responses, patient_response
from spsreg.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from spsreg.analysis.starts import therapy_starts
from spsreg.analysis.summary import SummaryTable, cohort_summary
from spsreg.analysis.survival import SurvivalResult, time_to_discontinuation
from spsreg.knowledge.pack import KnowledgePack, load_knowledge_pack
from spsreg.monitoring import Alert
from spsreg.services.analysis_frames import ANTIBODY_ANALYTES, OUTCOME_SCALE_IDS, FrameBuilder
from spsreg.services.monitoring import evaluate_patients
from spsreg.store import Actor, NotFoundError, Registry
from spsreg.store.acknowledgements import READING_ROLES

__all__ = [
    "CohortAnalysis",
    "LoadedCohort",
    "PatientAnalysis",
    "cohort_analysis",
    "load_cohort",
    "load_frames",
    "patient_analysis",
]


@dataclass(frozen=True)
class LoadedCohort:
    """The frames of the patients in scope, and each one's registry pseudonym (the key a case
    report is published under; never a name or hospital number)."""

    frames: CohortFrames
    pseudonyms: Mapping[str, str]


def load_cohort(
    registry: Registry,
    actor: Actor,
    *,
    as_of: date,
    site: str | None = None,
    patient_ids: Collection[str] | None = None,
    pack: KnowledgePack | None = None,
    batch_size: int = 500,
) -> LoadedCohort:
    """Frames and pseudonyms of every patient in the actor's scope (or of ``site``, or only
    ``patient_ids``: one outside the scope is :class:`NotFoundError`), as of ``as_of``."""
    builder = FrameBuilder(as_of, pack if pack is not None else load_knowledge_pack())
    for batch in registry.iter_analysis_rows(
        actor,
        as_of=as_of,
        scale_ids=OUTCOME_SCALE_IDS,
        lab_analytes=ANTIBODY_ANALYTES,
        site_id=site,
        patient_ids=patient_ids,
        batch_size=batch_size,
    ):
        builder.add(batch)
    if patient_ids is not None:
        missing = sorted(set(patient_ids) - set(builder.pseudonyms))
        if missing:
            raise NotFoundError(f"patient {missing[0]} not found")
    return LoadedCohort(builder.frames(), dict(builder.pseudonyms))


def load_frames(
    registry: Registry,
    actor: Actor,
    *,
    as_of: date,
    site: str | None = None,
    patient_ids: Collection[str] | None = None,
    pack: KnowledgePack | None = None,
    batch_size: int = 500,
) -> CohortFrames:
    """The tidy frames of the patients in scope as of ``as_of`` (see :func:`load_cohort`)."""
    return load_cohort(
        registry,
        actor,
        as_of=as_of,
        site=site,
        patient_ids=patient_ids,
        pack=pack,
        batch_size=batch_size,
    ).frames


@dataclass(frozen=True)
class PatientAnalysis:
    """One patient's frames (as of the analysis date), pseudonym, responses to each therapy start
    x outcome, and the monitoring alerts on the analysis date (empty for roles without a
    worklist, or when not asked for)."""

    patient_id: str
    pseudonym: str
    frames: CohortFrames
    responses: tuple[TherapyResponse, ...]
    alerts: tuple[Alert, ...]
    settings: AnalysisSettings


def patient_analysis(
    registry: Registry,
    actor: Actor,
    patient_id: str,
    *,
    as_of: date,
    settings: AnalysisSettings = DEFAULT_SETTINGS,
    with_alerts: bool = False,
) -> PatientAnalysis:
    """The response of one patient (in scope, else :class:`NotFoundError`) to every therapy
    start, restart and dose change, for every outcome of ``settings``."""
    loaded = load_cohort(registry, actor, as_of=as_of, patient_ids=[patient_id])
    responses = patient_response(loaded.frames, patient_id, settings)
    alerts: tuple[Alert, ...] = ()
    if with_alerts and actor.role in READING_ROLES:
        found, *_ = evaluate_patients(registry, actor, as_of, patient_ids=[patient_id])
        alerts = tuple(found)
    return PatientAnalysis(
        patient_id=patient_id,
        pseudonym=loaded.pseudonyms[patient_id],
        frames=loaded.frames,
        responses=tuple(responses),
        alerts=alerts,
        settings=settings,
    )


@dataclass(frozen=True)
class CohortAnalysis:
    """The evidence of one cohort (the patients ``cohort_filter`` selects within scope).

    ``therapies`` are the therapies reported (those asked for, else every therapy started in the
    cohort); ``responses`` holds every start x outcome of them; ``rates`` the response rates for
    ``outcome``; ``survival`` one time-to-discontinuation result per medication therapy;
    ``model`` the mixed model of ``outcome`` (None when not asked for); ``timings`` the seconds
    each step took (load, responses, survival, model, other).
    """

    frames: CohortFrames
    pseudonyms: Mapping[str, str]
    cohort_filter: CohortFilter
    outcome: str
    therapies: tuple[str, ...]
    settings: AnalysisSettings
    starts: pd.DataFrame
    responses: pd.DataFrame
    rates: pd.DataFrame
    survival: tuple[SurvivalResult, ...]
    model: MixedModelResult | None
    lines: pd.DataFrame
    sequences: pd.DataFrame
    summary: SummaryTable
    timings: Mapping[str, float] = field(default_factory=dict)

    @property
    def patients(self) -> int:
        return len(self.frames.patients)


def cohort_analysis(
    registry: Registry,
    actor: Actor,
    *,
    as_of: date,
    cohort_filter: CohortFilter | None = None,
    site: str | None = None,
    therapies: Sequence[str] = (),
    outcome: str = "stiffness_index",
    settings: AnalysisSettings = DEFAULT_SETTINGS,
    fit_model: bool = True,
    summary_by: str | None = "phenotype",
) -> CohortAnalysis:
    """Load the patients in scope (of ``site``), keep those ``cohort_filter`` selects (with
    ``therapies`` given: those who started one of them, within the filter's start dates), and
    run the cohort analyses for ``outcome``, limited to ``therapies`` when given."""
    if outcome not in settings.outcomes:
        raise ValueError(f"unknown outcome {outcome!r} (known: {', '.join(settings.outcomes)})")
    chosen = cohort_filter if cohort_filter is not None else CohortFilter()
    if therapies:
        chosen = chosen.model_copy(update={"therapies": tuple(therapies)})
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(step: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[step] = timings.get(step, 0.0) + now - clock
        clock = now

    loaded = load_cohort(registry, actor, as_of=as_of, site=site)
    frames = chosen.apply(loaded.frames)
    lap("load")
    starts = therapy_starts(frames, settings)
    responses = cohort_responses(frames, settings)
    if therapies:
        starts = starts.loc[starts["therapy"].isin(list(therapies))].reset_index(drop=True)
        responses = responses.loc[responses["therapy"].isin(list(therapies))]
        responses = responses.reset_index(drop=True)
    rates = response_rates(responses, outcome, level=settings.confidence_level)
    lap("responses")
    reported = tuple(therapies) or tuple(sorted(set(starts["therapy"].astype(str))))
    course_therapies = set(frames.courses["therapy"].astype(str))
    survival = tuple(
        time_to_discontinuation(frames, therapy, level=settings.confidence_level)
        for therapy in reported
        if therapy in course_therapies or therapy in therapies
    )
    lap("survival")
    model = fit_outcome_model(frames, outcome, settings) if fit_model else None
    lap("model")
    lines = therapy_lines(frames)
    sequences = line_sequences(lines, patient_ids=frames.patients["patient_id"])
    summary = cohort_summary(frames, by=summary_by)
    lap("other")
    return CohortAnalysis(
        frames=frames,
        pseudonyms={pid: loaded.pseudonyms[pid] for pid in frames.patients["patient_id"]},
        cohort_filter=chosen,
        outcome=outcome,
        therapies=reported,
        settings=settings,
        starts=starts,
        responses=responses,
        rates=rates,
        survival=survival,
        model=model,
        lines=lines,
        sequences=sequences,
        summary=summary,
        timings=timings,
    )
