"""Outcome trajectories aligned on therapy start, with hand-computed medians and quartiles."""

from __future__ import annotations

import numpy as np
import pytest
from figure_inputs import (
    START_COLUMNS,
    TRAJECTORY_DAYS,
    all_texts,
    by_gid,
    example_starts,
    frame,
    trajectory_frames,
)
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from spsreg.reports.figures import aligned_trajectories
from spsreg.reports.figures.style import NO_DATA
from spsreg.reports.figures.trajectories import aligned_observations, binned_quartiles


def test_observations_are_aligned_on_each_start_within_the_window() -> None:
    aligned = aligned_observations(trajectory_frames(), "ivig", "stiffness_index", example_starts())
    # four starts (the dose change of patient a is not a start), five values each; the diary
    # value and the value 400 days after the start are left out
    assert len(aligned) == 20
    assert sorted(aligned["patient_id"].unique()) == ["a", "b", "c", "d"]
    assert list(aligned[aligned["patient_id"] == "a"]["day"]) == list(map(float, TRAJECTORY_DAYS))
    wider = aligned_observations(
        trajectory_frames(), "ivig", "stiffness_index", example_starts(), window_days=(-180, 400)
    )
    assert len(wider) == 21


def test_medians_and_quartiles_per_bin_by_hand() -> None:
    aligned = aligned_observations(trajectory_frames(), "ivig", "stiffness_index", example_starts())
    table = binned_quartiles(aligned, bin_days=30, min_patients=3)
    assert list(table["day"]) == [-45.0, -15.0, 15.0, 45.0, 75.0]
    assert list(table["n"]) == [4.0] * 5
    # day -45: values 5, 4, 6, 3 -> median 4.5, quartiles 3.75 and 5.25 (linear interpolation)
    assert table.iloc[0][["q1", "median", "q3"]].tolist() == [3.75, 4.5, 5.25]
    # day 75: values 3, 2, 4, 3 -> median 3, quartiles 2.75 and 3.25
    assert table.iloc[4][["q1", "median", "q3"]].tolist() == [2.75, 3.0, 3.25]
    assert binned_quartiles(aligned, min_patients=5).empty


def test_a_patient_counts_once_per_bin() -> None:
    aligned = aligned_observations(trajectory_frames(), "ivig", "stiffness_index", example_starts())
    table = binned_quartiles(aligned, bin_days=60, min_patients=1)
    # bin [0, 60): days 15 and 45 -> per-patient means 3.5, 3.5, 4.5, 3 -> median 3.5
    first_after = table[table["day"] == 30.0].iloc[0]
    assert first_after["n"] == 4.0 and first_after["median"] == 3.5


@pytest.fixture(scope="module")
def figure() -> Figure:
    return aligned_trajectories(trajectory_frames(), "ivig", "stiffness_index", example_starts())


def test_thin_line_per_start_bold_median_band_and_start_line(figure: Figure) -> None:
    (ax,) = figure.axes
    (patients,) = [a for a in by_gid(figure, "patients") if isinstance(a, LineCollection)]
    assert len(patients.get_segments()) == 4
    (median,) = [a for a in by_gid(figure, "median") if isinstance(a, Line2D)]
    assert list(median.get_ydata()) == [4.5, 4.5, 4.0, 3.0, 3.0]
    assert median.get_linewidth() > 3 * float(np.max(patients.get_linewidths()))
    (band,) = by_gid(figure, "iqr")
    assert band.get_hatch()  # type: ignore[attr-defined]  # the band reads without colour
    (start,) = [a for a in by_gid(figure, "start") if isinstance(a, Line2D)]
    assert list(start.get_xdata()) == [0.0, 0.0] and start.get_linestyle() == "--"
    assert ax.get_xlabel() == "Days from start of IVIG (days)"
    assert ax.get_ylabel() == "Stiffness index (regions)"
    assert ax.get_title(loc="left") == "Stiffness index around the start of IVIG"
    assert ax.get_xlim() == (-180.0, 365.0)
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == [
        "each start (4 starts, 4 patients)",
        "median per 30-day bin (bins with >= 3 starts)",
        "interquartile range",
        "start of IVIG (day 0)",
    ]


def test_too_few_patients_per_bin_draw_no_median() -> None:
    fig = aligned_trajectories(
        trajectory_frames(), "ivig", "stiffness_index", example_starts(), min_patients=5
    )
    assert not by_gid(fig, "median") and not by_gid(fig, "iqr")
    assert len(fig.legends[0].get_texts()) == 2


@pytest.mark.parametrize(
    ("therapy", "outcome", "starts"),
    [
        ("rituximab", "stiffness_index", example_starts()),
        ("ivig", "t25fw", example_starts()),
        ("ivig", "stiffness_index", frame(START_COLUMNS, [])),
    ],
)
def test_nothing_to_align_gives_a_no_data_figure(
    therapy: str, outcome: str, starts: object
) -> None:
    fig = aligned_trajectories(trajectory_frames(), therapy, outcome, starts)  # type: ignore[arg-type]
    assert NO_DATA in all_texts(fig)
