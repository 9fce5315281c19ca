"""The house style of spsreg figures: readable in black-and-white print, reproducible on disk.

Every figure is a :class:`matplotlib.figure.Figure` with its own Agg canvas (pyplot is never used,
so no global figure manager or backend switch is touched). Series are told apart by line style,
marker and hatch first and by colour only in addition, so a greyscale print keeps them apart.
:func:`save_figure` writes SVG and PNG without creation dates or version strings, so the same
figure gives byte-identical files on every save.

Outcome names and units come from one table (:data:`OUTCOMES`); the scale units are read from the
knowledge pack's scale definitions so that an axis never shows a unit the scale does not use.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import matplotlib
import numpy as np
import numpy.typing as npt
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

from spsreg.analysis.therapies import THERAPIES
from spsreg.knowledge.scales import load_scale_definitions

__all__ = [
    "DPI",
    "FONT_ANNOTATION",
    "FONT_LABEL",
    "FONT_LEGEND",
    "FONT_TICK",
    "FONT_TITLE",
    "NO_DATA",
    "OUTCOMES",
    "CohortFramesLike",
    "OutcomeDisplay",
    "SeriesStyle",
    "date_axis",
    "day_numbers",
    "figure_legend",
    "finish_layout",
    "legend",
    "new_figure",
    "no_data_figure",
    "outcome_display",
    "save_figure",
    "series_style",
    "style_axes",
    "therapy_label",
]

DPI = 150
FONT_TITLE = 11.0
FONT_LABEL = 9.0
FONT_TICK = 8.0
FONT_LEGEND = 8.0
FONT_ANNOTATION = 7.0
NO_DATA = "no data"

# Okabe-Ito colours, dark first: distinguishable with colour-vision deficiency; in greyscale the
# line style, marker and hatch of each series carry the distinction.
_COLOURS = ("#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
_LINESTYLES: tuple[str | tuple[float, tuple[float, ...]], ...] = (
    "-",
    "--",
    ":",
    "-.",
    (0.0, (6.0, 2.0, 1.0, 2.0, 1.0, 2.0)),
    (0.0, (1.0, 1.0)),
    (0.0, (8.0, 3.0)),
    (0.0, (3.0, 1.0, 1.0, 1.0)),
)
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
_HATCHES = ("//", "\\\\", "xx", "..", "++", "--", "oo", "||")


@dataclass(frozen=True)
class SeriesStyle:
    """How one series is drawn: every field differs between the first eight series."""

    color: str
    linestyle: str | tuple[float, tuple[float, ...]]
    marker: str
    hatch: str


def series_style(index: int) -> SeriesStyle:
    """The style of the ``index``-th series (0-based); cycles after eight series."""
    i = index % len(_MARKERS)
    return SeriesStyle(_COLOURS[i], _LINESTYLES[i], _MARKERS[i], _HATCHES[i])


@dataclass(frozen=True)
class OutcomeDisplay:
    """An outcome's name on a figure and its unit (the unit goes in brackets on the axis)."""

    id: str
    label: str
    unit: str

    @property
    def axis_label(self) -> str:
        return f"{self.label} ({self.unit})"


def _scale_unit(scale_id: str, fallback: str) -> str:
    total = load_scale_definitions()[scale_id].scoring.total
    return total.unit if total is not None and total.unit else fallback


OUTCOMES: dict[str, OutcomeDisplay] = {
    "stiffness_index": OutcomeDisplay(
        "stiffness_index", "Stiffness index", _scale_unit("stiffness_index", "regions")
    ),
    "heightened_sensitivity": OutcomeDisplay(
        "heightened_sensitivity", "HSS", _scale_unit("heightened_sensitivity", "positive items")
    ),
    "t25fw": OutcomeDisplay("t25fw", "Timed 25-foot walk", _scale_unit("t25fw", "s")),
    "mrs": OutcomeDisplay("mrs", "mRS", _scale_unit("mrs", "grade")),
    "diary_stiffness": OutcomeDisplay("diary_stiffness", "Diary stiffness", "NRS 0-10"),
    "diary_spasms": OutcomeDisplay("diary_spasms", "Diary spasms", "spasms/day"),
}
"""Outcome ids of the analysis frames (``outcomes.outcome``) with their display name and unit."""


def outcome_display(outcome: str) -> OutcomeDisplay:
    """The display of a known outcome, or the id itself with an unnamed unit."""
    return OUTCOMES.get(outcome, OutcomeDisplay(outcome, outcome.replace("_", " "), "units"))


_THERAPY_WORDS = {"ivig": "IVIG", "hsct": "HSCT", "car": "CAR", "itb": "ITB", "t": "T"}
_LONGEST_LABEL = 24


def therapy_label(therapy: str) -> str:
    """A therapy's short name for axes and legends.

    The name of :data:`spsreg.analysis.therapies.THERAPIES` shortened: its abbreviation when it
    gives one in brackets ("IVIG"), the words before the brackets otherwise ("Plasmapheresis");
    a long name or an unnamed therapy is spelled from its id ("HSCT", "baclofen").
    """
    spec = THERAPIES.get(therapy)
    if spec is not None:
        name, _, inside = spec.label.partition("(")
        inside = inside.rstrip(")").strip()
        short = inside if inside and inside.upper() == inside else name.strip()
        if len(short) <= _LONGEST_LABEL:
            return short
    words = [_THERAPY_WORDS.get(word, word) for word in therapy.split("_")]
    label = " ".join(words).replace("CAR T", "CAR-T")
    return label[:1].upper() + label[1:]


class CohortFramesLike(Protocol):
    """What the figures read of :class:`spsreg.analysis.frames.CohortFrames` (same columns)."""

    @property
    def patients(self) -> pd.DataFrame: ...
    @property
    def outcomes(self) -> pd.DataFrame: ...
    @property
    def courses(self) -> pd.DataFrame: ...
    @property
    def therapy_events(self) -> pd.DataFrame: ...
    @property
    def adverse_events(self) -> pd.DataFrame: ...
    @property
    def as_of(self) -> date: ...


def new_figure(width: float, height: float) -> Figure:
    """An empty figure (inches) with its own Agg canvas and constrained layout; no pyplot."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def style_axes(
    ax: Axes,
    *,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
) -> None:
    """Apply the house fonts and frame to one axes and set its labels."""
    ax.tick_params(labelsize=FONT_TICK)
    ax.spines["top"].set_visible(False)
    ax.spines["right"].set_visible(False)
    if title is not None:
        ax.set_title(title, fontsize=FONT_TITLE, loc="left")
    if xlabel is not None:
        ax.set_xlabel(xlabel, fontsize=FONT_LABEL)
    if ylabel is not None:
        ax.set_ylabel(ylabel, fontsize=FONT_LABEL)


def date_axis(ax: Axes) -> None:
    """Calendar dates on the x axis (values from :func:`day_numbers` without an origin)."""
    locator = AutoDateLocator(minticks=3, maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def day_numbers(values: Iterable[object], origin: date | None = None) -> npt.NDArray[np.float64]:
    """Dates as plot coordinates: matplotlib date numbers, or days since ``origin`` when given.

    Missing dates (None/NaT) become NaN so that they are not drawn.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    stamps = pd.to_datetime(series).to_numpy(dtype="datetime64[ns]")
    numbers = np.asarray(date2num(stamps), dtype=np.float64)  # type: ignore[no-untyped-call]
    if origin is not None:
        numbers = numbers - float(date2num(pd.Timestamp(origin)))  # type: ignore[no-untyped-call]
    return numbers


def no_data_figure(title: str, detail: str = "") -> Figure:
    """A small figure that says there is nothing to draw (instead of failing on empty inputs)."""
    fig = new_figure(6.0, 2.5)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(title, fontsize=FONT_TITLE, loc="left")
    ax.text(
        0.5, 0.55, NO_DATA, ha="center", va="center", fontsize=FONT_TITLE, transform=ax.transAxes
    )
    if detail:
        ax.text(
            0.5, 0.3, detail, ha="center", va="center", fontsize=FONT_LABEL, transform=ax.transAxes
        )
    return finish_layout(fig)


def finish_layout(fig: Figure) -> Figure:
    """Lay the figure out once and fix that layout, so every later draw and save is identical.

    (Constrained layout re-run on each draw moves axes by rounding noise, which changes SVG ids.)
    """
    fig.draw_without_rendering()
    fig.set_layout_engine("none")
    return fig


def save_figure(fig: Figure, path_without_suffix: str | Path) -> tuple[Path, Path]:
    """Write ``<path>.svg`` and ``<path>.png`` (at :data:`DPI`); return both paths.

    No creation date, no software version and a fixed SVG id salt, so saving the same figure
    twice gives byte-identical files. Parent folders are created.
    """
    base = Path(path_without_suffix)
    base.parent.mkdir(parents=True, exist_ok=True)
    svg_path = base.with_name(base.name + ".svg")
    png_path = base.with_name(base.name + ".png")
    with matplotlib.rc_context({"svg.hashsalt": "spsreg", "svg.fonttype": "path"}):
        fig.savefig(svg_path, format="svg", metadata={"Date": None, "Creator": "spsreg"})
        fig.savefig(png_path, format="png", dpi=DPI, metadata={"Software": "spsreg"})
    return svg_path, png_path


def legend(ax: Axes, handles: Sequence[Artist] | None = None, **kwargs: Any) -> None:
    """A legend in the house font (only when there is something to list)."""
    if handles is None:
        found, _ = ax.get_legend_handles_labels()
        if found:
            ax.legend(fontsize=FONT_LEGEND, frameon=False, **kwargs)
    elif handles:
        ax.legend(handles=handles, fontsize=FONT_LEGEND, frameon=False, **kwargs)


def figure_legend(fig: Figure, handles: Sequence[Artist], *, ncols: int = 2) -> None:
    """A legend below the axes of the whole figure (kept clear of the data by the layout)."""
    if handles:
        fig.legend(
            handles=handles,
            loc="outside lower center",
            ncols=ncols,
            fontsize=FONT_LEGEND,
            frameon=False,
        )
