"""PROMIS Global Health v1.2: Global Physical and Global Mental Health raw scores and T-scores.

Physical = global03 + global06 + recoded global07 (pain 0-10 -> 5..1) + reversed global08;
Mental = global02 + global04 + global05 + reversed global10; each raw sum (4-20) converts to a
T-score by the published table. The recode, reversal and tables are in the definition.
"""

from __future__ import annotations

from collections.abc import Mapping

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.definitions import scale_definition
from spsreg.domain.scales.responses import read_responses
from spsreg.domain.scales.results import ScaleScore
from spsreg.domain.scales.scoring import score_subscores_only

__all__ = ["SCALE_ID", "score_promis_global10"]

SCALE_ID = "promis_global10"


def score_promis_global10(responses: Mapping[str, ItemResponse]) -> ScaleScore:
    """Both summary scores; each needs all four of its items. There is no overall total."""
    definition = scale_definition(SCALE_ID)
    return score_subscores_only(definition, read_responses(definition, responses))
