"""Lines of immunotherapy: which immunotherapies each patient received, in order of first start.

An immunotherapy is a medication course recorded with immunotherapy intent (IVIG, rituximab,
corticosteroids given as immunotherapy, ...) or an immune procedure (plasmapheresis,
immunoadsorption, stem-cell transplant, CAR-T). Each therapy a patient received is one line,
numbered by the date it was first started (ties by therapy id): restarting a therapy later does not
open a new line. A line's stop date is the last stop of that therapy (for a procedure, the end of
its last series), or NaT while a course of it is ongoing at the analysis date.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from spsreg.analysis.frames import CohortFrames

__all__ = [
    "IMMUNE_PROCEDURES",
    "LINE_COLUMNS",
    "NO_IMMUNOTHERAPY",
    "SEQUENCE_SEPARATOR",
    "line_sequences",
    "therapy_lines",
]

IMMUNE_PROCEDURES: tuple[str, ...] = ("plasmapheresis", "immunoadsorption", "hsct", "car_t")
"""Therapy ids of procedures that act on the immune system."""

LINE_COLUMNS: tuple[str, ...] = ("patient_id", "line", "therapy", "start_date", "stop_date")
SEQUENCE_SEPARATOR = " -> "
NO_IMMUNOTHERAPY = "no immunotherapy"


def therapy_lines(frames: CohortFrames) -> pd.DataFrame:
    """One row per patient and immunotherapy: ``patient_id, line, therapy, start_date, stop_date``.

    Sorted by patient_id and line (1 = the first immunotherapy the patient started).
    """
    courses = frames.courses.loc[frames.courses["intent"] == "immunotherapy"]
    course_lines = courses.groupby(["patient_id", "therapy"], sort=False).agg(
        start_date=("start_date", "min"),
        stop_date=("stop_date", "max"),
        ongoing=("stop_date", lambda s: bool(s.isna().any())),
    )
    course_lines.loc[course_lines["ongoing"], "stop_date"] = pd.NaT
    events = frames.therapy_events
    procedures = events.loc[events["therapy"].isin(IMMUNE_PROCEDURES)]
    procedure_lines = procedures.groupby(["patient_id", "therapy"], sort=False).agg(
        start_date=("date", "min"), stop_date=("date", "max")
    )
    combined = pd.concat(
        [course_lines[["start_date", "stop_date"]], procedure_lines], axis=0
    ).reset_index()
    if combined.empty:
        return _empty_lines()
    combined = combined.sort_values(["patient_id", "start_date", "therapy"], kind="stable")
    combined["line"] = combined.groupby("patient_id").cumcount() + 1
    lines = combined[list(LINE_COLUMNS)].reset_index(drop=True)
    return lines.astype(
        {
            "patient_id": object,
            "line": "int64",
            "therapy": object,
            "start_date": "datetime64[ns]",
            "stop_date": "datetime64[ns]",
        }
    )


def line_sequences(
    lines: pd.DataFrame, *, patient_ids: Iterable[str] | None = None
) -> pd.DataFrame:
    """How many patients followed each sequence of immunotherapy lines.

    ``sequence`` joins the therapies in line order with " -> " (e.g. ``"ivig -> rituximab"``).
    When ``patient_ids`` (the whole cohort) is given, patients without any line are counted under
    "no immunotherapy". Sorted by patients (most first), then sequence.
    """
    ordered = lines.sort_values(["patient_id", "line"], kind="stable")
    per_patient = ordered.groupby("patient_id", sort=True)["therapy"].agg(
        lambda therapies: SEQUENCE_SEPARATOR.join(str(t) for t in therapies)
    )
    if patient_ids is not None:
        everyone = pd.Index(sorted(set(patient_ids)))
        per_patient = per_patient.reindex(everyone.union(per_patient.index)).fillna(
            NO_IMMUNOTHERAPY
        )
    counts = per_patient.value_counts()
    table = pd.DataFrame(
        {
            "sequence": counts.index.astype(str).to_numpy(dtype=object),
            "patients": counts.to_numpy(dtype="int64"),
        }
    )
    if table.empty:
        return table.astype({"sequence": object, "patients": "int64"})
    return table.sort_values(
        ["patients", "sequence"], ascending=[False, True], kind="stable"
    ).reset_index(drop=True)


def _empty_lines() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": pd.Series(dtype=object),
            "line": pd.Series(dtype="int64"),
            "therapy": pd.Series(dtype=object),
            "start_date": pd.Series(dtype="datetime64[ns]"),
            "stop_date": pd.Series(dtype="datetime64[ns]"),
        }
    )
