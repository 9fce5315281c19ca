"""Figures of outcomes and treatments, readable in black-and-white print (matplotlib, Agg only).

Public API (each returns a :class:`matplotlib.figure.Figure`; empty inputs give a figure that says
"no data")::

    patient_timeline(frames, patient_id, alerts=())    # one patient: outcomes over treatments
    swimmer_plot(lines_df, frames)                      # therapy lines of a cohort
    aligned_trajectories(frames, therapy, outcome, starts_df)  # outcome around therapy starts
    km_plot(results)                                    # Kaplan-Meier with numbers at risk
    forest_plot(responses_df, outcome)                  # per-patient changes with CIs
    save_figure(fig, path_without_suffix) -> (svg_path, png_path)   # reproducible files

Inputs are the frames and results of :mod:`spsreg.analysis` (columns as in its contract).
"""

from spsreg.reports.figures.forest import forest_plot
from spsreg.reports.figures.style import save_figure
from spsreg.reports.figures.survival import SurvivalCurve, km_plot
from spsreg.reports.figures.swimmer import swimmer_plot
from spsreg.reports.figures.timeline import patient_timeline
from spsreg.reports.figures.trajectories import aligned_trajectories

__all__ = [
    "SurvivalCurve",
    "aligned_trajectories",
    "forest_plot",
    "km_plot",
    "patient_timeline",
    "save_figure",
    "swimmer_plot",
]
