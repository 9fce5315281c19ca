"""Bar charts of the cohort explorer, drawn from the released (controlled) count tables only.

A suppressed count is drawn as no bar with the word "suppressed" at its place, never as a number;
bars carry their count as text, so the chart reads without colour. Figures are built with the
house style of :mod:`spsreg.reports.figures.style` (Agg canvas, no pyplot) and rendered to SVG
with no date or metadata, so the same counts give the same bytes.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")

from spsreg.reports.figures.style import (
    FONT_ANNOTATION,
    finish_layout,
    new_figure,
    no_data_figure,
    style_axes,
)
from spsreg.services.cohort_explorer import CountRow

__all__ = ["bar_chart_svg"]


def bar_chart_svg(title: str, rows: tuple[CountRow, ...], *, exact: bool) -> str:
    """A horizontal bar chart of ``rows`` (released counts) as SVG markup."""
    shown = [row for row in rows if row.count != 0]
    if not shown:
        figure = no_data_figure(title, "no patients in this table")
    else:
        figure = new_figure(6.5, 0.9 + 0.32 * len(shown))
        ax = figure.add_subplot()
        positions = list(range(len(shown)))
        values = [row.count or 0 for row in shown]
        ax.barh(positions, values, color="#0072B2", edgecolor="#000000", hatch="//")
        ax.set_yticks(positions, [row.label for row in shown])
        ax.invert_yaxis()
        top = max(values) if max(values) > 0 else 1
        for position, row in zip(positions, shown, strict=True):
            text = "suppressed" if row.count is None else str(row.count)
            ax.text(
                (row.count or 0) + top * 0.01,
                position,
                text,
                va="center",
                fontsize=FONT_ANNOTATION,
                style="italic" if row.count is None else "normal",
            )
        ax.set_xlim(0, top * 1.25)
        style_axes(
            ax,
            title=title,
            xlabel="patients (exact)" if exact else "patients (rounded; small counts suppressed)",
        )
        finish_layout(figure)
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "cohort", "svg.fonttype": "none"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "spsreg"})
    figure.clear()
    return buffer.getvalue()
