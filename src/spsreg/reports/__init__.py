"""Reports: figures and documents made from analysis results, for clinicians and researchers.

Figures (:mod:`spsreg.reports.figures`) are drawn with matplotlib's Agg renderer and saved as SVG
and PNG that read in black-and-white print; documents (case reports and case series) are built from
the same frames and results. Nothing here reads the store: callers pass frames and results in.
Import from the submodules.
"""

__all__: list[str] = []
