"""Timed 25-Foot Walk: mean of two trials in seconds, and the walking speed in ft/s."""

from __future__ import annotations

from collections.abc import Mapping

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.definitions import scale_definition
from spsreg.domain.scales.responses import read_responses
from spsreg.domain.scales.results import ScaleScore
from spsreg.domain.scales.scoring import mean, score_with_total

__all__ = ["SCALE_ID", "SPEED_SUBSCORE", "score_t25fw"]

SCALE_ID = "t25fw"
SPEED_SUBSCORE = "walking_speed_ft_per_s"


def score_t25fw(responses: Mapping[str, ItemResponse]) -> ScaleScore:
    """Mean trial time; speed = course length (cited constant, 25 ft) / mean time.

    Both trials are needed (no published single-trial rule was found); the assistive-device item
    is recorded with the walk and never blocks the score.
    """
    definition = scale_definition(SCALE_ID)
    values = read_responses(definition, responses)
    course_length_ft = definition.constants["course_length_ft"].value
    timed = score_with_total(values, mean)
    speed = None if timed.total is None else course_length_ft / timed.total
    return timed.model_copy(update={"subscores": {SPEED_SUBSCORE: speed}})
