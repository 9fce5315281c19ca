"""The lower panel of the patient timeline: treatments, adverse events and alerts in rows.

One row per therapy (in order of first use): a bar per medication course whose height follows the
daily dose within that therapy, labelled with the daily amount and unit (inside the bar when it
fits, else just above or below it); an arrowhead where a course is still going; a marker per
infusion; a hatched bar per procedure series. Then a row of adverse events (marker size and label
give the CTCAE grade, filled when serious) and a row of monitoring alerts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from spsreg.reports.figures.style import (
    FONT_ANNOTATION,
    day_numbers,
    series_style,
    therapy_label,
)

__all__ = [
    "ADVERSE_EVENTS_ROW",
    "ALERTS_ROW",
    "draw_treatments",
    "format_daily_amount",
    "treatment_rows",
]

ADVERSE_EVENTS_ROW = "Adverse events"
ALERTS_ROW = "Alerts"
_CHAR_INCHES = 0.062  # width of one 7-point character, generously
_LEGEND_TEXT = {
    "course": "medication course (bar height = daily dose)",
    "ongoing": "ongoing",
    "infusion": "infusion",
    "procedure": "procedure series",
    "adverse_event": "adverse event (size = grade; filled = serious)",
    "alert": "monitoring alert",
}


def format_daily_amount(amount: float, unit: str | None) -> str:
    """A daily amount as printed on a bar: ``30 mg/d``, ``2.5 g/d`` (mg of 1000 and more in g)."""
    if unit is None or math.isnan(amount):
        return "dose n/a"
    if unit == "mg" and amount >= 1000:
        amount, unit = amount / 1000.0, "g"
    return f"{amount:.3g} {unit}/d"


def treatment_rows(own: dict[str, pd.DataFrame], has_alerts: bool) -> list[str]:
    """Row names, top to bottom: therapies by first date, then adverse events and alerts."""
    firsts: dict[str, pd.Timestamp] = {}
    for therapy, day in zip(own["courses"]["therapy"], own["courses"]["start_date"], strict=True):
        firsts.setdefault(str(therapy), day)
    for therapy, day in zip(own["events"]["therapy"], own["events"]["date"], strict=True):
        firsts.setdefault(str(therapy), day)
    rows = sorted(firsts, key=lambda therapy: (firsts[therapy], therapy))
    if not own["adverse"].empty:
        rows.append(ADVERSE_EVENTS_ROW)
    if has_alerts:
        rows.append(ALERTS_ROW)
    return rows


@dataclass(frozen=True)
class _DoseLabel:
    x0: float
    x1: float
    y: float
    half_height: float
    text: str


def draw_treatments(
    ax: Axes,
    own: dict[str, pd.DataFrame],
    rows: list[str],
    end: pd.Timestamp,
    alerts: Sequence[tuple[date, str]],
    days_from: date | None,
) -> list[Artist]:
    """Draw the panel on ``ax``; return the legend handles of what was drawn."""
    y_of = {row: float(len(rows) - 1 - i) for i, row in enumerate(rows)}
    hatch_of = {row: series_style(i).hatch for i, row in enumerate(rows)}
    kinds: dict[str, Artist] = {}
    labels: list[_DoseLabel] = []
    if not own["courses"].empty:
        labels = _draw_courses(ax, own["courses"], y_of, hatch_of, end, days_from, kinds)
    events = own["events"]
    given = events[events["kind"] == "administration"]
    if not given.empty:
        x = day_numbers(given["date"], days_from)
        y = [y_of[str(t)] + 0.42 for t in given["therapy"]]
        ax.plot(x, y, linestyle="none", marker="v", markersize=4.5, color="black", gid="infusion")
        kinds["infusion"] = Line2D([], [], linestyle="none", marker="v", color="black")
    _draw_procedures(ax, events, y_of, hatch_of, days_from, kinds)
    if not own["adverse"].empty:
        _draw_adverse_events(ax, own["adverse"], y_of[ADVERSE_EVENTS_ROW], days_from, kinds)
    if alerts:
        _draw_alerts(ax, alerts, y_of[ALERTS_ROW], days_from, kinds)
    names = [r if r in (ADVERSE_EVENTS_ROW, ALERTS_ROW) else therapy_label(r) for r in rows]
    ax.set_yticks(list(y_of.values()), names)
    ax.set_ylim(-0.7, len(rows) - 0.2)
    _place_dose_labels(ax, labels)
    for kind, handle in kinds.items():
        handle.set_label(_LEGEND_TEXT[kind])
    return [kinds[k] for k in _LEGEND_TEXT if k in kinds]


def _draw_courses(
    ax: Axes,
    courses: pd.DataFrame,
    y_of: dict[str, float],
    hatch_of: dict[str, str],
    end: pd.Timestamp,
    days_from: date | None,
    kinds: dict[str, Artist],
) -> list[_DoseLabel]:
    starts = day_numbers(courses["start_date"], days_from)
    ongoing = courses["stop_date"].isna().to_numpy()
    stops = day_numbers(courses["stop_date"].where(~courses["stop_date"].isna(), end), days_from)
    amounts = courses["daily_amount"].to_numpy(dtype=float)
    largest = courses.groupby("therapy")["daily_amount"].transform("max").to_numpy(dtype=float)
    units = courses["amount_unit"].tolist()
    labels: list[_DoseLabel] = []
    for i, therapy in enumerate(courses["therapy"].astype(str)):
        level = amounts[i] / largest[i] if largest[i] > 0 and not np.isnan(amounts[i]) else 0.5
        height = 0.2 + 0.5 * level
        width = max(stops[i] - starts[i], 1.0)
        ax.broken_barh(
            [(starts[i], width)],
            (y_of[therapy] - height / 2, height),
            facecolors="#dddddd",
            edgecolors="black",
            linewidth=0.6,
            hatch=hatch_of[therapy],
            gid="course",
        )
        unit = None if units[i] is None else str(units[i])
        text = format_daily_amount(amounts[i], unit)
        labels.append(_DoseLabel(starts[i], starts[i] + width, y_of[therapy], height / 2, text))
        if ongoing[i]:
            ax.plot([stops[i]], [y_of[therapy]], marker=">", color="black", gid="ongoing")
            kinds["ongoing"] = Line2D([], [], linestyle="none", marker=">", color="black")
    kinds["course"] = Patch(facecolor="#dddddd", edgecolor="black", hatch="//")
    return labels


def _place_dose_labels(ax: Axes, labels: list[_DoseLabel]) -> None:
    """Each label inside its bar when it fits, else above it, else below it, else left out."""
    if not labels:
        return
    low, high = ax.get_xlim()
    figure = ax.get_figure(root=True)
    inches = ax.get_position().width * (figure.get_figwidth() if figure is not None else 9.0)
    per_char = _CHAR_INCHES * (high - low) / max(inches, 0.5)
    last_end: dict[tuple[float, str], float] = {}
    for label in labels:
        needed = (len(label.text) + 1) * per_char
        if label.x1 - label.x0 >= needed:
            place, y, va = "inside", label.y, "center"
        elif last_end.get((label.y, "above"), -math.inf) < label.x0:
            place, y, va = "above", label.y + label.half_height, "bottom"
        elif last_end.get((label.y, "below"), -math.inf) < label.x0:
            place, y, va = "below", label.y - label.half_height, "top"
        else:
            continue  # no room: the bar height still shows the dose level
        last_end[(label.y, place)] = label.x0 + needed
        ax.annotate(
            label.text,
            (label.x0, y),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=FONT_ANNOTATION,
            va=va,
            ha="left",
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6},
            gid="dose_label",
        )


def _draw_procedures(
    ax: Axes,
    events: pd.DataFrame,
    y_of: dict[str, float],
    hatch_of: dict[str, str],
    days_from: date | None,
    kinds: dict[str, Artist],
) -> None:
    starts = events[events["kind"] == "procedure_start"]
    ends = events[events["kind"] == "procedure_end"].set_index("ref_id")["date"]
    for ref_id, therapy, day in zip(
        starts["ref_id"], starts["therapy"], starts["date"], strict=True
    ):
        x0, x1 = day_numbers([day, ends.get(ref_id, day)], days_from)
        ax.broken_barh(
            [(x0, max(x1 - x0, 1.0))],
            (y_of[str(therapy)] - 0.3, 0.6),
            facecolors="white",
            edgecolors="black",
            linewidth=0.8,
            hatch=hatch_of[str(therapy)],
            gid="procedure",
        )
        kinds["procedure"] = Patch(facecolor="white", edgecolor="black", hatch="xx")


def _draw_adverse_events(
    ax: Axes, adverse: pd.DataFrame, y: float, days_from: date | None, kinds: dict[str, Artist]
) -> None:
    x = day_numbers(adverse["onset_date"], days_from)
    grades = adverse["grade"].to_numpy(dtype=float)
    serious = adverse["serious"].fillna(False).to_numpy(dtype=bool)
    sizes = [18.0 + 22.0 * (g if not np.isnan(g) else 1.0) for g in grades]
    faces = ["black" if s else "white" for s in serious]
    ax.scatter(
        x, [y] * len(x), s=sizes, marker="o", c=faces, edgecolors="black", gid="adverse_event"
    )
    for xi, grade, term in zip(x, grades, adverse["term"], strict=True):
        _note(ax, xi, y, f"{'G?' if np.isnan(grade) else f'G{grade:.0f}'} {term}")
    kinds["adverse_event"] = Line2D(
        [], [], linestyle="none", marker="o", markerfacecolor="white", color="black"
    )


def _draw_alerts(
    ax: Axes,
    alerts: Sequence[tuple[date, str]],
    y: float,
    days_from: date | None,
    kinds: dict[str, Artist],
) -> None:
    x = day_numbers([day for day, _ in alerts], days_from)
    style = {"linestyle": "none", "marker": "D", "markerfacecolor": "white", "color": "black"}
    ax.plot(x, [y] * len(x), markersize=5.0, gid="alert", **style)  # type: ignore[arg-type]
    for xi, (_, text) in zip(x, alerts, strict=True):
        _note(ax, xi, y, text)
    kinds["alert"] = Line2D([], [], **style)  # type: ignore[arg-type]


def _note(ax: Axes, x: float, y: float, text: str) -> None:
    """A short label just right of a marker."""
    ax.annotate(
        text,
        (x, y),
        xytext=(6, 0),
        textcoords="offset points",
        va="center",
        fontsize=FONT_ANNOTATION,
    )
