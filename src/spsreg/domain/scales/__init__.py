"""Standardized assessment scales as modules: validation and scoring (pure, no I/O).

Definitions (items, permitted values, ranges, bands, tables, sources) are the knowledge pack's
``knowledge/data/scales/*.yaml``; each scale here has one scoring module, and
:func:`score_assessment` dispatches an :class:`~spsreg.domain.assessments.Assessment` to it.
The reference document is rendered by :mod:`spsreg.domain.scales.reference`.
"""

from spsreg.domain.scales.definitions import SCALE_IDS, scale_definition
from spsreg.domain.scales.registry import SCORERS, score_assessment, validate_responses
from spsreg.domain.scales.results import ResponseIssue, ScaleError, ScaleScore

__all__ = [
    "SCALE_IDS",
    "SCORERS",
    "ResponseIssue",
    "ScaleError",
    "ScaleScore",
    "scale_definition",
    "score_assessment",
    "validate_responses",
]
