"""Kaplan-Meier curves (e.g. time to discontinuation of a therapy) with the numbers at risk.

Each result is a step curve with its confidence band; a vertical tick marks each time a patient
was censored (still on the therapy at their last follow-up), and a table under the axes gives the
number of patients still at risk at each labelled time. Curves differ in line style as well as
colour. The input is the analysis's ``SurvivalResult`` (read through :class:`SurvivalCurve`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from spsreg.reports.figures.style import (
    FONT_LABEL,
    FONT_TICK,
    figure_legend,
    finish_layout,
    new_figure,
    no_data_figure,
    series_style,
    style_axes,
    therapy_label,
)

__all__ = ["SurvivalCurve", "at_risk_at", "censored_points", "km_plot"]


class SurvivalCurve(Protocol):
    """What the plot reads of ``spsreg.analysis.survival.SurvivalResult``.

    ``timeline`` has columns ``days, survival, low, high, at_risk`` (one row per distinct time,
    lifelines' convention: ``at_risk`` counts the patients whose time is at or after ``days``).
    """

    @property
    def therapy(self) -> str: ...
    @property
    def n(self) -> int: ...
    @property
    def events(self) -> int: ...
    @property
    def median_days(self) -> float | None: ...
    @property
    def median_low(self) -> float | None: ...
    @property
    def median_high(self) -> float | None: ...
    @property
    def timeline(self) -> pd.DataFrame: ...


def _from_zero(timeline: pd.DataFrame, n: int) -> pd.DataFrame:
    table = timeline.sort_values("days").reset_index(drop=True)
    if table.empty or float(table["days"].iloc[0]) > 0.0:
        first = pd.DataFrame(
            {"days": [0.0], "survival": [1.0], "low": [1.0], "high": [1.0], "at_risk": [float(n)]}
        )
        table = pd.concat([first, table[["days", "survival", "low", "high", "at_risk"]]])
    return table.reset_index(drop=True)


def censored_points(timeline: pd.DataFrame) -> pd.DataFrame:
    """Times with censored patients: ``days, survival, censored`` (count).

    Uses a ``censored`` column when the timeline has one; otherwise derives it from the at-risk
    counts and the survival steps: patients leaving the risk set at a time minus the events there
    (events = at risk x (1 - S(t) / S(t-))).
    """
    table = timeline.sort_values("days").reset_index(drop=True)
    if "censored" in table.columns:
        counts = table["censored"].to_numpy(dtype=float)
    else:
        at_risk = table["at_risk"].to_numpy(dtype=float)
        survival = table["survival"].to_numpy(dtype=float)
        leaving = at_risk - np.append(at_risk[1:], 0.0)
        before = np.append(1.0, survival[:-1])
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(before > 0, survival / before, 1.0)
        counts = leaving - np.round(at_risk * (1.0 - ratio))
    keep = counts > 0.5
    return pd.DataFrame(
        {
            "days": table["days"].to_numpy(dtype=float)[keep],
            "survival": table["survival"].to_numpy(dtype=float)[keep],
            "censored": np.round(counts[keep]),
        }
    )


def at_risk_at(timeline: pd.DataFrame, days: float) -> int:
    """Patients still at risk at ``days``: at risk at the first time at or after it (0 past the end)."""
    later = timeline[timeline["days"] >= days].sort_values("days")
    return 0 if later.empty else round(float(later["at_risk"].iloc[0]))


def _legend_text(result: SurvivalCurve) -> str:
    def days(value: float | None) -> str:
        return "NR" if value is None or not np.isfinite(value) else f"{value:.0f}"

    median = "median not reached"
    if result.median_days is not None and np.isfinite(result.median_days):
        median = f"median {days(result.median_days)} d"
        if result.median_low is not None or result.median_high is not None:
            median += f" (CI {days(result.median_low)}-{days(result.median_high)})"
    events = f"{result.events} event" + ("" if result.events == 1 else "s")
    return f"{therapy_label(result.therapy)}: n={result.n}, {events}, {median}"


def km_plot(
    results: Sequence[SurvivalCurve],
    *,
    title: str = "Time to discontinuation",
    xlabel: str = "Days since therapy start (days)",
    ylabel: str = "Proportion still on therapy",
) -> Figure:
    """Draw the Kaplan-Meier curves of ``results`` with a numbers-at-risk table under the axes."""
    shown = [r for r in results if r.n > 0 and not r.timeline.empty]
    if not shown:
        return no_data_figure(title, "no patients with this therapy")
    tables = [_from_zero(r.timeline, r.n) for r in shown]
    last = max(float(t["days"].max()) for t in tables)
    ticks = [
        t
        for t in MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(0, last)
        if 0 <= t <= last
    ]

    fig = new_figure(8.0, 4.6 + 0.28 * len(shown))
    ax, risk = fig.subplots(2, 1, sharex=True, height_ratios=[4.0, 0.5 + 0.28 * len(shown)])
    handles: list[Artist] = []
    for i, (result, table) in enumerate(zip(shown, tables, strict=True)):
        handles.append(_draw_curve(ax, result, table, i))
    handles.append(Line2D([], [], linestyle="none", marker="|", color="black", markersize=8,
                          label="censored (still on therapy at last follow-up)"))  # fmt: skip
    ax.set_ylim(0.0, 1.03)
    ax.set_xlim(0.0, last * 1.02 if last > 0 else 1.0)
    ax.set_xticks(ticks)
    style_axes(ax, title=title, xlabel=xlabel, ylabel=ylabel)
    ax.xaxis.set_tick_params(labelbottom=True)
    _draw_at_risk(risk, shown, tables, ticks)
    figure_legend(fig, handles, ncols=1)
    return finish_layout(fig)


def _draw_curve(ax: Axes, result: SurvivalCurve, table: pd.DataFrame, index: int) -> Artist:
    style = series_style(index)
    days: npt.NDArray[np.float64] = table["days"].to_numpy(dtype=float)
    ax.fill_between(
        days, table["low"].to_numpy(dtype=float), table["high"].to_numpy(dtype=float),
        step="post", facecolor=style.color, alpha=0.12, linewidth=0.0, gid=f"ci:{result.therapy}",
    )  # fmt: skip
    (line,) = ax.step(
        days, table["survival"].to_numpy(dtype=float), where="post", color=style.color,
        linestyle=style.linestyle, linewidth=1.6, label=_legend_text(result),
        gid=f"km:{result.therapy}",
    )  # fmt: skip
    for bound in (
        "low",
        "high",
    ):  # band edges in the curve's dash pattern: bands stay apart in grey
        ax.step(
            days, table[bound].to_numpy(dtype=float), where="post", color=style.color,
            linestyle=style.linestyle, linewidth=0.5, alpha=0.7, gid=f"ci_edge:{result.therapy}",
        )  # fmt: skip
    censored = censored_points(table)
    if not censored.empty:
        ax.plot(censored["days"], censored["survival"], linestyle="none", marker="|",
                markersize=8, color=style.color, gid=f"censored:{result.therapy}")  # fmt: skip
    return line


def _draw_at_risk(
    risk: Axes, shown: Sequence[SurvivalCurve], tables: Sequence[pd.DataFrame], ticks: list[float]
) -> None:
    rows = len(shown)
    for i, (result, table) in enumerate(zip(shown, tables, strict=True)):
        y = float(rows - 1 - i)
        for tick in ticks:
            risk.text(tick, y, str(at_risk_at(table, tick)), ha="center", va="center",
                      fontsize=FONT_TICK, gid=f"at_risk:{result.therapy}")  # fmt: skip
    risk.set_ylim(-0.6, rows - 0.4)
    risk.set_yticks(
        [float(rows - 1 - i) for i in range(rows)], [therapy_label(r.therapy) for r in shown]
    )
    risk.tick_params(axis="y", length=0, pad=14, labelsize=FONT_TICK)
    risk.tick_params(axis="x", length=0, labelbottom=False)
    for side in ("top", "right", "bottom", "left"):
        risk.spines[side].set_visible(False)
    risk.set_title("Number at risk", fontsize=FONT_LABEL, loc="left")
