"""Access to the packaged scale definitions from the domain (the only 'I/O' scoring does)."""

from __future__ import annotations

from spsreg.domain.scales.results import ResponseIssue, ScaleError
from spsreg.knowledge.scales import ScaleDefinition, load_scale_definitions

__all__ = ["SCALE_IDS", "scale_definition"]

SCALE_IDS: tuple[str, ...] = (
    "stiffness_index",
    "heightened_sensitivity",
    "t25fw",
    "mrs",
    "falls_spasm_frequency",
    "phq9",
    "gad7",
    "promis_global10",
)
"""The scales this registry scores; ids are a contract with forms, importers and exports."""


def scale_definition(scale_id: str) -> ScaleDefinition:
    """The definition of a scale; raises :class:`ScaleError` for an unknown scale id."""
    definitions = load_scale_definitions()
    if scale_id not in definitions:
        reason = f"unknown scale (known scales: {', '.join(SCALE_IDS)})"
        raise ScaleError([ResponseIssue(scale_id=scale_id, reason=reason)])
    return definitions[scale_id]
