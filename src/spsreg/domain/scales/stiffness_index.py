"""Distribution-of-stiffness index: the number of stiff body regions (0-6)."""

from __future__ import annotations

from collections.abc import Mapping

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.definitions import scale_definition
from spsreg.domain.scales.responses import read_responses
from spsreg.domain.scales.results import ScaleScore
from spsreg.domain.scales.scoring import count_positive, score_with_total

__all__ = ["SCALE_ID", "score_stiffness_index"]

SCALE_ID = "stiffness_index"


def score_stiffness_index(responses: Mapping[str, ItemResponse]) -> ScaleScore:
    """Count the regions answered 1 (stiffness); no total if any region is unanswered."""
    values = read_responses(scale_definition(SCALE_ID), responses)
    return score_with_total(values, count_positive)
