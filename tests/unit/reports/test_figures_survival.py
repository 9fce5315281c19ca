"""Kaplan-Meier curves with CI bands, censoring ticks and the numbers-at-risk table."""

from __future__ import annotations

import pandas as pd
import pytest
from figure_inputs import all_texts, by_gid, survival_stub
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from spsreg.reports.figures import km_plot
from spsreg.reports.figures.style import NO_DATA
from spsreg.reports.figures.survival import at_risk_at, censored_points

# durations 10, 20 (censored), 20, 35, 50 (censored): events at 10, 20, 35
IVIG = ([10, 20, 20, 35, 50], [True, False, True, True, False])
# censored at 90, 150, 250 and 300
RITUXIMAB = (
    [30, 60, 90, 120, 150, 200, 250, 300],
    [True, True, False, True, False, True, False, False],
)


def test_censoring_times_are_recovered_from_at_risk_and_survival() -> None:
    timeline = survival_stub("ivig", *IVIG).timeline
    censored = censored_points(timeline)
    assert list(censored["days"]) == [20.0, 50.0]
    assert list(censored["censored"]) == [1.0, 1.0]
    assert list(censored["survival"]) == pytest.approx([0.6, 0.3])
    explicit = timeline.assign(censored=[0, 0, 2, 0, 0])
    assert list(censored_points(explicit)["days"]) == [20.0]


def test_numbers_at_risk_by_hand() -> None:
    timeline = survival_stub("ivig", *IVIG).timeline
    assert [at_risk_at(timeline, t) for t in (0, 10, 15, 20, 21, 50, 51)] == [5, 5, 4, 4, 2, 1, 0]


@pytest.fixture(scope="module")
def figure() -> Figure:
    return km_plot([survival_stub("ivig", *IVIG), survival_stub("rituximab", *RITUXIMAB)])


def test_step_curves_differ_in_line_style_and_have_bands_and_censor_ticks(figure: Figure) -> None:
    ax = figure.axes[0]
    (ivig,) = [a for a in by_gid(figure, "km:ivig") if isinstance(a, Line2D)]
    (rituximab,) = [a for a in by_gid(figure, "km:rituximab") if isinstance(a, Line2D)]
    assert ivig.get_drawstyle() == rituximab.get_drawstyle() == "steps-post"
    assert ivig.get_linestyle() != rituximab.get_linestyle()  # not only colour
    assert list(ivig.get_ydata()) == pytest.approx([1.0, 0.8, 0.6, 0.3, 0.3])
    assert len(by_gid(figure, "ci:ivig")) == 1 and len(by_gid(figure, "ci:rituximab")) == 1
    (ticks,) = by_gid(figure, "censored:rituximab")
    assert list(ticks.get_xdata()) == [90.0, 150.0, 250.0, 300.0]  # type: ignore[attr-defined]
    assert ticks.get_marker() == "|"  # type: ignore[attr-defined]
    assert ax.get_xlabel() == "Days since therapy start (days)"
    assert ax.get_ylabel() == "Proportion still on therapy"
    assert ax.get_title(loc="left") == "Time to discontinuation"
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert legend == [
        "IVIG: n=5, 3 events, median 35 d",
        "Rituximab: n=8, 4 events, median 200 d",
        "censored (still on therapy at last follow-up)",
    ]


def test_numbers_at_risk_sit_under_the_axes_at_each_labelled_time(figure: Figure) -> None:
    ax, table = figure.axes
    assert table.get_title(loc="left") == "Number at risk"
    assert table.get_position().y1 <= ax.get_position().y0
    ticks = list(ax.get_xticks())
    assert ticks == [0.0, 50.0, 100.0, 150.0, 200.0, 250.0, 300.0]
    ivig = [t for t in by_gid(figure, "at_risk:ivig") if isinstance(t, Text)]
    assert [t.get_position()[0] for t in ivig] == ticks
    assert [t.get_text() for t in ivig] == ["5", "1", "0", "0", "0", "0", "0"]
    rituximab = [t.get_text() for t in by_gid(figure, "at_risk:rituximab")]  # type: ignore[attr-defined]
    assert rituximab == ["8", "7", "5", "4", "3", "2", "1"]
    assert [t.get_text() for t in table.get_yticklabels()] == ["IVIG", "Rituximab"]


def test_the_median_confidence_interval_is_named_when_known() -> None:
    stub = survival_stub("ivig", *IVIG)
    with_ci = type(stub)(**{**stub.__dict__, "median_low": 20.0, "median_high": None})
    fig = km_plot([with_ci])
    assert "IVIG: n=5, 3 events, median 35 d (CI 20-NR)" in all_texts(fig)


def test_a_timeline_that_does_not_start_at_zero_starts_at_one() -> None:
    stub = survival_stub("ivig", *IVIG)
    later = stub.timeline[stub.timeline["days"] > 0].reset_index(drop=True)
    fig = km_plot([type(stub)(**{**stub.__dict__, "timeline": later})])
    (curve,) = [a for a in by_gid(fig, "km:ivig") if isinstance(a, Line2D)]
    assert curve.get_xdata()[0] == 0.0 and curve.get_ydata()[0] == 1.0


def test_no_results_or_no_patients_give_a_no_data_figure() -> None:
    assert NO_DATA in all_texts(km_plot([]))
    stub = survival_stub("ivig", *IVIG)
    empty = type(stub)(
        **{**stub.__dict__, "n": 0, "timeline": pd.DataFrame(columns=stub.timeline.columns)}
    )
    assert NO_DATA in all_texts(km_plot([empty]))
