"""The response of every (therapy start x outcome) pair of a cohort, computed column-wise.

The method is described in :mod:`spsreg.analysis.response`; this module computes it for all pairs
at once: window statistics from the observation index, then confidence intervals, responder flags,
time to and duration of response as array operations. Only the not-assessable reasons and the
wearing-off of periodic therapies are built per pair.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
import pandas as pd

from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.response_windows import (
    NAT_DAY,
    ObservationIndex,
    WindowStats,
    change_interval,
    day_numbers,
    observation_index,
)
from spsreg.analysis.settings import AnalysisSettings
from spsreg.analysis.starts import therapy_starts
from spsreg.analysis.therapies import THERAPIES
from spsreg.analysis.wearing_off import cycle_starts, wearing_off_arrays

__all__ = ["RESPONSE_COLUMNS", "response_table"]

RESPONSE_COLUMNS: tuple[str, ...] = (
    "patient_id",
    "therapy",
    "event",
    "start_date",
    "outcome",
    "assessable",
    "reason",
    "baseline_mean",
    "baseline_n",
    "on_treatment_mean",
    "on_treatment_n",
    "change",
    "change_low",
    "change_high",
    "relative_change",
    "responder",
    "time_to_response_days",
    "duration_of_response_days",
    "response_censored",
    "wearing_off_early_mean",
    "wearing_off_late_mean",
    "wearing_off_difference",
    "wearing_off_cycles",
    "ref_id",
)
"""Columns of :func:`response_table` (the fields of TherapyResponse, wearing-off flattened)."""

_TOLERANCE = 1e-9


def _next_event_days(starts: pd.DataFrame, events: tuple[str, ...]) -> np.ndarray:
    """Day of the next event of one of ``events`` of the same therapy after each row's day
    (NAT_DAY: none)."""
    day = day_numbers(starts["start_date"])
    left = pd.DataFrame(
        {"patient_id": starts["patient_id"], "therapy": starts["therapy"], "day": day}
    )
    left["row"] = np.arange(len(left))
    right = left[starts["event"].isin(list(events)).to_numpy()][["patient_id", "therapy", "day"]]
    right = right.assign(next_day=right["day"]).sort_values("day", kind="stable")
    merged = pd.merge_asof(
        left.sort_values("day", kind="stable"),
        right,
        on="day",
        by=["patient_id", "therapy"],
        direction="forward",
        allow_exact_matches=False,
    )
    result = np.full(len(starts), NAT_DAY, dtype=np.int64)
    found = merged["next_day"].notna().to_numpy()
    rows = merged["row"].to_numpy()[found]
    result[rows] = merged["next_day"].to_numpy()[found].astype(np.int64)
    return result


def _cut_at_stop(therapy: str) -> bool:
    """Symptomatic drugs act while taken: their on-treatment window ends when they stop.
    Immunotherapies and procedures act beyond their last dose (not cut)."""
    spec = THERAPIES.get(therapy)
    return spec is None or spec.category in ("symptomatic", "adjunct")


def _reasons(
    pairs: pd.DataFrame, base: WindowStats, on: WindowStats, needed: np.ndarray, ctx: dict[str, Any]
) -> list[str | None]:
    reasons: list[str | None] = [None] * len(pairs)
    baseline_days, as_of = ctx["baseline_days"], ctx["as_of"]
    outcomes: list[str] = pairs["outcome"].tolist()
    therapies: list[str] = pairs["therapy"].tolist()
    for i in np.flatnonzero((base.n < needed) | (on.n < needed)).tolist():
        outcome, therapy = outcomes[i], therapies[i]
        what = "diary days" if outcome.startswith("diary_") else "observations"
        parts: list[str] = []
        if base.n[i] < needed[i]:
            where = f"in the {baseline_days} days before the start"
            parts.append(_missing_text(outcome, what, int(base.n[i]), int(needed[i]), where))
        if on.n[i] < needed[i]:
            first, last = int(ctx["win_from"][i]), int(ctx["win_to"][i])
            stop_after = int(ctx["stop_after"][i])
            if 0 <= stop_after < first:
                parts.append(
                    f"{therapy} stopped on day {stop_after} after the start, before the "
                    f"on-treatment window (days {first}-{last})"
                )
            elif ctx["window_open"][i]:
                parts.append(
                    f"the on-treatment window (days {first}-{last} after the start) is not over "
                    f"by the analysis date {as_of.isoformat()}"
                )
            else:
                where = f"between day {first} and day {last} after the start"
                parts.append(_missing_text(outcome, what, int(on.n[i]), int(needed[i]), where))
        reasons[i] = "; ".join(parts)
    return reasons


def _missing_text(outcome: str, what: str, n: int, needed: int, where: str) -> str:
    if n == 0:
        return f"no {outcome} {where}"
    return f"only {n} {outcome} {what} {where} (at least {needed} needed)"


def _durations(
    index: ObservationIndex,
    group: np.ndarray,
    response_at: np.ndarray,
    horizon: np.ndarray,
    baseline: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Days from the response to the first later observation at/above baseline (else censored)."""
    day_at = index.days[response_at]
    _, end = index.bounds(group, day_at, horizon)
    end = np.maximum(end, response_at + 1)
    relapse = index.first_meeting(response_at + 1, end, baseline - _TOLERANCE, at_most=False)
    last_seen = index.days[end - 1]
    relapsed = relapse >= 0
    stop_day = np.where(relapsed, index.days[np.maximum(relapse, 0)], last_seen)
    return (stop_day - day_at).astype(np.float64), ~relapsed


def _wearing_off_columns(
    frames: CohortFrames,
    pairs: pd.DataFrame,
    index: ObservationIndex,
    group: np.ndarray,
    end_day: np.ndarray,
    start_day: np.ndarray,
    settings: AnalysisSettings,
) -> dict[str, np.ndarray]:
    n = len(pairs)
    periodic = [t for t, spec in THERAPIES.items() if spec.periodic]
    rows = np.flatnonzero(pairs["therapy"].isin(periodic).to_numpy())
    if rows.size == 0:
        return {k: np.full(n, np.nan) for k in ("early", "late", "difference", "cycles")}
    events = frames.therapy_events
    given = events[(events["kind"] == "administration") & events["therapy"].isin(periodic)]
    given_days = day_numbers(given["date"])
    days_of: dict[tuple[Any, ...], np.ndarray] = {
        cast(tuple[Any, ...], key): np.sort(given_days[positions])
        for key, positions in given.groupby(["patient_id", "therapy"], sort=False).indices.items()
    }
    patients: list[str] = pairs["patient_id"].tolist()
    therapies: list[str] = pairs["therapy"].tolist()
    owners: list[np.ndarray] = []
    firsts: list[np.ndarray] = []
    nexts: list[np.ndarray] = []
    cycles_of: dict[tuple[Any, ...], np.ndarray] = {}
    for i in rows.tolist():
        key = (patients[i], therapies[i], int(start_day[i]), int(end_day[i]))
        starts = cycles_of.get(key)
        if starts is None:
            all_days = days_of.get(key[:2], np.zeros(0, dtype=np.int64))
            own = all_days[(all_days >= key[2]) & (all_days <= key[3])]
            starts = cycles_of[key] = cycle_starts(own, settings.cycle_gap_days)
        if starts.size >= 2:
            owners.append(np.full(starts.size - 1, i, dtype=np.int64))
            firsts.append(starts[:-1])
            nexts.append(starts[1:])
    if not owners:
        return {k: np.full(n, np.nan) for k in ("early", "late", "difference", "cycles")}
    return wearing_off_arrays(
        index,
        group,
        np.concatenate(owners),
        np.concatenate(firsts),
        np.concatenate(nexts),
        settings,
    )


def response_table(frames: CohortFrames, settings: AnalysisSettings) -> pd.DataFrame:
    """One row per (start x outcome), in start order then ``settings.outcomes`` order."""
    as_of_day = int(np.datetime64(frames.as_of, "D").astype(np.int64))
    starts = therapy_starts(frames, settings)
    starts = starts[day_numbers(starts["start_date"]) <= as_of_day].reset_index(drop=True)
    outcomes = list(settings.outcomes)
    k = len(outcomes)
    take = np.repeat(np.arange(len(starts)), k)
    pairs = starts.iloc[take].reset_index(drop=True)
    pairs["outcome"] = np.tile(np.array(outcomes, dtype=object), len(starts))
    index = observation_index(frames.outcomes, frames.as_of)
    group = index.groups(pairs["patient_id"].to_numpy(), pairs["outcome"].to_numpy())
    start = day_numbers(pairs["start_date"])
    windows = [settings.window_for(t) for t in starts["therapy"]]
    win_from = np.repeat(np.array([w[0] for w in windows], dtype=np.int64), k)
    win_to = np.repeat(np.array([w[1] for w in windows], dtype=np.int64), k)
    cut = np.repeat(np.array([_cut_at_stop(t) for t in starts["therapy"]], dtype=bool), k)
    stop = day_numbers(pairs["episode_stop"])
    stopped = cut & (stop != NAT_DAY)
    next_event = _next_event_days(starts, ("start", "restart", "dose_change"))[take]
    next_start = _next_event_days(starts, ("start", "restart"))[take]
    # The day a therapy stops or changes belongs to the old regimen (assessed before the change).
    on_last = np.where(stopped, np.minimum(start + win_to, stop), start + win_to)
    on_last = np.where(next_event != NAT_DAY, np.minimum(on_last, next_event), on_last)
    base = index.window(group, start - settings.baseline_days, start)
    on = index.window(group, start + win_from, np.minimum(on_last, as_of_day))
    needed = np.tile(np.array([settings.min_observations(o) for o in outcomes]), len(starts))
    assessable = (base.n >= needed) & (on.n >= needed)
    change = np.where(assessable, on.mean - base.mean, np.nan)
    low, high = change_interval(base, on, assessable, settings.confidence_level)
    absolute = np.tile(
        np.array([settings.responder_absolute_change.get(o, np.nan) for o in outcomes]),
        len(starts),
    )
    has_absolute = ~np.isnan(absolute)
    with np.errstate(divide="ignore", invalid="ignore"):
        relative = np.where(assessable & (base.mean != 0), change / base.mean, np.nan)
    fall = np.where(has_absolute, absolute, settings.responder_relative_change * base.mean)
    judged = assessable & (has_absolute | (base.mean > 0))
    responder = judged & (change <= -fall + _TOLERANCE)
    horizon = np.where(next_start != NAT_DAY, np.minimum(next_start, as_of_day), as_of_day)
    ttr = np.full(len(pairs), np.nan)
    duration = np.full(len(pairs), np.nan)
    censored = np.zeros(len(pairs), dtype=bool)
    who = np.flatnonzero(responder)
    if who.size:
        criterion = base.mean[who] - fall[who] + _TOLERANCE
        first = index.first_meeting(on.lo[who], on.hi[who], criterion, at_most=True)
        ttr[who] = index.days[first] - start[who]
        duration[who], censored[who] = _durations(
            index, group[who], first, horizon[who], base.mean[who]
        )
    end_day = np.minimum(np.where(stop != NAT_DAY, stop, as_of_day), horizon)
    worn = _wearing_off_columns(frames, pairs, index, group, end_day, start, settings)
    context = {
        "baseline_days": settings.baseline_days,
        "as_of": frames.as_of,
        "win_from": win_from,
        "win_to": win_to,
        "stop_after": np.where(stopped, stop - start, -1),
        "window_open": start + win_to > as_of_day,
    }
    result = pd.DataFrame(
        {
            "patient_id": pairs["patient_id"].to_numpy(dtype=object),
            "therapy": pairs["therapy"].to_numpy(dtype=object),
            "event": pairs["event"].to_numpy(dtype=object),
            "start_date": pairs["start_date"].to_numpy(dtype="datetime64[ns]"),
            "outcome": pairs["outcome"].to_numpy(dtype=object),
            "assessable": assessable,
            "reason": np.array(_reasons(pairs, base, on, needed, context), dtype=object),
            "baseline_mean": base.mean,
            "baseline_n": base.n.astype(np.int64),
            "on_treatment_mean": on.mean,
            "on_treatment_n": on.n.astype(np.int64),
            "change": change,
            "change_low": low,
            "change_high": high,
            "relative_change": relative,
            "responder": pd.array(np.where(judged, responder, False), dtype="boolean"),
            "time_to_response_days": ttr,
            "duration_of_response_days": duration,
            "response_censored": censored,
            "wearing_off_early_mean": worn["early"],
            "wearing_off_late_mean": worn["late"],
            "wearing_off_difference": worn["difference"],
            "wearing_off_cycles": worn["cycles"],
            "ref_id": pairs["ref_id"].to_numpy(dtype=object),
        },
        columns=list(RESPONSE_COLUMNS),
    )
    result.loc[~judged, "responder"] = pd.NA
    return result
