"""Small hand-made inputs for the figure tests, with exactly the issue-4 contract's columns.

The figures are built against the contract (docs of ``spsreg.analysis``), not against whatever the
analysis modules happen to produce, so these builders spell the columns and dtypes out:
dates ``datetime64[ns]``, ids and categories ``object`` (str or None), numbers ``float64``, flags
pandas ``boolean``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = [
    "ADVERSE_EVENT_COLUMNS",
    "COMORBIDITY_COLUMNS",
    "COURSE_COLUMNS",
    "LINE_COLUMNS",
    "OUTCOME_COLUMNS",
    "PATIENT_COLUMNS",
    "RESPONSE_COLUMNS",
    "START_COLUMNS",
    "THERAPY_EVENT_COLUMNS",
    "TRAJECTORY_DAYS",
    "TRAJECTORY_VALUES",
    "FigureFrames",
    "SurvivalStub",
    "all_texts",
    "by_gid",
    "example_frames",
    "example_lines",
    "example_responses",
    "example_starts",
    "frame",
    "make_frames",
    "reference_figures",
    "survival_stub",
    "trajectory_frames",
]

PATIENT_COLUMNS = (
    "patient_id", "site_id", "sex", "birth_year", "phenotype", "onset_date", "diagnosis_date",
    "first_contact_date", "date_of_death", "vital_status", "follow_up_end", "gad65_status",
    "glyr_status",
)  # fmt: skip
OUTCOME_COLUMNS = ("patient_id", "outcome", "date", "value", "source")
COURSE_COLUMNS = (
    "patient_id", "course_id", "therapy", "drug_id", "drug_class", "route", "intent", "schedule",
    "start_date", "stop_date", "stop_reason", "daily_amount", "amount_unit", "previous_course_id",
    "chain_id",
)  # fmt: skip
THERAPY_EVENT_COLUMNS = ("patient_id", "therapy", "date", "kind", "ref_id")
ADVERSE_EVENT_COLUMNS = (
    "patient_id", "event_id", "term", "grade", "onset_date", "resolved_date", "serious",
    "suspected_course_ids",
)  # fmt: skip
COMORBIDITY_COLUMNS = ("patient_id", "kind", "diagnosed_on", "resolved_on")
LINE_COLUMNS = ("patient_id", "line", "therapy", "start_date", "stop_date")
START_COLUMNS = (
    "patient_id", "therapy", "start_date", "event", "ref_id", "daily_amount",
    "previous_daily_amount",
)  # fmt: skip
RESPONSE_COLUMNS = (
    "patient_id", "therapy", "event", "start_date", "outcome", "assessable", "reason",
    "baseline_mean", "baseline_n", "on_treatment_mean", "on_treatment_n", "change", "change_low",
    "change_high", "relative_change", "responder", "time_to_response_days",
    "duration_of_response_days", "response_censored",
)  # fmt: skip

_DATES = {
    "onset_date", "diagnosis_date", "first_contact_date", "date_of_death", "follow_up_end", "date",
    "start_date", "stop_date", "resolved_date", "diagnosed_on", "resolved_on",
}  # fmt: skip
_NUMBERS = {
    "birth_year", "value", "daily_amount", "grade", "previous_daily_amount", "baseline_mean",
    "baseline_n", "on_treatment_mean", "on_treatment_n", "change", "change_low", "change_high",
    "relative_change", "time_to_response_days", "duration_of_response_days", "line",
}  # fmt: skip
_FLAGS = {"serious", "assessable", "responder", "response_censored"}


def frame(columns: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """A frame with the contract's dtypes; a column a row leaves out is missing in that row."""
    data: dict[str, pd.Series] = {}
    for column in columns:
        values = [row.get(column) for row in rows]
        if column in _DATES:
            data[column] = pd.Series(pd.to_datetime(pd.Series(values, dtype=object)))
        elif column in _NUMBERS:
            data[column] = pd.Series(
                [float("nan") if v is None else float(v) for v in values], dtype="float64"
            )
        elif column in _FLAGS:
            data[column] = pd.Series(values, dtype="boolean")
        else:
            data[column] = pd.Series(values, dtype=object)
    return pd.DataFrame(data, columns=list(columns))


@dataclass(frozen=True)
class FigureFrames:
    """The fields of ``CohortFrames`` (issue-4 contract) that the figures read, plus the rest."""

    patients: pd.DataFrame
    outcomes: pd.DataFrame
    courses: pd.DataFrame
    therapy_events: pd.DataFrame
    adverse_events: pd.DataFrame
    comorbidities: pd.DataFrame
    as_of: date


def make_frames(
    *,
    as_of: date = date(2025, 12, 31),
    patients: Sequence[Mapping[str, Any]] = (),
    outcomes: Sequence[Mapping[str, Any]] = (),
    courses: Sequence[Mapping[str, Any]] = (),
    therapy_events: Sequence[Mapping[str, Any]] = (),
    adverse_events: Sequence[Mapping[str, Any]] = (),
) -> FigureFrames:
    return FigureFrames(
        patients=frame(PATIENT_COLUMNS, patients),
        outcomes=frame(OUTCOME_COLUMNS, outcomes),
        courses=frame(COURSE_COLUMNS, courses),
        therapy_events=frame(THERAPY_EVENT_COLUMNS, therapy_events),
        adverse_events=frame(ADVERSE_EVENT_COLUMNS, adverse_events),
        comorbidities=frame(COMORBIDITY_COLUMNS, ()),
        as_of=as_of,
    )


def _patient(pid: str, follow_up_end: date | None) -> dict[str, Any]:
    return {
        "patient_id": pid, "site_id": "SITE-A", "sex": "female", "birth_year": 1970,
        "phenotype": "classic_sps", "onset_date": date(2022, 6, 1),
        "diagnosis_date": date(2023, 1, 10), "first_contact_date": date(2023, 1, 10),
        "vital_status": "alive", "follow_up_end": follow_up_end, "gad65_status": "high_titre",
        "glyr_status": "negative",
    }  # fmt: skip


def _course(
    pid: str, cid: str, therapy: str, start: date, stop: date | None, **kw: Any
) -> dict[str, Any]:
    base = {
        "patient_id": pid, "course_id": cid, "therapy": therapy, "drug_id": therapy,
        "drug_class": "benzodiazepine", "route": "oral", "intent": "symptomatic",
        "schedule": "regular", "start_date": start, "stop_date": stop, "amount_unit": "mg",
        "chain_id": cid,
    }  # fmt: skip
    return base | kw


def example_frames() -> FigureFrames:
    """Two patients. P1: every kind of fact; P2: one rituximab course stopped for an adverse event."""
    p1, p2 = "syn-p1", "syn-p2"
    outcomes = []
    for i, (si, hss, walk, mrs) in enumerate(
        [(5, 6, 14.0, 3), (5, 5, 12.5, 3), (3, 4, 9.0, 2), (2, 3, 8.1, 2)]
    ):
        day = date(2024, 1 + 3 * i, 15)
        outcomes += [
            {"patient_id": p1, "outcome": "stiffness_index", "date": day, "value": si, "source": "visit"},
            {"patient_id": p1, "outcome": "heightened_sensitivity", "date": day, "value": hss, "source": "visit"},
            {"patient_id": p1, "outcome": "t25fw", "date": day, "value": walk, "source": "visit"},
            {"patient_id": p1, "outcome": "mrs", "date": day, "value": mrs, "source": "visit"},
        ]  # fmt: skip
    for d in range(0, 300, 3):
        day = (pd.Timestamp(2024, 1, 1) + pd.Timedelta(days=d)).date()
        value = 7.0 - 4.0 * d / 300 + (d % 7) / 7
        outcomes.append({"patient_id": p1, "outcome": "diary_stiffness", "date": day, "value": value, "source": "diary"})  # fmt: skip
    courses = [
        _course(p1, "c1", "diazepam", date(2024, 1, 1), date(2024, 4, 1), daily_amount=10.0, stop_reason="dose_changed"),
        _course(p1, "c2", "diazepam", date(2024, 4, 1), None, daily_amount=20.0, previous_course_id="c1", chain_id="c1"),
        _course(p1, "c3", "ivig", date(2024, 3, 1), None, daily_amount=4000.0, drug_class="immunoglobulin", route="intravenous", schedule="cyclic_course"),
        _course(p2, "c4", "rituximab", date(2024, 2, 1), date(2024, 8, 1), daily_amount=5.5, stop_reason="adverse_event", drug_class="anti_cd20", route="intravenous"),
    ]  # fmt: skip
    events = [
        {"patient_id": p1, "therapy": "ivig", "date": date(2024, 3 + m, 1), "kind": "administration", "ref_id": "c3"}
        for m in range(0, 8, 1)
    ] + [
        {"patient_id": p1, "therapy": "plasmapheresis", "date": date(2024, 2, 1), "kind": "procedure_start", "ref_id": "pr1"},
        {"patient_id": p1, "therapy": "plasmapheresis", "date": date(2024, 2, 12), "kind": "procedure_end", "ref_id": "pr1"},
    ]  # fmt: skip
    adverse = [
        {"patient_id": p1, "event_id": "ae1", "term": "headache", "grade": 2, "onset_date": date(2024, 3, 2), "serious": False, "suspected_course_ids": ("c3",)},
        {"patient_id": p1, "event_id": "ae2", "term": "somnolence", "grade": 3, "onset_date": date(2024, 5, 2), "serious": True, "suspected_course_ids": ("c2",)},
    ]  # fmt: skip
    return make_frames(
        patients=[_patient(p1, date(2024, 10, 31)), _patient(p2, date(2024, 12, 1))],
        outcomes=outcomes,
        courses=courses,
        therapy_events=events,
        adverse_events=adverse,
    )


def example_lines() -> pd.DataFrame:
    """Immunotherapy lines of four patients: ongoing, stopped, overlapping and a procedure."""
    rows = [
        {"patient_id": "syn-p1", "line": 1, "therapy": "plasmapheresis", "start_date": date(2024, 2, 1), "stop_date": date(2024, 2, 12)},
        {"patient_id": "syn-p1", "line": 2, "therapy": "ivig", "start_date": date(2024, 3, 1), "stop_date": None},
        {"patient_id": "syn-p2", "line": 1, "therapy": "rituximab", "start_date": date(2024, 2, 1), "stop_date": date(2024, 8, 1)},
        {"patient_id": "syn-p3", "line": 1, "therapy": "ivig", "start_date": date(2023, 5, 1), "stop_date": date(2024, 1, 1)},
        {"patient_id": "syn-p3", "line": 2, "therapy": "rituximab", "start_date": date(2023, 11, 1), "stop_date": None},
    ]  # fmt: skip
    return frame(LINE_COLUMNS, rows)


def example_starts() -> pd.DataFrame:
    rows = [
        {"patient_id": pid, "therapy": "ivig", "start_date": date(2024, 3, 1), "event": "start", "ref_id": f"c-{pid}", "daily_amount": 4000.0}
        for pid in ("a", "b", "c", "d")
    ] + [{"patient_id": "a", "therapy": "ivig", "start_date": date(2024, 6, 1), "event": "dose_change", "ref_id": "c-a2", "daily_amount": 5000.0, "previous_daily_amount": 4000.0}]  # fmt: skip
    return frame(START_COLUMNS, rows)


TRAJECTORY_DAYS = (-45, -15, 15, 45, 75)
TRAJECTORY_VALUES = {
    "a": (5, 5, 4, 3, 3),
    "b": (4, 4, 4, 3, 2),
    "c": (6, 5, 5, 4, 4),
    "d": (3, 3, 3, 3, 3),
}


def trajectory_frames() -> FigureFrames:
    """Stiffness index of patients a-d around an IVIG start on 2024-03-01 (see example_starts).

    Also: a diary value (another outcome) and one value 400 days after the start (outside the
    default window).
    """
    start = pd.Timestamp(2024, 3, 1)
    outcomes = [
        {"patient_id": pid, "outcome": "stiffness_index", "date": (start + pd.Timedelta(days=day)).date(), "value": value, "source": "visit"}
        for pid, values in TRAJECTORY_VALUES.items()
        for day, value in zip(TRAJECTORY_DAYS, values, strict=True)
    ]  # fmt: skip
    outcomes.append({"patient_id": "a", "outcome": "diary_stiffness", "date": date(2024, 3, 5), "value": 9.0, "source": "diary"})  # fmt: skip
    outcomes.append({"patient_id": "b", "outcome": "stiffness_index", "date": (start + pd.Timedelta(days=400)).date(), "value": 0.0, "source": "visit"})  # fmt: skip
    outcomes.sort(key=lambda row: (row["patient_id"], row["outcome"], row["date"]))
    return make_frames(
        patients=[_patient(pid, date(2025, 6, 1)) for pid in "abcd"], outcomes=outcomes
    )


def example_responses() -> pd.DataFrame:
    """Five starts for the stiffness index (one not assessable) and one HSS row."""
    rows = [
        {"patient_id": "a", "therapy": "ivig", "change": -2.0, "change_low": -3.5, "change_high": -0.5, "responder": True},
        {"patient_id": "b", "therapy": "ivig", "change": 0.5, "change_low": -1.0, "change_high": 2.0, "responder": False},
        {"patient_id": "c", "therapy": "rituximab", "change": -1.0, "change_low": -2.2, "change_high": 0.2, "responder": False},
        {"patient_id": "d", "therapy": "rituximab", "change": -3.0, "change_low": None, "change_high": None, "responder": True},
    ]  # fmt: skip
    full = [
        row | {"event": "start", "start_date": date(2024, 3, 1), "outcome": "stiffness_index", "assessable": True}
        for row in rows
    ]  # fmt: skip
    full.append({"patient_id": "e", "therapy": "ivig", "event": "start", "start_date": date(2024, 3, 1), "outcome": "stiffness_index", "assessable": False, "reason": "no stiffness_index in the 90 days before the start"})  # fmt: skip
    full.append({"patient_id": "a", "therapy": "ivig", "event": "start", "start_date": date(2024, 3, 1), "outcome": "heightened_sensitivity", "assessable": True, "change": -1.0, "change_low": -2.0, "change_high": 0.0})  # fmt: skip
    return frame(RESPONSE_COLUMNS, full)


@dataclass(frozen=True)
class SurvivalStub:
    """The fields of the contract's ``SurvivalResult``."""

    therapy: str
    n: int
    events: int
    censored: int
    median_days: float | None
    median_low: float | None
    median_high: float | None
    timeline: pd.DataFrame
    censoring_note: str


def survival_stub(
    therapy: str, durations: Sequence[float], observed: Sequence[bool]
) -> SurvivalStub:
    """A Kaplan-Meier result as lifelines computes it (timeline: days, survival, low, high, at_risk)."""
    from lifelines import KaplanMeierFitter  # slow to import: only the survival tests need it

    fitter = KaplanMeierFitter().fit(list(durations), event_observed=list(observed))
    ci = fitter.confidence_interval_survival_function_
    timeline = pd.DataFrame(
        {
            "days": fitter.survival_function_.index.to_numpy(dtype=float),
            "survival": fitter.survival_function_.iloc[:, 0].to_numpy(dtype=float),
            "low": ci.iloc[:, 0].to_numpy(dtype=float),
            "high": ci.iloc[:, 1].to_numpy(dtype=float),
            "at_risk": fitter.event_table["at_risk"].to_numpy(dtype=float),
        }
    )
    median = float(fitter.median_survival_time_)
    events = int(sum(observed))
    return SurvivalStub(
        therapy=therapy,
        n=len(durations),
        events=events,
        censored=len(durations) - events,
        median_days=None if median == float("inf") else median,
        median_low=None,
        median_high=None,
        timeline=timeline,
        censoring_note="patients still on the therapy are censored at their last follow-up",
    )


def all_texts(fig: Figure) -> list[str]:
    """Every text drawn in the figure (titles, labels, tick labels, legends, annotations)."""
    fig.canvas.draw()
    return [t.get_text() for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


def by_gid(fig: Figure, gid: str) -> list[Artist]:
    """The artists the figure code tagged with ``gid``."""
    return [artist for artist in fig.findobj() if artist.get_gid() == gid]


def reference_figures() -> dict[str, Figure]:
    """The figures kept as reference images in tests/unit/reports/reference (see its README)."""
    from spsreg.reports.figures import (
        aligned_trajectories,
        forest_plot,
        km_plot,
        patient_timeline,
        swimmer_plot,
    )

    alerts = [(date(2024, 5, 10), "benzodiazepine load"), (date(2024, 9, 1), "IVIG check")]
    return {
        "timeline": patient_timeline(example_frames(), "syn-p1", alerts=alerts),
        "swimmer": swimmer_plot(example_lines(), example_frames()),
        "trajectories": aligned_trajectories(
            trajectory_frames(), "ivig", "stiffness_index", example_starts()
        ),
        "km": km_plot(
            [
                survival_stub("ivig", [10, 20, 20, 35, 50], [True, False, True, True, False]),
                survival_stub(
                    "rituximab",
                    [30, 60, 90, 120, 150, 200, 250, 300],
                    [True, True, False, True, False, True, False, False],
                ),
            ]
        ),
        "forest": forest_plot(example_responses(), "stiffness_index"),
    }
