"""The forest plot of per-patient effects: each therapy start's change in one outcome, with its CI.

One row per assessable start (from ``cohort_responses``), sorted by the change so that the largest
improvement is on top. The point is the change from the baseline window to the on-treatment
window and the bar its confidence interval from the patient's own variability (missing when the
analysis could not give one). The marker shape tells the therapy, a filled marker a responder.
A dashed line marks no change and a dotted line the median change across the rows shown (a
description of the rows, not a pooled effect estimate). Starts that were not assessable are
counted in the subtitle, never drawn as if they had a value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from spsreg.reports.figures.style import (
    FONT_LABEL,
    FONT_TITLE,
    OUTCOMES,
    figure_legend,
    finish_layout,
    new_figure,
    no_data_figure,
    outcome_display,
    series_style,
    style_axes,
    therapy_label,
)

__all__ = ["MAX_LABELLED_ROWS", "forest_plot", "forest_rows"]

MAX_LABELLED_ROWS = 60
"""Above this many rows the row labels are left out (they would overlap)."""


def forest_rows(
    responses_df: pd.DataFrame, outcome: str, therapy: str | None = None
) -> tuple[pd.DataFrame, int]:
    """The drawable rows (assessable, with a change) sorted by change, and how many were not."""
    rows = responses_df[responses_df["outcome"] == outcome]
    if therapy is not None:
        rows = rows[rows["therapy"] == therapy]
    drawable = rows["assessable"].fillna(False).astype(bool) & rows["change"].notna()
    shown = rows[drawable].sort_values(["change", "patient_id", "start_date"], kind="stable")
    return shown.reset_index(drop=True), int((~drawable).sum())


def forest_plot(
    responses_df: pd.DataFrame,
    outcome: str,
    *,
    therapy: str | None = None,
    title: str | None = None,
) -> Figure:
    """Draw the per-start changes in ``outcome`` (optionally of one therapy only)."""
    display = outcome_display(outcome)
    about = f" after starting {therapy_label(therapy)}" if therapy is not None else ""
    title = title or f"Change in {display.label}{about}, per patient"
    rows, not_assessable = forest_rows(responses_df, outcome, therapy)
    if rows.empty:
        detail = f"no assessable change in {display.label}"
        if not_assessable:
            detail += f" ({_starts(not_assessable)} not assessable)"
        return no_data_figure(title, detail)

    n = len(rows)
    fig = new_figure(8.0, min(2.6 + 0.22 * n, 16.0))
    ax = fig.add_subplot()
    y = np.arange(n - 1, -1, -1, dtype=float)
    low = rows["change_low"].to_numpy(dtype=float)
    high = rows["change_high"].to_numpy(dtype=float)
    with_ci = ~(np.isnan(low) | np.isnan(high))
    ax.hlines(y[with_ci], low[with_ci], high[with_ci], color="black", linewidth=1.1, gid="ci")
    handles: list[Artist] = []
    therapies = list(dict.fromkeys(sorted(rows["therapy"].astype(str))))
    responder = rows["responder"].fillna(False).astype(bool).to_numpy()
    for j, name in enumerate(therapies):
        marker = series_style(j).marker
        mine = (rows["therapy"] == name).to_numpy()
        for filled in (True, False):
            pick = mine & (responder == filled)
            if pick.any():
                ax.plot(
                    rows["change"].to_numpy(dtype=float)[pick], y[pick], linestyle="none",
                    marker=marker, markersize=6, color="black",
                    markerfacecolor="black" if filled else "white", gid=f"estimate:{name}",
                )  # fmt: skip
        handles.append(Line2D([], [], linestyle="none", marker=marker, color="black",
                              markerfacecolor="white", label=therapy_label(name)))  # fmt: skip
    handles.append(Line2D([], [], linestyle="none", marker="o", color="black",
                          markerfacecolor="black", label="filled: responder"))  # fmt: skip
    if with_ci.any():
        handles.append(Line2D([], [], color="black", linewidth=1.1, label="confidence interval"))
    median = float(rows["change"].median())
    handles.append(ax.axvline(0.0, color="black", linestyle="--", linewidth=1.0, gid="zero",
                              label="no change"))  # fmt: skip
    handles.append(ax.axvline(median, color="#555555", linestyle=":", linewidth=1.6, gid="median",
                              label=f"median change {median:.3g} {display.unit} (n={n})"))  # fmt: skip
    if n <= MAX_LABELLED_ROWS:
        labels = [
            f"{pid} · {therapy_label(str(t))} · {_month(start)}"
            for pid, t, start in zip(rows["patient_id"], rows["therapy"], rows["start_date"], strict=True)
        ]  # fmt: skip
        ax.set_yticks(y, labels)
    else:
        ax.set_yticks([])
    ax.set_ylim(-0.8, n - 0.2)
    direction = "; below 0 = lower (better)" if outcome in OUTCOMES else ""
    style_axes(
        ax,
        title=title,
        xlabel=f"Change from baseline in {display.label} ({display.unit}){direction}",
        ylabel="Patient · therapy · start" if n <= MAX_LABELLED_ROWS else f"{n} therapy starts",
    )
    notes = [f"{_starts(not_assessable)} not assessable (not shown)"] if not_assessable else []
    if not with_ci.all():
        notes.append(f"{_starts(int((~with_ci).sum()))} without a confidence interval")
    if notes:  # a line of its own between the title and the plot
        ax.set_title(title, fontsize=FONT_TITLE, loc="left", pad=16.0)
        ax.text(0.0, 1.01, "; ".join(notes), transform=ax.transAxes, ha="left", va="bottom",
                fontsize=FONT_LABEL)  # fmt: skip
    figure_legend(fig, handles, ncols=3)
    return finish_layout(fig)


def _month(start: object) -> str:
    return "start n/a" if pd.isna(start) else pd.Timestamp(start).strftime("%Y-%m")  # type: ignore[call-overload, arg-type]


def _starts(count: int) -> str:
    return f"{count} start" if count == 1 else f"{count} starts"
