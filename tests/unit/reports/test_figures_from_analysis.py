"""The figures drawn from the real analysis outputs (frames, starts, lines, responses, survival).

The other figure tests use hand-made inputs with the contract's columns; these check that what
``spsreg.analysis`` actually produces for a record and a small synthetic cohort draws the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import pytest
from figure_inputs import all_texts, by_gid
from matplotlib.collections import LineCollection
from matplotlib.lines import Line2D
from matplotlib.text import Text
from record_examples import full_record

from spsreg.analysis.frames import CohortFrames, frames_from_records
from spsreg.analysis.lines import therapy_lines
from spsreg.analysis.response import cohort_responses
from spsreg.analysis.starts import therapy_starts
from spsreg.analysis.survival import time_to_discontinuation
from spsreg.reports.figures import (
    aligned_trajectories,
    forest_plot,
    km_plot,
    patient_timeline,
    swimmer_plot,
)
from spsreg.reports.figures.forest import forest_rows
from spsreg.reports.figures.style import NO_DATA
from spsreg.synth import CohortConfig, iter_synthetic_patients


@dataclass(frozen=True)
class Cohort:
    frames: CohortFrames
    starts: pd.DataFrame
    lines: pd.DataFrame
    responses: pd.DataFrame


@pytest.fixture(scope="module")
def cohort() -> Cohort:
    config = CohortConfig(patients=12, sites=2, seed=7)
    frames = frames_from_records(
        [patient.record for patient in iter_synthetic_patients(config)], as_of=config.end_date
    )
    return Cohort(frames, therapy_starts(frames), therapy_lines(frames), cohort_responses(frames))


def test_the_timeline_of_the_full_example_record() -> None:
    frames = frames_from_records([full_record()], as_of=date(2024, 12, 31))
    fig = patient_timeline(frames, "p-0001", alerts=[(date(2021, 3, 1), "pump refill due")])
    rows = [t.get_text() for t in fig.axes[-1].get_yticklabels()]
    assert rows[:3] == ["Diazepam", "IVIG", "Plasmapheresis"]
    assert rows[-2:] == ["Adverse events", "Alerts"]
    labels = {a.get_text() for a in by_gid(fig, "dose_label") if isinstance(a, Text)}
    assert {"15 mg/d", "22.5 mg/d"} <= labels
    courses = frames.courses
    assert len(by_gid(fig, "course")) == len(courses)
    assert len(by_gid(fig, "ongoing")) == int(courses["stop_date"].isna().sum())
    (infusions,) = [a for a in by_gid(fig, "infusion") if isinstance(a, Line2D)]
    events = frames.therapy_events
    assert len(infusions.get_xdata()) == int((events["kind"] == "administration").sum())
    assert len(by_gid(fig, "procedure")) == int((events["kind"] == "procedure_start").sum())


def test_the_swimmer_plot_has_a_bar_per_therapy_line(cohort: Cohort) -> None:
    assert not cohort.lines.empty
    fig = swimmer_plot(cohort.lines, cohort.frames)
    bars = [a for a in fig.findobj() if str(a.get_gid()).startswith("line:")]
    assert len(bars) == len(cohort.lines)
    ticks = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    assert ticks == set(cohort.lines["patient_id"])


def test_kaplan_meier_numbers_at_risk_start_at_n(cohort: Cohort) -> None:
    results = [time_to_discontinuation(cohort.frames, t) for t in ("diazepam", "ivig")]
    fig = km_plot(results)
    for result in results:
        first = next(t for t in by_gid(fig, f"at_risk:{result.therapy}") if isinstance(t, Text))
        assert first.get_position()[0] == 0.0 and first.get_text() == str(result.n)


def test_the_forest_plot_draws_every_assessable_start(cohort: Cohort) -> None:
    rows, not_assessable = forest_rows(cohort.responses, "diary_stiffness")
    assert len(rows) > 0
    fig = forest_plot(cohort.responses, "diary_stiffness")
    drawn = sum(
        len(a.get_xdata()) for a in fig.findobj(Line2D) if str(a.get_gid()).startswith("estimate:")
    )
    assert drawn == len(rows)
    if not_assessable:
        assert any("not assessable" in text for text in all_texts(fig))


def test_trajectories_around_the_starts_of_a_therapy(cohort: Cohort) -> None:
    fig = aligned_trajectories(cohort.frames, "diazepam", "stiffness_index", cohort.starts)
    assert NO_DATA not in all_texts(fig)
    (patients,) = [a for a in by_gid(fig, "patients") if isinstance(a, LineCollection)]
    starts = cohort.starts
    assert (
        0
        < len(patients.get_segments())
        <= int(((starts["therapy"] == "diazepam") & (starts["event"] == "start")).sum())
    )
