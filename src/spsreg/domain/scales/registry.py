"""One entry point for every scale: validate an :class:`Assessment` and compute its score."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from spsreg.domain.assessments import Assessment, ItemResponse
from spsreg.domain.scales.definitions import SCALE_IDS, scale_definition
from spsreg.domain.scales.falls_spasm_frequency import score_falls_spasm_frequency
from spsreg.domain.scales.gad7 import score_gad7
from spsreg.domain.scales.heightened_sensitivity import score_heightened_sensitivity
from spsreg.domain.scales.mrs import score_mrs
from spsreg.domain.scales.phq9 import score_phq9
from spsreg.domain.scales.promis_global10 import score_promis_global10
from spsreg.domain.scales.responses import item_issues
from spsreg.domain.scales.results import ResponseIssue, ScaleError, ScaleScore
from spsreg.domain.scales.stiffness_index import score_stiffness_index
from spsreg.domain.scales.t25fw import score_t25fw
from spsreg.knowledge.scales import load_scale_definitions

__all__ = ["SCALE_IDS", "SCORERS", "scale_definition", "score_assessment", "validate_responses"]

Scorer = Callable[[Mapping[str, ItemResponse]], ScaleScore]

SCORERS: Mapping[str, Scorer] = {
    "stiffness_index": score_stiffness_index,
    "heightened_sensitivity": score_heightened_sensitivity,
    "t25fw": score_t25fw,
    "mrs": score_mrs,
    "falls_spasm_frequency": score_falls_spasm_frequency,
    "phq9": score_phq9,
    "gad7": score_gad7,
    "promis_global10": score_promis_global10,
}
"""The scoring function of each scale, by scale id."""


def validate_responses(assessment: Assessment) -> list[ResponseIssue]:
    """Every reason the assessment cannot be scored; an empty list means it can.

    Checks the scale and its version first, then each response (unknown item ids, values that are
    not permitted, out of range or of the wrong type). Unanswered items are not issues.
    """
    definitions = load_scale_definitions()
    if assessment.scale_id not in definitions or assessment.scale_id not in SCORERS:
        reason = f"unknown scale (known scales: {', '.join(SCALE_IDS)})"
        return [ResponseIssue(scale_id=assessment.scale_id, reason=reason)]
    definition = definitions[assessment.scale_id]
    if assessment.scale_version != definition.version:
        reason = (
            f"version {assessment.scale_version!r} is not supported "
            f"(this registry scores version {definition.version!r})"
        )
        return [ResponseIssue(scale_id=assessment.scale_id, reason=reason)]
    return item_issues(definition, assessment.responses)


def score_assessment(assessment: Assessment) -> ScaleScore:
    """Score an assessment with its scale's module.

    Missing items never raise (they are reported on the score); invalid responses, an unknown
    scale or an unsupported version raise :class:`ScaleError` listing every issue.
    """
    issues = validate_responses(assessment)
    if issues:
        raise ScaleError(issues)
    return SCORERS[assessment.scale_id](assessment.responses)
