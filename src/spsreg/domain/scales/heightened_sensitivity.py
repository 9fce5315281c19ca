"""Heightened-sensitivity scale: the number of spasm triggers present (this module: 0-7).

The published range (0-7 or 1-7) is UNVERIFIED; this module counts positive items and says so in
its definition, so its scores are comparable within the registry only.
"""

from __future__ import annotations

from collections.abc import Mapping

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.definitions import scale_definition
from spsreg.domain.scales.responses import read_responses
from spsreg.domain.scales.results import ScaleScore
from spsreg.domain.scales.scoring import count_positive, score_with_total

__all__ = ["SCALE_ID", "score_heightened_sensitivity"]

SCALE_ID = "heightened_sensitivity"


def score_heightened_sensitivity(responses: Mapping[str, ItemResponse]) -> ScaleScore:
    """Count the positive items; no total if any item is unanswered."""
    values = read_responses(scale_definition(SCALE_ID), responses)
    return score_with_total(values, count_positive)
