"""The forest plot of per-patient changes: sorted rows, CIs, zero and median lines, labels."""

from __future__ import annotations

import pytest
from figure_inputs import RESPONSE_COLUMNS, all_texts, by_gid, example_responses, frame
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from spsreg.reports.figures import forest_plot
from spsreg.reports.figures.forest import MAX_LABELLED_ROWS, forest_rows
from spsreg.reports.figures.style import NO_DATA


def test_rows_are_the_assessable_changes_sorted_with_the_rest_counted() -> None:
    rows, not_assessable = forest_rows(example_responses(), "stiffness_index")
    assert list(rows["patient_id"]) == ["d", "a", "c", "b"]
    assert not_assessable == 1
    ivig, _ = forest_rows(example_responses(), "stiffness_index", therapy="ivig")
    assert list(ivig["patient_id"]) == ["a", "b"]


@pytest.fixture(scope="module")
def figure() -> Figure:
    return forest_plot(example_responses(), "stiffness_index")


def points(fig: Figure, therapy: str) -> list[Line2D]:
    return [a for a in by_gid(fig, f"estimate:{therapy}") if isinstance(a, Line2D)]


def test_one_point_per_start_with_its_interval(figure: Figure) -> None:
    (ax,) = figure.axes
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [
        "d · Rituximab · 2024-03",
        "a · IVIG · 2024-03",
        "c · Rituximab · 2024-03",
        "b · IVIG · 2024-03",
    ]
    assert sum(len(p.get_xdata()) for p in points(figure, "ivig")) == 2
    assert sum(len(p.get_xdata()) for p in points(figure, "rituximab")) == 2
    (intervals,) = [a for a in by_gid(figure, "ci") if isinstance(a, LineCollection)]
    segments = sorted(tuple(s[:, 0]) for s in intervals.get_segments())
    assert segments == [(-3.5, -0.5), (-2.2, 0.2), (-1.0, 2.0)]  # patient d has no interval


def test_therapies_differ_in_marker_and_responders_are_filled(figure: Figure) -> None:
    ivig_markers = {p.get_marker() for p in points(figure, "ivig")}
    rituximab_markers = {p.get_marker() for p in points(figure, "rituximab")}
    assert len(ivig_markers) == len(rituximab_markers) == 1
    assert ivig_markers != rituximab_markers
    filled = {
        float(p.get_xdata()[0]): p.get_markerfacecolor()
        for t in ("ivig", "rituximab")
        for p in points(figure, t)
        if len(p.get_xdata()) == 1
    }
    assert filled[-3.0] == "black" and filled[0.5] == "white"


def test_zero_and_median_lines_labels_and_units(figure: Figure) -> None:
    (ax,) = figure.axes
    (zero,) = [a for a in by_gid(figure, "zero") if isinstance(a, Line2D)]
    (median,) = [a for a in by_gid(figure, "median") if isinstance(a, Line2D)]
    assert list(zero.get_xdata()) == [0.0, 0.0] and zero.get_linestyle() == "--"
    assert list(median.get_xdata()) == [-1.5, -1.5] and median.get_linestyle() == ":"
    assert ax.get_xlabel() == (
        "Change from baseline in Stiffness index (regions); below 0 = lower (better)"
    )
    assert ax.get_title(loc="left") == "Change in Stiffness index, per patient"
    texts = all_texts(figure)
    assert "1 start not assessable (not shown); 1 start without a confidence interval" in texts
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == [
        "IVIG",
        "Rituximab",
        "filled: responder",
        "confidence interval",
        "no change",
        "median change -1.5 regions (n=4)",
    ]


def test_one_therapy_and_another_outcome() -> None:
    fig = forest_plot(example_responses(), "stiffness_index", therapy="ivig")
    assert (
        fig.axes[0].get_title(loc="left")
        == "Change in Stiffness index after starting IVIG, per patient"
    )
    assert not points(fig, "rituximab")
    hss = forest_plot(example_responses(), "heightened_sensitivity")
    assert hss.axes[0].get_xlabel().startswith("Change from baseline in HSS (positive items)")
    assert sum(len(p.get_xdata()) for p in points(hss, "ivig")) == 1


def test_many_rows_drop_the_row_labels() -> None:
    rows = [
        {"patient_id": f"p{i:03d}", "therapy": "ivig", "event": "start", "outcome": "mrs",
         "assessable": True, "change": float(i % 5 - 2), "change_low": float(i % 5 - 3),
         "change_high": float(i % 5 - 1), "responder": False}
        for i in range(MAX_LABELLED_ROWS + 1)
    ]  # fmt: skip
    fig = forest_plot(frame(RESPONSE_COLUMNS, rows), "mrs")
    assert list(fig.axes[0].get_yticks()) == []
    assert fig.axes[0].get_ylabel() == f"{MAX_LABELLED_ROWS + 1} therapy starts"


@pytest.mark.parametrize("outcome", ["t25fw", "stiffness_index"])
def test_no_assessable_change_gives_a_no_data_figure(outcome: str) -> None:
    responses = example_responses()
    if outcome == "stiffness_index":
        responses = responses.assign(assessable=False)
    texts = all_texts(forest_plot(responses, outcome))
    assert NO_DATA in texts
    assert NO_DATA in all_texts(forest_plot(frame(RESPONSE_COLUMNS, []), outcome))
