"""PHQ-9: the sum of nine 0-3 items (0-27) with the published severity bands."""

from __future__ import annotations

from collections.abc import Mapping

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.definitions import scale_definition
from spsreg.domain.scales.responses import read_responses
from spsreg.domain.scales.results import ScaleScore
from spsreg.domain.scales.scoring import score_with_total, summed

__all__ = ["SCALE_ID", "score_phq9"]

SCALE_ID = "phq9"


def score_phq9(responses: Mapping[str, ItemResponse]) -> ScaleScore:
    """Sum the items and band the total; no proration (none is published by the developers)."""
    values = read_responses(scale_definition(SCALE_ID), responses)
    return score_with_total(values, summed)
