"""The patient timeline: one patient's outcomes above the treatments that may explain them.

Upper panels show each outcome over time (visit scores as marked lines, the daily diary as a thin
line). The lower panel has one row per therapy: a bar per medication course whose height follows
the daily dose within that therapy and whose label gives the daily amount and unit (a dose change
starts a new segment of the same chain), an arrow where a course is still going, a marker per
infusion (IVIG days, rituximab infusions), a hatched bar per procedure series (plasmapheresis),
then rows for adverse events (marker size and label give the grade; filled when serious) and for
monitoring alerts. All panels share the time axis: calendar dates, or days since a reference date
when dates must not be shown (de-identified case reports).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from spsreg.reports.figures.style import (
    FONT_TITLE,
    CohortFramesLike,
    date_axis,
    day_numbers,
    figure_legend,
    finish_layout,
    new_figure,
    no_data_figure,
    outcome_display,
    series_style,
    style_axes,
)
from spsreg.reports.figures.timeline_treatments import (
    draw_treatments,
    format_daily_amount,
    treatment_rows,
)

__all__ = ["TIMELINE_OUTCOMES", "format_daily_amount", "patient_timeline"]

TIMELINE_OUTCOMES = ("stiffness_index", "heightened_sensitivity", "t25fw", "mrs", "diary_stiffness")
"""The outcomes drawn by default, top to bottom (diary outcomes as thin lines)."""

_THIN_OUTCOMES = {"diary_stiffness", "diary_spasms"}
_FIXED_LIMITS = {"mrs": (-0.3, 6.3), "diary_stiffness": (-0.3, 10.3)}


def patient_timeline(
    frames: CohortFramesLike,
    patient_id: str,
    alerts: Sequence[tuple[date, str]] = (),
    *,
    outcomes: Sequence[str] = TIMELINE_OUTCOMES,
    days_from: date | None = None,
    days_from_label: str = "reference date",
    title: str | None = None,
) -> Figure:
    """Draw one patient's timeline; ``alerts`` are (date, short label) pairs to mark.

    With ``days_from`` the time axis is in days since that date (labelled with
    ``days_from_label``) instead of calendar dates. ``title`` replaces the default title.
    """
    title = title or f"Patient {patient_id}: outcomes and treatments"
    patient = frames.patients[frames.patients["patient_id"] == patient_id]
    if patient.empty:
        return no_data_figure(title, "the patient is not in the analysed data")
    own = _own_rows(frames, patient_id)
    observed = own["outcomes"]
    panels = [o for o in outcomes if (observed["outcome"] == o).any()]
    if not panels and all(own[k].empty for k in ("courses", "events", "adverse")) and not alerts:
        return no_data_figure(title, "no outcomes, treatments, adverse events or alerts recorded")

    rows = treatment_rows(own, bool(alerts))
    fig = new_figure(9.0, 1.2 + 1.15 * len(panels) + max(1.2, 0.45 * len(rows)))
    ratios = [1.15] * len(panels) + [max(1.2, 0.45 * len(rows))]
    axes = fig.subplots(len(ratios), 1, sharex=True, height_ratios=ratios, squeeze=False)[:, 0]
    for i, (ax, outcome) in enumerate(zip(axes, panels, strict=False)):
        _draw_outcome(ax, observed[observed["outcome"] == outcome], outcome, i, days_from)
    treat_ax = axes[-1]
    end = _end_of_view(patient.iloc[0], frames.as_of)
    handles = draw_treatments(treat_ax, own, rows, end, alerts, days_from)
    xlabel = "Date" if days_from is None else f"Days since {days_from_label} (days)"
    style_axes(treat_ax, xlabel=xlabel)
    if days_from is None:
        date_axis(treat_ax)
    axes[0].set_title(title, fontsize=FONT_TITLE, loc="left")
    figure_legend(fig, handles, ncols=3)
    return finish_layout(fig)


def _own_rows(frames: CohortFramesLike, patient_id: str) -> dict[str, pd.DataFrame]:
    def of(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["patient_id"] == patient_id]

    return {
        "outcomes": of(frames.outcomes),
        "courses": of(frames.courses),
        "events": of(frames.therapy_events),
        "adverse": of(frames.adverse_events),
    }


def _end_of_view(patient: pd.Series, as_of: date) -> pd.Timestamp:
    end = patient["follow_up_end"]
    return pd.Timestamp(as_of) if pd.isna(end) else pd.Timestamp(end)


def _draw_outcome(
    ax: Axes, rows: pd.DataFrame, outcome: str, index: int, days_from: date | None
) -> None:
    display = outcome_display(outcome)
    style = series_style(index)
    x = day_numbers(rows["date"], days_from)
    values = rows["value"].to_numpy(dtype=float)
    if outcome in _THIN_OUTCOMES:
        ax.plot(x, values, color="#333333", linestyle="-", linewidth=0.7, gid=outcome)
    else:
        ax.plot(
            x,
            values,
            color=style.color,
            linestyle=style.linestyle,
            marker=style.marker,
            markersize=4.5,
            markerfacecolor="white",
            linewidth=1.2,
            gid=outcome,
        )
    if outcome in _FIXED_LIMITS:
        ax.set_ylim(*_FIXED_LIMITS[outcome])
    style_axes(ax, ylabel=f"{display.label}\n({display.unit})")
    ax.grid(axis="y", linewidth=0.4, color="#cccccc")
