"""The visit table and adjustment terms of the IVIG effect analysis (columnar, no per-row loops).

One row per observation of the outcome, with whether the visit fell in the patient's IVIG
exposure, and the shared adjustment terms in force at the visit: time since the patient's first
observation, the dose level of each other daily medicine, and the time since the first (and the
latest) start of other therapies given as administrations or procedures. A course started on the
visit day is not yet in force at that visit (the visit's decisions act afterwards); a course
stopped on the visit day still is.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from spsreg.analysis.effects_common import NEVER, as_days

__all__ = ["VisitDesign", "build_design"]

_DAYS_PER_YEAR = 365.25
_EVENT_KINDS = ("administration", "procedure_start")


@dataclass(frozen=True)
class VisitDesign:
    """``visits`` (patient_id, date, value, on) and the adjustment ``matrix`` with its ``names``."""

    visits: pd.DataFrame
    matrix: np.ndarray
    names: tuple[str, ...]


def _pairs(visit_codes: np.ndarray, other_codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every (visit row, other row) of the same patient; ``visit_codes`` must be sorted."""
    bounds = np.searchsorted(visit_codes, np.arange(int(visit_codes.max(initial=-1)) + 2))
    valid = np.flatnonzero(other_codes >= 0)
    low, high = bounds[other_codes[valid]], bounds[other_codes[valid] + 1]
    counts = high - low
    others = np.repeat(valid, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    return np.repeat(low, counts) + offsets, others


def _indicator(n: int, rows: np.ndarray) -> np.ndarray:
    column = np.zeros(n)
    column[rows] = 1.0
    return column


def _dose_level_columns(
    codes: np.ndarray, days: np.ndarray, courses: pd.DataFrame, patients: pd.Index, levels: int
) -> dict[str, np.ndarray]:
    """One indicator per (therapy, daily dose level) in force at each visit."""
    n = len(days)
    visit, course = _pairs(codes, patients.get_indexer(pd.Index(courses["patient_id"])))
    active = (as_days(courses["start_date"])[course] < days[visit]) & (
        days[visit] <= as_days(courses["stop_date"])[course]
    )
    visit, course = visit[active], course[active]
    therapy_codes, therapies = pd.factorize(courses["therapy"], sort=True)
    therapy = therapy_codes[course]
    amount = courses["daily_amount"].to_numpy(dtype=float)[course]
    total = np.zeros((n, len(therapies)))
    np.add.at(total, (visit, therapy), np.nan_to_num(amount))
    present = np.zeros((n, len(therapies)), dtype=bool)
    present[visit, therapy] = True
    unknown = np.zeros((n, len(therapies)), dtype=bool)
    unknown[visit[np.isnan(amount)], therapy[np.isnan(amount)]] = True
    total = total.round(6)
    columns: dict[str, np.ndarray] = {}
    for k, name in enumerate(therapies):
        known = np.flatnonzero(present[:, k] & ~unknown[:, k])
        values = np.unique(total[known, k])
        if len(values) > levels:
            edges = np.unique(np.quantile(total[known, k], np.linspace(0, 1, levels + 1)))
            bins = np.searchsorted(edges, total[known, k], side="right") - 1
            bins = np.clip(bins, 0, len(edges) - 2)  # the largest dose joins the top band
            for b in np.unique(bins):
                columns[f"{name} dose band {b + 1}"] = _indicator(n, known[bins == b])
        else:
            for value in values:
                columns[f"{name} {value:g}/day"] = _indicator(n, known[total[known, k] == value])
        if unknown[:, k].any():
            columns[f"{name} (dose not computable)"] = _indicator(n, np.flatnonzero(unknown[:, k]))
    return columns


def _event_columns(
    codes: np.ndarray,
    days: np.ndarray,
    starts: pd.DataFrame,
    patients: pd.Index,
    bands: tuple[int, int],
) -> dict[str, np.ndarray]:
    """Bands of days since a therapy's first start, and a repeat start within the first band."""
    near, far = bands
    n = len(days)
    visit, start = _pairs(codes, patients.get_indexer(pd.Index(starts["patient_id"])))
    therapy_codes, therapies = pd.factorize(starts["therapy"], sort=True)
    therapy = therapy_codes[start]
    elapsed = (days[visit] - as_days(starts["date"])[start]).astype(float)
    since_first = np.full((n, len(therapies)), -np.inf)
    np.maximum.at(since_first, (visit, therapy), elapsed)
    since_latest = np.full((n, len(therapies)), np.inf)
    before = elapsed > 0
    np.minimum.at(since_latest, (visit[before], therapy[before]), elapsed[before])
    columns: dict[str, np.ndarray] = {}
    for k, name in enumerate(therapies):
        first, latest = since_first[:, k], since_latest[:, k]
        columns[f"{name} days 1-{near}"] = ((first > 0) & (first <= near)) * 1.0
        columns[f"{name} days {near + 1}-{far}"] = ((first > near) & (first <= far)) * 1.0
        columns[f"{name} after day {far}"] = (first > far) * 1.0
        columns[f"{name} repeat within {near} days"] = ((latest <= near) & (latest < first)) * 1.0
    return columns


def build_design(
    frames_outcomes: pd.DataFrame,
    courses: pd.DataFrame,
    events: pd.DataFrame,
    *,
    outcome: str,
    therapy: str,
    windows: pd.DataFrame,
    knots: tuple[float, ...],
    bands: tuple[int, int],
    levels: int,
) -> VisitDesign:
    """The visit table of ``outcome`` and its adjustment terms (see the module docstring)."""
    rows = frames_outcomes.loc[frames_outcomes["outcome"] == outcome]
    order = np.lexsort((as_days(rows["date"]), pd.factorize(rows["patient_id"], sort=True)[0]))
    visits = rows.iloc[order][["patient_id", "date", "value"]].reset_index(drop=True)
    codes, patients = pd.factorize(visits["patient_id"], sort=True)
    patients = pd.Index(patients)
    days = as_days(visits["date"])
    first = np.full(len(patients), NEVER)
    np.minimum.at(first, codes, days)
    years = (days - first[codes]) / _DAYS_PER_YEAR
    window = windows.reindex(patients)
    begin = as_days(window["first_course"])[codes]
    end = as_days(window["window_end"])[codes]
    visits["on"] = (days >= begin) & (days < end)

    event_rows = events.loc[events["kind"].isin(_EVENT_KINDS)]
    starts = event_rows.loc[event_rows["therapy"] != therapy, ["patient_id", "therapy", "date"]]
    daily = courses.loc[~courses["therapy"].isin(set(event_rows["therapy"]))]
    columns = {"years": years}
    for knot in knots:
        columns[f"years_after_{knot:g}"] = np.maximum(years - knot, 0.0)
    columns.update(_dose_level_columns(codes, days, daily, patients, levels))
    columns.update(_event_columns(codes, days, starts, patients, bands))
    names = tuple(columns)
    matrix = np.column_stack([columns[name] for name in names]).astype(float)
    return VisitDesign(visits, matrix, names)
