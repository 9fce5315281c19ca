"""Outcome trajectories aligned on therapy start: did patients change after they began a therapy?

Each start of the therapy (from ``therapy_starts``) is a thin grey line of the patient's outcome
against days from the start (x = 0 is the start). Over them a bold line gives the median across
patients in bins of days, with the interquartile range as a hatched band; a bin shows a median only
when enough patients have a value in it (each patient counts once per bin: the mean of their values
there). This is a picture of the raw data, not an estimate of the therapy's effect.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from spsreg.reports.figures.style import (
    CohortFramesLike,
    figure_legend,
    finish_layout,
    new_figure,
    no_data_figure,
    outcome_display,
    style_axes,
    therapy_label,
)

__all__ = ["aligned_observations", "aligned_trajectories", "binned_quartiles"]


def aligned_observations(
    frames: CohortFramesLike,
    therapy: str,
    outcome: str,
    starts_df: pd.DataFrame,
    *,
    window_days: tuple[int, int] = (-180, 365),
    events: Sequence[str] = ("start",),
) -> pd.DataFrame:
    """Observations in the window around each start: ``start_key, patient_id, day, value``.

    ``start_key`` numbers the starts (a patient who started twice has two trajectories).
    """
    starts = starts_df[(starts_df["therapy"] == therapy) & starts_df["event"].isin(list(events))]
    starts = starts[["patient_id", "start_date"]].dropna().reset_index(drop=True)
    starts["start_key"] = np.arange(len(starts))
    observed = frames.outcomes[frames.outcomes["outcome"] == outcome]
    observed = observed[["patient_id", "date", "value"]].dropna()
    joined = starts.merge(observed, on="patient_id", how="inner")
    joined["day"] = (joined["date"] - joined["start_date"]).dt.days.astype(float)
    inside = joined[(joined["day"] >= window_days[0]) & (joined["day"] <= window_days[1])]
    inside = inside.sort_values(["start_key", "day"], kind="stable")
    return inside[["start_key", "patient_id", "day", "value"]].reset_index(drop=True)


def binned_quartiles(
    aligned: pd.DataFrame, *, bin_days: int = 30, min_patients: int = 3
) -> pd.DataFrame:
    """Per bin of days: ``day`` (bin centre), ``n`` (patients), ``q1``, ``median``, ``q3``.

    Bins are aligned so that one bin ends at day 0 and the next begins there; each start counts once
    per bin (its mean value there); bins with fewer than ``min_patients`` starts are left out.
    """
    if aligned.empty:
        return pd.DataFrame({c: pd.Series(dtype=float) for c in ("day", "n", "q1", "median", "q3")})
    binned = aligned.assign(bin=np.floor(aligned["day"] / bin_days).astype(int))
    per_start = binned.groupby(["bin", "start_key"], sort=True)["value"].mean().reset_index()
    grouped = per_start.groupby("bin")["value"]
    table = pd.DataFrame(
        {
            "n": grouped.size().astype(float),
            "q1": grouped.quantile(0.25),
            "median": grouped.median(),
            "q3": grouped.quantile(0.75),
        }
    )
    table["day"] = (table.index.to_numpy(dtype=float) + 0.5) * bin_days
    table = table[table["n"] >= min_patients]
    return table[["day", "n", "q1", "median", "q3"]].reset_index(drop=True)


def aligned_trajectories(
    frames: CohortFramesLike,
    therapy: str,
    outcome: str,
    starts_df: pd.DataFrame,
    *,
    window_days: tuple[int, int] = (-180, 365),
    bin_days: int = 30,
    min_patients: int = 3,
) -> Figure:
    """Draw the outcome around each start of ``therapy`` (defaults are display conventions)."""
    display = outcome_display(outcome)
    title = f"{display.label} around the start of {therapy_label(therapy)}"
    aligned = aligned_observations(frames, therapy, outcome, starts_df, window_days=window_days)
    if aligned.empty:
        return no_data_figure(title, f"no {display.label} observations around a start")
    quartiles = binned_quartiles(aligned, bin_days=bin_days, min_patients=min_patients)

    fig = new_figure(7.5, 5.2)
    ax = fig.add_subplot()
    segments = [
        group[["day", "value"]].to_numpy(dtype=float)
        for _, group in aligned.groupby("start_key", sort=True)
    ]
    n_starts = len(segments)
    n_patients = aligned["patient_id"].nunique()
    ax.add_collection(
        LineCollection(
            segments, colors="#9a9a9a", linewidths=0.6, linestyles="-", gid="patients", zorder=1
        )
    )
    single = [s for s in segments if len(s) == 1]
    if single:  # a start with one observation has no line; show its point
        points = np.vstack(single)
        ax.plot(points[:, 0], points[:, 1], linestyle="none", marker=".", color="#9a9a9a",
                markersize=3, gid="patients_single")  # fmt: skip
    handles: list[Artist] = [
        Line2D([], [], color="#9a9a9a", linewidth=0.6,
               label=f"each start ({n_starts} starts, {n_patients} patients)"),
    ]  # fmt: skip
    if not quartiles.empty:
        ax.fill_between(
            quartiles["day"], quartiles["q1"], quartiles["q3"], facecolor="#d0d0d0",
            edgecolor="black", hatch="..", linewidth=0.0, alpha=0.6, gid="iqr", zorder=2,
        )  # fmt: skip
        ax.plot(quartiles["day"], quartiles["median"], color="black", linewidth=2.4, marker="o",
                markersize=4, gid="median", zorder=3)  # fmt: skip
        handles += [
            Line2D([], [], color="black", linewidth=2.4, marker="o", markersize=4,
                   label=f"median per {bin_days}-day bin (bins with >= {min_patients} starts)"),
            Patch(facecolor="#d0d0d0", edgecolor="black", hatch="..", label="interquartile range"),
        ]  # fmt: skip
    ax.axvline(0.0, color="black", linestyle="--", linewidth=1.0, gid="start", zorder=4)
    handles.append(Line2D([], [], color="black", linestyle="--", linewidth=1.0,
                          label=f"start of {therapy_label(therapy)} (day 0)"))  # fmt: skip
    ax.set_xlim(window_days[0], window_days[1])
    ax.autoscale(axis="y")
    style_axes(
        ax,
        title=title,
        xlabel=f"Days from start of {therapy_label(therapy)} (days)",
        ylabel=display.axis_label,
    )
    figure_legend(fig, handles)
    return finish_layout(fig)
