"""The swimmer plot: each patient's therapy lines as bars along time since their first line.

One row per patient (longest follow-up on top). Each therapy line is a bar with its own hatch, so
therapies stay apart in black-and-white print; lines that overlap in time (an add-on therapy) share
the row in stacked lanes. Where a line stopped, a marker shows why (the stop reason of the course
that ended it; a procedure series ends "completed"); a line still going ends in an arrowhead at the
patient's last follow-up.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from spsreg.reports.figures.style import (
    CohortFramesLike,
    finish_layout,
    legend,
    new_figure,
    no_data_figure,
    series_style,
    style_axes,
    therapy_label,
)

__all__ = ["DAYS_PER_MONTH", "STOP_MARKERS", "swimmer_plot"]

DAYS_PER_MONTH = 365.25 / 12
_DEFAULT_TITLE = "Therapy lines by patient"

STOP_MARKERS: Mapping[str, tuple[str, str]] = {
    "ineffective": ("x", "stopped: ineffective"),
    "adverse_event": ("^", "stopped: adverse event"),
    "tolerance": ("v", "stopped: tolerance"),
    "patient_choice": ("s", "stopped: patient choice"),
    "course_completed": ("|", "course completed"),
    "remission": ("*", "stopped: remission"),
    "access_or_cost": ("D", "stopped: access or cost"),
    "pregnancy": ("P", "stopped: pregnancy"),
    "death": ("X", "death"),
    "dose_changed": ("d", "stopped after a dose change"),
    "other": ("o", "stopped: other reason"),
    "unknown": ("h", "stopped: reason not recorded"),
}
"""Stop reason (``MedicationCourse.stop_reason``) -> (marker, legend text)."""


def swimmer_plot(
    lines_df: pd.DataFrame,
    frames: CohortFramesLike,
    *,
    max_patients: int = 40,
    title: str = _DEFAULT_TITLE,
) -> Figure:
    """Draw the lines of therapy (``therapy_lines`` columns) of up to ``max_patients`` patients.

    Patients with the longest follow-up are shown first; the title says how many were left out.
    """
    lines = lines_df.dropna(subset=["start_date"])
    if lines.empty:
        return no_data_figure(title, "no therapy lines in the selected patients")
    lines = _with_ends(lines, frames)
    spans = (
        lines.groupby("patient_id")["end"].max() - lines.groupby("patient_id")["start_date"].min()
    )
    order = sorted(spans.index, key=lambda pid: (-spans[pid].days, str(pid)))
    shown = order[:max_patients]
    if len(order) > len(shown):
        title = f"{title} (the {len(shown)} of {len(order)} patients with longest follow-up)"
    therapies = sorted(set(lines["therapy"].astype(str)))
    hatch_of = {t: series_style(i).hatch for i, t in enumerate(therapies)}
    colour_of = {t: series_style(i).color for i, t in enumerate(therapies)}

    nudge = (
        0.012 * max(spans[pid].days for pid in shown) / DAYS_PER_MONTH
    )  # markers beside bar ends
    fig = new_figure(9.0, 1.6 + 0.38 * len(shown))
    ax = fig.add_subplot()
    reasons_seen: set[str] = set()
    ongoing_seen = False
    for row, pid in enumerate(shown):
        y = float(len(shown) - 1 - row)
        own = lines[lines["patient_id"] == pid].sort_values(["start_date", "line"])
        origin = own["start_date"].min()
        lanes = _lanes(own)
        lane_height = 0.76 / max(lanes) if lanes else 0.76
        for (_, line), lane in zip(own.iterrows(), lanes, strict=True):
            x0 = (line["start_date"] - origin).days / DAYS_PER_MONTH
            x1 = (line["end"] - origin).days / DAYS_PER_MONTH
            bottom = y - 0.38 + (lane - 1) * lane_height
            therapy = str(line["therapy"])
            ax.broken_barh(
                [(x0, max(x1 - x0, 0.15))],
                (bottom, lane_height * 0.92),
                facecolors=_tint(colour_of[therapy]),
                edgecolors="black",
                linewidth=0.6,
                hatch=hatch_of[therapy],
                gid=f"line:{therapy}",
            )
            middle = bottom + lane_height * 0.46
            if line["ongoing"]:
                ongoing_seen = True
                ax.plot(
                    [x1 + nudge], [middle], marker=">", color="black", markersize=6, gid="ongoing"
                )
            else:
                reason = str(line["reason"])
                reasons_seen.add(reason)
                marker, _ = STOP_MARKERS[reason]
                ax.plot([x1 + nudge], [middle], marker=marker, color="black", markersize=7, mew=1.4,
                        linestyle="none", gid=f"stop:{reason}")  # fmt: skip
    ax.set_yticks([float(len(shown) - 1 - i) for i in range(len(shown))], [str(p) for p in shown])
    ax.set_ylim(-0.7, len(shown) - 0.3)
    ax.set_xlim(left=0.0)
    style_axes(ax, title=title, xlabel="Time since start of first line (months)", ylabel="Patient")
    handles: list[Artist] = [
        Patch(facecolor=_tint(colour_of[t]), edgecolor="black", hatch=hatch_of[t],
              label=therapy_label(t))
        for t in therapies
    ]  # fmt: skip
    for reason in (r for r in STOP_MARKERS if r in reasons_seen):
        marker, text = STOP_MARKERS[reason]
        handles.append(Line2D([], [], linestyle="none", marker=marker, color="black", label=text))
    if ongoing_seen:
        handles.append(Line2D([], [], linestyle="none", marker=">", color="black", label="ongoing"))
    legend(ax, handles, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return finish_layout(fig)


def _tint(colour: str) -> tuple[float, float, float]:
    """A light version of a series colour, so hatches stay visible on it."""
    rgb = np.array([int(colour[i : i + 2], 16) / 255.0 for i in (1, 3, 5)])
    light = 0.7 + 0.3 * rgb
    return float(light[0]), float(light[1]), float(light[2])


def _with_ends(lines: pd.DataFrame, frames: CohortFramesLike) -> pd.DataFrame:
    """Add ``end`` (stop, or last follow-up while ongoing), ``ongoing`` and stop ``reason``."""
    follow_up = frames.patients.set_index("patient_id")["follow_up_end"]
    as_of = pd.Timestamp(frames.as_of)
    out = lines.copy()
    out["ongoing"] = out["stop_date"].isna()
    last_seen = out["patient_id"].map(follow_up).fillna(as_of)
    open_end = pd.concat([last_seen, out["start_date"]], axis=1).max(axis=1)
    out["end"] = out["stop_date"].where(~out["ongoing"], open_end)
    ended = frames.courses.dropna(subset=["stop_date"]).sort_values("start_date")
    ended = ended.drop_duplicates(["patient_id", "therapy", "stop_date"], keep="last")
    keys = ["patient_id", "therapy", "stop_date"]
    reasons = out[keys].merge(ended[[*keys, "stop_reason"]], on=keys, how="left")["stop_reason"]
    events = frames.therapy_events
    completed = events[events["kind"] == "procedure_end"]
    completed_pairs = set(zip(completed["patient_id"], completed["therapy"], strict=True))
    out["reason"] = [
        "unknown"
        if ongoing
        else str(reason)
        if reason in STOP_MARKERS
        else "course_completed"
        if (pid, therapy) in completed_pairs and pd.isna(reason)
        else "unknown"
        for ongoing, reason, pid, therapy in zip(
            out["ongoing"], reasons, out["patient_id"], out["therapy"], strict=True
        )
    ]
    return out


def _lanes(own: pd.DataFrame) -> list[int]:
    """Lane (1-based) of each line so that lines overlapping in time do not cover each other."""
    lane_ends: list[pd.Timestamp] = []
    lanes: list[int] = []
    for start, end in zip(own["start_date"], own["end"], strict=True):
        for i, lane_end in enumerate(lane_ends):
            if lane_end <= start:
                lane_ends[i] = end
                lanes.append(i + 1)
                break
        else:
            lane_ends.append(end)
            lanes.append(len(lane_ends))
    return lanes
