"""How long the relief after a plasmapheresis series lasts, from daily diaries.

Visits every 3-6 months cannot see a relief of a few weeks; diaries can. For each series (first
to last exchange, one procedure record) the diary entries from a few days after the first exchange
to ``follow_days`` after the last one are fitted with a level that is lower while the relief lasts
and returns to a plateau when it ends::

    y(t) = mu - delta * h(t),   h = 1 until day D after the last exchange,
                                h = exp(-(t - D) / tau) afterwards (tau = 0: a step)

``mu`` and ``delta >= 0`` belong to the series; the relief duration ``D`` belongs to the patient
(shared by the patient's series) and is found by least squares over whole days 0..max. The fade
time constant ``tau`` is shared by the cohort and chosen from a grid by the same least squares
(the return is not instantaneous; fitting a step to a gradual return would overstate ``D``).
Because the plateau after the relief is fitted, not assumed equal to the level before the series,
a slow drift or an earlier change wearing off does not pass for the relief.

The analysis window of a series is cut at the next recorded treatment change (a course started or
stopped, another procedure), so that another change is not taken for the end of the relief. A
series needs diary entries both early (during the exchanges and the first week after) and late
(from ``late_from_days``); otherwise it is not assessable and counted as such. The cohort estimate
averages the patients' durations with equal weight, with a t interval on (patients - 1) degrees of
freedom: patients are the independent units.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from spsreg.analysis.effects_common import EffectFit, as_days, not_estimable, t_interval
from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.settings import AnalysisSettings

__all__ = ["PlasmapheresisOptions", "diary_windows", "estimate_benefit_duration"]

_EARLY_UNTIL_DAYS = 7


class PlasmapheresisOptions(BaseModel):
    """Choices of the benefit-duration analysis (analysis conventions, no cited values)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    outcome: str = "diary_stiffness"
    therapy: str = "plasmapheresis"
    settle_days: int = Field(4, ge=0, le=60, description="after the first exchange")
    follow_days: int = Field(60, ge=14, le=365, description="after the last exchange")
    max_duration_days: int = Field(56, ge=1, le=365)
    late_from_days: int = Field(30, ge=1, le=365)
    min_entries_early: int = Field(3, ge=1, le=100)
    min_entries_late: int = Field(7, ge=1, le=365)
    fade_time_constants_days: tuple[float, ...] = (0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0)


def _series(events: pd.DataFrame, therapy: str) -> pd.DataFrame:
    mine = events.loc[events["therapy"] == therapy]
    starts = mine.loc[mine["kind"] == "procedure_start", ["patient_id", "ref_id", "date"]]
    ends = mine.loc[mine["kind"] == "procedure_end", ["ref_id", "date"]]
    series = starts.rename(columns={"date": "first_exchange"}).merge(
        ends.rename(columns={"date": "last_exchange"}), on="ref_id", how="left"
    )
    return series.sort_values(["patient_id", "first_exchange", "ref_id"]).reset_index(drop=True)


def _by_patient(patients: np.ndarray, values: np.ndarray) -> dict[str, np.ndarray]:
    """Sorted values per patient."""
    order = np.lexsort((values, patients))
    patients, values = patients[order], values[order]
    keys, first = np.unique(patients, return_index=True)
    bounds = [*first.tolist(), len(patients)]
    return {str(k): values[bounds[i] : bounds[i + 1]] for i, k in enumerate(keys)}


def _changes(frames: CohortFrames) -> dict[str, np.ndarray]:
    """Per patient, the sorted days of every recorded treatment change."""
    courses, events = frames.courses, frames.therapy_events
    starts = events.loc[events["kind"] == "procedure_start"]
    patients = np.concatenate(
        [courses["patient_id"].to_numpy(object)] * 2 + [starts["patient_id"].to_numpy(object)]
    )
    days = np.concatenate(
        [as_days(courses["start_date"]), as_days(courses["stop_date"]), as_days(starts["date"])]
    )
    known = courses["stop_date"].notna().to_numpy()
    keep = np.concatenate([np.ones(len(courses), bool), known, np.ones(len(starts), bool)])
    return _by_patient(patients[keep], days[keep])


def diary_windows(
    frames: CohortFrames, options: PlasmapheresisOptions
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The series (with ``assessable``) and the diary points of the assessable ones.

    Points carry ``series`` (row of the series table), ``patient_id``, ``days`` (after the last
    exchange) and ``value``.
    """
    series = _series(frames.therapy_events, options.therapy)
    outcomes = frames.outcomes
    diary = outcomes.loc[outcomes["outcome"] == options.outcome]
    diary_days = as_days(diary["date"])
    by_patient = _by_patient(diary["patient_id"].to_numpy(object), np.arange(len(diary)))
    values = diary["value"].to_numpy(dtype=float)
    changes = _changes(frames)
    ended = series["last_exchange"].notna().to_numpy()
    firsts, lasts = as_days(series["first_exchange"]), as_days(series["last_exchange"])
    early, late = np.zeros(len(series), int), np.zeros(len(series), int)
    chunks: list[tuple[int, str, np.ndarray, np.ndarray]] = []
    for k, patient in enumerate(series["patient_id"]):
        if not ended[k]:
            continue
        end = lasts[k] + options.follow_days
        later = changes.get(patient, np.zeros(0, np.int64))
        later = later[later > firsts[k]]
        if len(later):
            end = min(end, int(later[0]) - 1)
        rows = by_patient.get(patient, np.zeros(0, np.int64))
        days = diary_days[rows]
        inside = (days >= firsts[k] + options.settle_days) & (days <= end)
        after_last = days[inside] - lasts[k]
        early[k] = int((after_last < _EARLY_UNTIL_DAYS).sum())
        late[k] = int((after_last >= options.late_from_days).sum())
        chunks.append((k, patient, after_last, values[rows[inside]]))
    series["entries_early"] = early
    series["entries_late"] = late
    series["assessable"] = (
        ended & (early >= options.min_entries_early) & (late >= options.min_entries_late)
    )
    kept = [c for c in chunks if series["assessable"].iat[c[0]]]
    empty_float, empty_text = np.zeros(0), np.zeros(0, dtype=object)
    points = pd.DataFrame(
        {
            "series": np.concatenate(
                [np.full(len(c[2]), c[0]) for c in kept] + [np.zeros(0, dtype=int)]
            ),
            "patient_id": np.concatenate(
                [np.full(len(c[2]), c[1], dtype=object) for c in kept] + [empty_text]
            ),
            "days": np.concatenate([c[2] for c in kept] + [empty_float]).astype(float),
            "value": np.concatenate([c[3] for c in kept] + [empty_float]).astype(float),
        }
    )
    return series, points


def _sse_by_duration(points: pd.DataFrame, tau: float, durations: np.ndarray) -> np.ndarray:
    """Residual sum of squares per series (rows, in series order) and duration (columns).

    ``points`` must be sorted by series (as :func:`diary_windows` returns them).
    """
    series = points["series"].to_numpy()
    starts = np.flatnonzero(np.r_[True, series[1:] != series[:-1]])
    t = points["days"].to_numpy(dtype=float)[:, None]
    y = points["value"].to_numpy(dtype=float)
    after = t - durations[None, :]
    if tau > 0:
        h = np.where(after < 0, 1.0, np.exp(-np.maximum(after, 0.0) / tau))
    else:
        h = (after < 0).astype(float)

    def sums(values: np.ndarray) -> np.ndarray:
        total: np.ndarray = np.add.reduceat(values, starts, axis=0)
        return total

    n = np.diff(np.r_[starts, len(series)]).astype(float)[:, None]
    sy, syy = sums(y)[:, None], sums(y * y)[:, None]
    sh, shh, syh = sums(h), sums(h * h), sums(h * y[:, None])
    cyy = syy - sy * sy / n
    chh = shh - sh * sh / n
    cyh = syh - sh * sy / n
    fitted = (chh > 1e-9) & (cyh < 0)  # relief means lower values while h = 1
    explained = np.where(fitted, cyh * cyh / np.where(chh > 1e-9, chh, 1.0), 0.0)
    sse: np.ndarray = cyy - explained
    return sse


def estimate_benefit_duration(
    frames: CohortFrames, options: PlasmapheresisOptions, settings: AnalysisSettings
) -> EffectFit:
    """Fit every assessable series and average the patients' relief durations (module doc)."""
    level = settings.confidence_level
    method = (
        f"relief duration after the last exchange from {options.outcome}: per series a lower "
        f"level until day D (shared by the patient's series), then an exponential return with a "
        f"cohort time constant, least squares over D = 0..{options.max_duration_days}; patients "
        f"averaged with equal weight; {level:.0%} t interval"
    )
    series, points = diary_windows(frames, options)
    details: dict[str, float | int | str] = {
        "series_recorded": len(series),
        "series_without_end_date": int(series["last_exchange"].isna().sum()),
        "series_assessable": int(series["assessable"].sum()),
        "patients_with_series": int(series["patient_id"].nunique()),
    }
    if series.empty:
        return not_estimable(method, f"no {options.therapy} series recorded", details)
    if points.empty:
        return not_estimable(
            method, f"no {options.therapy} series has {options.outcome} entries around it", details
        )
    durations = np.arange(options.max_duration_days + 1, dtype=float)
    patient_codes, patients = pd.factorize(
        series.loc[np.sort(points["series"].unique()), "patient_id"], sort=True
    )
    best: tuple[float, float, np.ndarray] | None = None
    for tau in options.fade_time_constants_days:
        by_series = _sse_by_duration(points, tau, durations)
        by_patient = np.zeros((len(patients), len(durations)))
        np.add.at(by_patient, patient_codes, by_series)
        total = float(by_patient.min(axis=1).sum())
        if best is None or total < best[0] - 1e-9:
            best = (total, tau, by_patient)
    assert best is not None
    _, tau, by_patient = best
    found = durations[by_patient.argmin(axis=1)]
    per_patient = pd.DataFrame(
        {
            "patient_id": np.asarray(patients, dtype=object),
            "series": np.bincount(patient_codes, minlength=len(patients)),
            "diary_entries": points.groupby("patient_id").size().reindex(patients).to_numpy(),
            "duration_days": found,
        }
    )
    details["fade_time_constant_days"] = float(tau)
    details["patients_at_max_duration"] = int((found >= options.max_duration_days).sum())
    n = len(found)
    if n < 2:
        return not_estimable(
            method, "fewer than 2 patients have an assessable series", details, n, per_patient
        )
    estimate = float(found.mean())
    standard_error = float(found.std(ddof=1) / math.sqrt(n))
    low, high = t_interval(estimate, standard_error, n - 1, level)
    return EffectFit(
        estimate=estimate,
        low=low,
        high=high,
        standard_error=standard_error,
        n_patients=n,
        method=method,
        details=details,
        per_patient=per_patient,
    )
