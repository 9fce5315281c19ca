"""The swimmer plot of therapy lines: rows, hatched bars, stop-reason markers, ongoing arrows."""

from __future__ import annotations

import pytest
from figure_inputs import (
    LINE_COLUMNS,
    all_texts,
    by_gid,
    example_frames,
    example_lines,
    frame,
)
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from spsreg.reports.figures import swimmer_plot
from spsreg.reports.figures.style import NO_DATA
from spsreg.reports.figures.swimmer import DAYS_PER_MONTH, STOP_MARKERS


@pytest.fixture(scope="module")
def swimmer() -> Figure:
    return swimmer_plot(example_lines(), example_frames())


def bars(fig: Figure, therapy: str) -> list[PolyCollection]:
    return [a for a in by_gid(fig, f"line:{therapy}") if isinstance(a, PolyCollection)]


def extent(bar: PolyCollection) -> tuple[float, float, float, float]:
    box = bar.get_paths()[0].get_extents()
    return box.x0, box.x1, box.y0, box.y1


def test_one_row_per_patient_longest_follow_up_on_top(swimmer: Figure) -> None:
    (ax,) = swimmer.axes
    ticks = sorted(zip(ax.get_yticks(), [t.get_text() for t in ax.get_yticklabels()], strict=True))
    assert [name for _, name in reversed(ticks)] == ["syn-p3", "syn-p1", "syn-p2"]
    assert ax.get_xlabel() == "Time since start of first line (months)"
    assert ax.get_ylabel() == "Patient"
    assert ax.get_title(loc="left") == "Therapy lines by patient"


def test_a_bar_per_line_with_a_hatch_per_therapy(swimmer: Figure) -> None:
    counts = {t: len(bars(swimmer, t)) for t in ("ivig", "rituximab", "plasmapheresis")}
    assert counts == {"ivig": 2, "rituximab": 2, "plasmapheresis": 1}
    hatches = {t: {b.get_hatch() for b in bars(swimmer, t)} for t in counts}
    assert all(len(h) == 1 for h in hatches.values())  # one hatch per therapy...
    assert len(set.union(*hatches.values())) == 3  # ...and different therapies differ
    (p2_rituximab,) = [b for b in bars(swimmer, "rituximab") if extent(b)[2] < 0.5]
    x0, x1, _, _ = extent(p2_rituximab)
    assert x0 == 0.0 and x1 == pytest.approx(182 / DAYS_PER_MONTH)  # 1 Feb to 1 Aug 2024


def test_overlapping_lines_of_one_patient_are_stacked_not_hidden(swimmer: Figure) -> None:
    p3 = [b for t in ("ivig", "rituximab") for b in bars(swimmer, t) if extent(b)[2] > 1.5]
    assert len(p3) == 2
    (low, high) = sorted(extent(b)[2:] for b in p3)
    assert low[1] <= high[0]  # lanes do not overlap


def test_stop_reasons_and_ongoing_lines_are_marked(swimmer: Figure) -> None:
    adverse = by_gid(swimmer, "stop:adverse_event")
    assert len(adverse) == 1 and adverse[0].get_marker() == STOP_MARKERS["adverse_event"][0]  # type: ignore[attr-defined]
    assert len(by_gid(swimmer, "stop:course_completed")) == 1  # the plasmapheresis series
    assert len(by_gid(swimmer, "stop:unknown")) == 1  # no course in the frames says why
    ongoing = [a for a in by_gid(swimmer, "ongoing") if isinstance(a, Line2D)]
    assert len(ongoing) == 2 and all(a.get_marker() == ">" for a in ongoing)
    legend = [t.get_text() for t in swimmer.axes[0].get_legend().get_texts()]
    assert legend == [
        "IVIG",
        "Plasmapheresis",
        "Rituximab",
        "stopped: adverse event",
        "course completed",
        "stopped: reason not recorded",
        "ongoing",
    ]


def test_stop_markers_differ_in_shape_for_greyscale_print() -> None:
    markers = [marker for marker, _ in STOP_MARKERS.values()]
    assert len(set(markers)) == len(markers) and ">" not in markers


def test_an_ongoing_line_runs_to_the_last_follow_up() -> None:
    fig = swimmer_plot(example_lines(), example_frames())
    (p1_ivig,) = [b for b in bars(fig, "ivig") if 0.5 < extent(b)[2] < 1.5]
    # syn-p1: first line 1 Feb 2024, follow-up ends 31 Oct 2024
    assert extent(p1_ivig)[1] == pytest.approx(273 / DAYS_PER_MONTH)


def test_at_most_max_patients_rows_with_the_title_saying_so() -> None:
    fig = swimmer_plot(example_lines(), example_frames(), max_patients=2)
    (ax,) = fig.axes
    assert [t.get_text() for t in ax.get_yticklabels()] == ["syn-p3", "syn-p1"]
    assert "(the 2 of 3 patients with longest follow-up)" in ax.get_title(loc="left")


def test_no_lines_give_a_no_data_figure() -> None:
    assert NO_DATA in all_texts(swimmer_plot(frame(LINE_COLUMNS, []), example_frames()))
