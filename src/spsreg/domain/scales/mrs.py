"""modified Rankin Scale: the grade (0 no symptoms to 6 dead) is the score."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.definitions import scale_definition
from spsreg.domain.scales.responses import read_responses
from spsreg.domain.scales.results import ScaleScore
from spsreg.domain.scales.scoring import score_with_total

__all__ = ["SCALE_ID", "score_mrs"]

SCALE_ID = "mrs"


def _the_grade(values: Sequence[float]) -> float:
    (grade,) = values
    return grade


def score_mrs(responses: Mapping[str, ItemResponse]) -> ScaleScore:
    values = read_responses(scale_definition(SCALE_ID), responses)
    return score_with_total(values, _the_grade)
