"""Time to discontinuation of a therapy (Kaplan-Meier), with censoring explained.

For each patient who started a medication therapy, the clock starts at the first course of their
first dose-change chain of it (dose changes continue a chain; they do not stop the therapy). The
chain ends when its last course stops. A stop for treatment failure (``ineffective``,
``tolerance``), an adverse event, or another reason for giving it up (patient choice, access or
cost, pregnancy, other, unknown) is an *event*. Everything else is *censored*: still on the therapy
at the end of follow-up (or at the analysis date), lost to follow-up while on it, died without
having stopped it, or stopped because the planned course was completed or the disease was in
remission (not a failure of the therapy). Censored patients count as at risk until they leave; the
estimate does not assume they would have stopped.

Only each patient's first chain is used, so that every patient contributes one independent time.
Procedures (plasmapheresis, stem-cell transplant) have no courses to stop and give an empty result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from lifelines import KaplanMeierFitter
from lifelines.utils import median_survival_times

from spsreg.analysis.cohort import frame_document, json_value
from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.therapies import therapy_label

__all__ = [
    "CENSORING_REASONS",
    "EVENT_REASONS",
    "TIMELINE_COLUMNS",
    "SurvivalResult",
    "censoring_note",
    "discontinuation_times",
    "time_to_discontinuation",
]

EVENT_REASONS: dict[str, str] = {
    "ineffective": "it did not work",
    "tolerance": "its effect wore off (tolerance)",
    "adverse_event": "of an adverse event",
    "patient_choice": "the patient chose to stop",
    "access_or_cost": "of access or cost",
    "pregnancy": "of pregnancy",
    "other": "of another reason",
    "unknown": "of an unrecorded reason",
}
"""Stop reasons that count as discontinuation (the event), with plain-language wording."""

CENSORING_REASONS: dict[str, str] = {
    "ongoing": "{n} {was} still on it at the end of follow-up",
    "lost_to_follow_up": "{n} {was} lost to follow-up while on it",
    "died": "{n} died without having stopped it",
    "course_completed": "{n} stopped it as planned (course completed)",
    "remission": "{n} stopped it because the disease was in remission",
}
"""Why a patient's time is censored, as plain-language templates (``{n}`` patients)."""

TIMELINE_COLUMNS: tuple[str, ...] = ("days", "survival", "low", "high", "at_risk")


@dataclass(frozen=True)
class SurvivalResult:
    """Kaplan-Meier estimate of staying on ``therapy`` (days since its first start).

    ``median_days`` is None when the curve never falls to 0.5 (median not reached), and likewise
    each limit of its confidence interval. ``timeline`` has one row per distinct time (from day 0):
    ``days, survival, low, high`` (pointwise interval, lifelines' exponential Greenwood) and
    ``at_risk`` (patients still on the therapy and followed just before that day). ``times`` holds
    each patient's time (see :func:`discontinuation_times`).
    """

    therapy: str
    n: int
    events: int
    censored: int
    median_days: float | None
    median_low: float | None
    median_high: float | None
    timeline: pd.DataFrame
    censoring_note: str
    level: float = 0.95
    event_reasons: tuple[tuple[str, int], ...] = ()
    censoring_reasons: tuple[tuple[str, int], ...] = ()
    times: pd.DataFrame = field(default_factory=pd.DataFrame)

    def at_risk_at(self, days: float) -> int:
        """Patients still at risk at ``days`` (for the numbers-at-risk row under a curve)."""
        if self.times.empty:
            return 0
        return int((self.times["days"] >= days).sum())

    def to_document(self) -> dict[str, Any]:
        """Stable JSON-ready form (NaN -> None)."""
        return {
            "therapy": self.therapy,
            "label": therapy_label(self.therapy),
            "n": self.n,
            "events": self.events,
            "censored": self.censored,
            "confidence_level": self.level,
            "median_days": json_value(self.median_days),
            "median_low": json_value(self.median_low),
            "median_high": json_value(self.median_high),
            "event_reasons": dict(self.event_reasons),
            "censoring_reasons": dict(self.censoring_reasons),
            "censoring_note": self.censoring_note,
            "timeline": frame_document(self.timeline),
        }


def discontinuation_times(frames: CohortFrames, therapy: str) -> pd.DataFrame:
    """One row per patient who started ``therapy``: time on it and why the time ended.

    Columns ``patient_id, start_date, end_date, days, event (bool), reason`` where ``reason`` is a
    key of :data:`EVENT_REASONS` (event) or of :data:`CENSORING_REASONS` (censored).
    """
    courses = frames.courses.loc[frames.courses["therapy"] == therapy]
    if courses.empty:
        return pd.DataFrame(
            {
                "patient_id": pd.Series(dtype=object),
                "start_date": pd.Series(dtype="datetime64[ns]"),
                "end_date": pd.Series(dtype="datetime64[ns]"),
                "days": pd.Series(dtype="float64"),
                "event": pd.Series(dtype=bool),
                "reason": pd.Series(dtype=object),
            }
        )
    ordered = courses.sort_values(["patient_id", "start_date", "course_id"], kind="stable")
    chain_start = ordered.drop_duplicates(["patient_id", "chain_id"], keep="first")
    chain_end = ordered.drop_duplicates(["patient_id", "chain_id"], keep="last")
    chains = chain_start[["patient_id", "chain_id", "start_date"]].merge(
        chain_end[["patient_id", "chain_id", "stop_date", "stop_reason"]],
        on=["patient_id", "chain_id"],
        how="left",
    )
    chains = chains.sort_values(["patient_id", "start_date", "chain_id"], kind="stable")
    first = chains.drop_duplicates("patient_id", keep="first").set_index("patient_id")
    patients = frames.patients.set_index("patient_id").reindex(first.index)
    as_of = pd.Timestamp(frames.as_of)
    recorded_end = patients["follow_up_end"].fillna(as_of)
    follow_up_end = recorded_end.where(recorded_end <= as_of, as_of)

    reason = first["stop_reason"].astype(object)
    stopped = first["stop_date"].notna() & (reason != "dose_changed")
    event = stopped & reason.isin(list(EVENT_REASONS))
    end = first["stop_date"].where(stopped, follow_up_end)
    died = patients["date_of_death"].notna()
    lost = patients["vital_status"] == "lost_to_follow_up"
    censor_reason = np.select(
        [
            stopped & (reason == "course_completed"),
            stopped & (reason == "remission"),
            died | (stopped & (reason == "death")),
            lost,
        ],
        ["course_completed", "remission", "died", "lost_to_follow_up"],
        default="ongoing",
    )
    days = (end - first["start_date"]).dt.days.clip(lower=0).astype(float)
    table = pd.DataFrame(
        {
            "patient_id": first.index.to_numpy(dtype=object),
            "start_date": first["start_date"].to_numpy(),
            "end_date": end.to_numpy(),
            "days": days.to_numpy(),
            "event": event.to_numpy(dtype=bool),
            "reason": np.where(event, reason.astype(str), censor_reason).astype(object),
        }
    )
    return table.sort_values("patient_id", kind="stable").reset_index(drop=True)


def time_to_discontinuation(
    frames: CohortFrames, therapy: str, *, level: float = 0.95
) -> SurvivalResult:
    """Kaplan-Meier time to discontinuation of ``therapy`` (see the module text for the rules)."""
    times = discontinuation_times(frames, therapy)
    n = len(times)
    label = therapy_label(therapy)
    if n == 0:
        return SurvivalResult(
            therapy=therapy,
            n=0,
            events=0,
            censored=0,
            median_days=None,
            median_low=None,
            median_high=None,
            timeline=pd.DataFrame({c: pd.Series(dtype="float64") for c in TIMELINE_COLUMNS}),
            censoring_note=(
                f"No patient in this cohort has a medication course of {label}, so there is "
                "no time to discontinuation to estimate (procedures have no course to stop)."
            ),
            level=level,
            times=times,
        )
    fitter = KaplanMeierFitter(alpha=1.0 - level)
    fitter.fit(times["days"], event_observed=times["event"], label="survival")
    interval = median_survival_times(fitter.confidence_interval_)
    event_counts = _counts(times.loc[times["event"], "reason"], EVENT_REASONS)
    censor_counts = _counts(times.loc[~times["event"], "reason"], CENSORING_REASONS)
    events = int(times["event"].sum())
    return SurvivalResult(
        therapy=therapy,
        n=n,
        events=events,
        censored=n - events,
        median_days=_finite(fitter.median_survival_time_),
        median_low=_finite(interval.iloc[0, 0]),
        median_high=_finite(interval.iloc[0, 1]),
        timeline=_timeline(fitter),
        censoring_note=censoring_note(label, n, event_counts, censor_counts),
        level=level,
        event_reasons=event_counts,
        censoring_reasons=censor_counts,
        times=times,
    )


def censoring_note(
    label: str,
    n: int,
    event_counts: tuple[tuple[str, int], ...],
    censor_counts: tuple[tuple[str, int], ...],
) -> str:
    """Who stopped, who was censored and why, in plain language."""
    events = sum(count for _, count in event_counts)
    censored = sum(count for _, count in censor_counts)
    sentences = [f"{n} {'patient' if n == 1 else 'patients'} started {label}."]
    if events:
        why = "; ".join(f"{count} because {EVENT_REASONS[key]}" for key, count in event_counts)
        sentences.append(f"{events} stopped it ({why}): these are the events.")
    else:
        sentences.append("None stopped it for failure, an adverse event or another reason.")
    if censored:
        why = "; ".join(
            CENSORING_REASONS[key].format(n=count, was="was" if count == 1 else "were")
            for key, count in censor_counts
        )
        sentences.append(
            f"{censored} {'was' if censored == 1 else 'were'} censored ({why}). A censored "
            "patient counts as still on the therapy up to the day their time ends and is then "
            "removed from those at risk; the curve does not assume they would have stopped."
        )
    else:
        sentences.append("No patient was censored.")
    return " ".join(sentences)


def _counts(reasons: pd.Series, order: dict[str, str]) -> tuple[tuple[str, int], ...]:
    counted = reasons.value_counts()
    return tuple((key, int(counted[key])) for key in order if key in counted.index)


def _finite(value: Any) -> float | None:
    number = float(value)
    return number if np.isfinite(number) else None


def _timeline(fitter: KaplanMeierFitter) -> pd.DataFrame:
    survival = fitter.survival_function_.iloc[:, 0]
    bounds = fitter.confidence_interval_
    at_risk = fitter.event_table["at_risk"].reindex(survival.index)
    return pd.DataFrame(
        {
            "days": survival.index.to_numpy(dtype=float),
            "survival": survival.to_numpy(dtype=float),
            "low": bounds.iloc[:, 0].to_numpy(dtype=float),
            "high": bounds.iloc[:, 1].to_numpy(dtype=float),
            "at_risk": at_risk.to_numpy(dtype=float),
        }
    )
