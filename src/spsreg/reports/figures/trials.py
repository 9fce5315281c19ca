"""Figures of small-trial analyses (``spsreg trials analyze --figure``), readable in black and white.

* :func:`crossover_profiles` — one panel per sequence (AB, BA): each subject's outcome in period 1
  and period 2 joined by a thin line, the sequence mean by a thick one; the marker tells the
  treatment (filled = A, the active treatment; open = B), so a period or carry-over pattern and
  the within-subject effect can both be seen.
* :func:`ancova_plot` — follow-up outcome against baseline per group (filled = treatment, open =
  control) with the two parallel ANCOVA lines; their vertical distance is the adjusted effect.
* :func:`nof1_forest` — each patient's effect with its interval, the fixed-effect and the
  random-effects pooled effects as diamonds and the prediction interval as a bar.

Inputs are plain values (this layer does not import :mod:`spsreg.trials`); the house style of
:mod:`spsreg.reports.figures.style` applies. :func:`write_figure` writes SVG or PNG by suffix.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon

from spsreg.reports.figures.style import (
    DPI,
    figure_legend,
    finish_layout,
    new_figure,
    style_axes,
)

__all__ = ["ancova_plot", "crossover_profiles", "nof1_forest", "write_figure"]

Interval = tuple[float, float, float]
"""(estimate, low, high)."""


def crossover_profiles(
    sequences: Sequence[str],
    period1: Sequence[float],
    period2: Sequence[float],
    outcome_label: str = "Outcome",
) -> Figure:
    """Subject profiles by sequence of a 2x2 crossover (``AB`` = A in period 1)."""
    fig = new_figure(8.0, 4.0)
    axes = fig.subplots(1, 2, sharey=True)
    y1, y2 = np.asarray(period1, dtype=float), np.asarray(period2, dtype=float)
    seq = np.asarray(sequences, dtype=object)
    for ax, name in zip(axes, ("AB", "BA"), strict=True):
        mine = seq == name
        fills = ("black", "white") if name == "AB" else ("white", "black")
        for a, b in zip(y1[mine], y2[mine], strict=True):
            ax.plot([1, 2], [a, b], color="#777777", linewidth=0.8)
        for x, values, fill in ((1, y1[mine], fills[0]), (2, y2[mine], fills[1])):
            ax.plot(np.full(len(values), x), values, linestyle="none", marker="o",
                    markersize=5, color="black", markerfacecolor=fill)  # fmt: skip
        if mine.any():
            ax.plot([1, 2], [y1[mine].mean(), y2[mine].mean()], color="black", linewidth=2.4)
        ax.set_xticks([1, 2], ["Period 1", "Period 2"])
        ax.set_xlim(0.7, 2.3)
        first, second = ("A", "B") if name == "AB" else ("B", "A")
        style_axes(ax, title=f"Sequence {name} ({first} then {second}), n={int(mine.sum())}",
                   ylabel=outcome_label if name == "AB" else None)  # fmt: skip
    figure_legend(fig, [
        Line2D([], [], linestyle="none", marker="o", color="black", markerfacecolor="black",
               label="on A (treatment)"),
        Line2D([], [], linestyle="none", marker="o", color="black", markerfacecolor="white",
               label="on B (control)"),
        Line2D([], [], color="black", linewidth=2.4, label="sequence mean"),
    ], ncols=3)  # fmt: skip
    return finish_layout(fig)


def ancova_plot(
    groups: Sequence[str],
    baseline: Sequence[float],
    outcome: Sequence[float],
    *,
    intercept: float,
    effect: float,
    slope: float,
    outcome_label: str = "Outcome",
) -> Figure:
    """Follow-up against baseline with the fitted ANCOVA lines (control: ``intercept + slope x``,
    treatment: the same plus ``effect``)."""
    fig = new_figure(6.5, 4.6)
    ax = fig.add_subplot()
    x, y = np.asarray(baseline, dtype=float), np.asarray(outcome, dtype=float)
    treated = np.asarray(groups, dtype=object) == "treatment"
    span = np.linspace(float(x.min()), float(x.max()), 2)
    handles = []
    series: list[tuple[np.ndarray, str, Literal["-", "--"], float, str]] = [
        (treated, "black", "-", effect, "treatment"),
        (~treated, "white", "--", 0.0, "control"),
    ]
    for pick, fill, style, shift, label in series:
        ax.plot(x[pick], y[pick], linestyle="none", marker="o", markersize=6, color="black",
                markerfacecolor=fill)  # fmt: skip
        ax.plot(span, intercept + shift + slope * span, color="black", linestyle=style)
        handles.append(Line2D([], [], color="black", linestyle=style, marker="o",
                              markerfacecolor=fill, label=label))  # fmt: skip
    style_axes(ax, title=f"ANCOVA: adjusted effect {effect:.3g} (treatment - control)",
               xlabel=f"Baseline {outcome_label}", ylabel=f"Follow-up {outcome_label}")  # fmt: skip
    figure_legend(fig, handles, ncols=2)
    return finish_layout(fig)


def nof1_forest(
    patients: Sequence[str],
    effects: Sequence[Interval],
    *,
    fixed: Interval,
    random: Interval,
    prediction: tuple[float, float] | None,
    outcome_label: str = "Outcome",
) -> Figure:
    """Forest plot of N-of-1 effects (treatment - control) with the pooled effects."""
    k = len(patients)
    fig = new_figure(7.5, min(2.8 + 0.3 * (k + 3), 16.0))
    ax = fig.add_subplot()
    rows = np.arange(k + 2, 2, -1, dtype=float)
    estimates = np.array([e[0] for e in effects], dtype=float)
    ax.hlines(rows, [e[1] for e in effects], [e[2] for e in effects], color="black", linewidth=1.1)
    ax.plot(estimates, rows, linestyle="none", marker="s", markersize=5, color="black")
    for y, (estimate, low, high), fill in ((1.5, fixed, "white"), (0.5, random, "black")):
        ax.add_patch(Polygon([(low, y), (estimate, y + 0.3), (high, y), (estimate, y - 0.3)],
                             closed=True, facecolor=fill, edgecolor="black"))  # fmt: skip
    labels = [*patients, "Fixed effect", "Random effects (DL)"]
    if prediction is not None:
        ax.hlines(-0.5, prediction[0], prediction[1], color="black", linewidth=2.0,
                  linestyle=":")  # fmt: skip
        labels.append("Prediction interval")
    ax.set_yticks([*rows, 1.5, 0.5, *([-0.5] if prediction is not None else [])], labels)
    ax.axvline(0.0, color="black", linestyle="--", linewidth=1.0)
    ax.set_ylim(-1.1 if prediction is not None else -0.1, k + 3)
    style_axes(ax, title="Series of N-of-1 trials",
               xlabel=f"Effect on {outcome_label} (treatment - control)")  # fmt: skip
    return finish_layout(fig)


def write_figure(fig: Figure, path: Path) -> Path:
    """Write ``fig`` to ``path`` as SVG or PNG (by the suffix), reproducibly (no dates)."""
    suffix = path.suffix.lower()
    if suffix not in {".svg", ".png"}:
        raise ValueError(f"{path}: the figure file must end in .svg or .png")
    path.parent.mkdir(parents=True, exist_ok=True)
    with matplotlib.rc_context({"svg.hashsalt": "spsreg", "svg.fonttype": "path"}):
        if suffix == ".svg":
            fig.savefig(path, format="svg", metadata={"Date": None, "Creator": "spsreg"})
        else:
            fig.savefig(path, format="png", dpi=DPI, metadata={"Software": "spsreg"})
    return path
