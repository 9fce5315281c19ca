"""Outcome analytics for SPS registries: statistics over tidy frames (pure, no I/O, no store).

The patient records of a cohort are turned into tidy pandas frames (one row per fact, see
:mod:`spsreg.analysis.frames`); the analyses read only those frames: per-patient treatment
response around each therapy start, cohort response rates, time to discontinuation, mixed-effects
models of outcomes over time, lines of therapy, and cohort summary tables. Everything is decision
support: results describe what was recorded, with their uncertainty, and never impute missing data.
Import from the submodules (for example ``from spsreg.analysis.frames import CohortFrames``).
"""

__all__: list[str] = []
