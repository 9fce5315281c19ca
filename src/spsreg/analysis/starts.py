"""Therapy starts: the events a response is measured around.

From the courses frame, per patient and therapy (courses in start order):

- ``start``: the first course of the therapy;
- ``restart``: the first course after a gap longer than ``restart_gap_days`` with none of the
  therapy's courses running (a gap is counted from the latest stop of the earlier courses);
- ``dose_change``: a course continuing another (``previous_course_id``) at a different daily
  amount (a known amount against an unknown one counts as different).

Procedures start at their ``procedure_start`` event: the first procedure of a therapy is a
``start``, every later one (for example a second plasmapheresis series) a ``restart``; a series of
sessions is one procedure and so one start.

Beyond the contract's columns, ``episode_stop`` is the day the course episode the event belongs to
stopped (NaT while ongoing, and for procedures, whose effect outlasts the procedure).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.response_windows import NAT_DAY, day_numbers
from spsreg.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings

__all__ = ["START_COLUMNS", "therapy_starts"]

START_COLUMNS: tuple[str, ...] = (
    "patient_id",
    "therapy",
    "start_date",
    "event",
    "ref_id",
    "daily_amount",
    "previous_daily_amount",
    "episode_stop",
)

_NAN = math.nan


def _amount_changed(before: float, before_unit: Any, after: float, after_unit: Any) -> bool:
    if math.isnan(before) and math.isnan(after):
        return False
    if math.isnan(before) or math.isnan(after) or before_unit != after_unit:
        return True
    return not math.isclose(before, after, rel_tol=1e-9, abs_tol=1e-12)


_ONGOING = np.iinfo(np.int64).max


def _course_events(courses: pd.DataFrame, gap_days: int) -> list[tuple[Any, ...]]:
    """Rows (patient, therapy, day, event, course, amount, previous amount, episode stop day)."""
    ordered = courses.sort_values(
        ["patient_id", "therapy", "start_date", "course_id"], kind="stable"
    )
    patient_ids: list[str] = ordered["patient_id"].tolist()
    course_ids: list[str] = ordered["course_id"].tolist()
    amount_list: list[float] = ordered["daily_amount"].tolist()
    unit_list: list[str | None] = ordered["amount_unit"].tolist()
    amounts = {
        (pid, cid): (amount, unit)
        for pid, cid, amount, unit in zip(
            patient_ids, course_ids, amount_list, unit_list, strict=True
        )
    }
    stops = day_numbers(ordered["stop_date"])
    stop_days: list[int] = np.where(stops == NAT_DAY, _ONGOING, stops).tolist()
    rows: list[list[Any]] = []
    key: tuple[str, str] | None = None
    covered = 0  # latest stop day so far (_ONGOING while a course is ongoing)
    episode_start = 0  # index in rows of the current episode's first event
    last_amount = _NAN
    for pid, therapy, start, course_id, stop, previous, amount, unit in zip(
        patient_ids,
        ordered["therapy"].tolist(),
        day_numbers(ordered["start_date"]).tolist(),
        course_ids,
        stop_days,
        ordered["previous_course_id"].tolist(),
        amount_list,
        unit_list,
        strict=True,
    ):
        first = (pid, therapy) != key
        if first or start - covered > gap_days:
            for row in rows[episode_start:]:
                row[7] = covered
            episode_start = len(rows)
            key, covered = (pid, therapy), stop
            event = "start" if first else "restart"
            rows.append(
                [pid, therapy, start, event, course_id, amount, _NAN if first else last_amount, 0]
            )
        else:
            if previous is not None and (pid, previous) in amounts:
                before, before_unit = amounts[(pid, previous)]
                if _amount_changed(before, before_unit, amount, unit):
                    rows.append([pid, therapy, start, "dose_change", course_id, amount, before, 0])
            covered = max(covered, stop)
        last_amount = amount
    for row in rows[episode_start:]:
        row[7] = covered
    return [tuple(row) for row in rows]


def _procedure_events(events: pd.DataFrame) -> list[tuple[Any, ...]]:
    starts = events[events["kind"] == "procedure_start"].sort_values(
        ["patient_id", "therapy", "date", "ref_id"], kind="stable"
    )
    rows: list[tuple[Any, ...]] = []
    seen: set[tuple[Any, Any]] = set()
    for pid, therapy, day, ref_id in zip(
        starts["patient_id"].tolist(),
        starts["therapy"].tolist(),
        day_numbers(starts["date"]).tolist(),
        starts["ref_id"].tolist(),
        strict=True,
    ):
        event = "restart" if (pid, therapy) in seen else "start"
        seen.add((pid, therapy))
        rows.append((pid, therapy, day, event, ref_id, _NAN, _NAN, _ONGOING))
    return rows


def _dates(days: Any) -> np.ndarray:
    array = np.array(days, dtype=np.int64)
    result: np.ndarray = np.where(array == _ONGOING, NAT_DAY, array).astype("datetime64[D]")
    return result.astype("datetime64[ns]")


def therapy_starts(
    frames: CohortFrames, settings: AnalysisSettings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Starts, restarts and dose changes, sorted by patient_id, start_date, therapy."""
    rows = _course_events(frames.courses, settings.restart_gap_days)
    rows += _procedure_events(frames.therapy_events)
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(START_COLUMNS)
    data: dict[str, Any] = dict(zip(START_COLUMNS, columns, strict=True))
    frame = pd.DataFrame(
        {
            "patient_id": np.array(data["patient_id"], dtype=object),
            "therapy": np.array(data["therapy"], dtype=object),
            "start_date": _dates(data["start_date"]),
            "event": np.array(data["event"], dtype=object),
            "ref_id": np.array(data["ref_id"], dtype=object),
            "daily_amount": np.array(data["daily_amount"], dtype=np.float64),
            "previous_daily_amount": np.array(data["previous_daily_amount"], dtype=np.float64),
            "episode_stop": _dates(data["episode_stop"]),
        }
    )
    frame = frame.sort_values(
        ["patient_id", "start_date", "therapy", "event", "ref_id"], kind="stable"
    )
    return frame.reset_index(drop=True)
