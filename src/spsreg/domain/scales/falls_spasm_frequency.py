"""Falls (past 4 weeks) and spasms per day (typical day, past week): two counts, no total."""

from __future__ import annotations

from collections.abc import Mapping

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.definitions import scale_definition
from spsreg.domain.scales.responses import read_responses
from spsreg.domain.scales.results import ScaleScore
from spsreg.domain.scales.scoring import score_subscores_only

__all__ = ["SCALE_ID", "score_falls_spasm_frequency"]

SCALE_ID = "falls_spasm_frequency"


def score_falls_spasm_frequency(responses: Mapping[str, ItemResponse]) -> ScaleScore:
    """Each count is its own subscore; an unanswered count leaves only its own subscore empty."""
    definition = scale_definition(SCALE_ID)
    return score_subscores_only(definition, read_responses(definition, responses))
