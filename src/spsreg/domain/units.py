"""Dose units and their normalisation.

Only canonical unit spellings are accepted; a common alias (for example ``µg`` or ``ug`` for
``mcg``) is rejected with the canonical spelling suggested, so that a dose is never misread.
"""

from __future__ import annotations

from spsreg.knowledge.vocabulary import UNIT_ALIASES, DoseUnit

__all__ = ["UNIT_ALIASES", "DoseUnit", "UnitMismatchError", "to_milligrams"]


_MG_FACTOR = {DoseUnit.MG: 1.0, DoseUnit.MCG: 0.001, DoseUnit.G: 1000.0}
_PER_KG_MG_FACTOR = {DoseUnit.G_PER_KG: 1000.0, DoseUnit.MG_PER_KG: 1.0}


class UnitMismatchError(ValueError):
    """A quantity was given in a unit that cannot be used where it was given."""


def to_milligrams(value: float, unit: DoseUnit, weight_kg: float | None = None) -> float:
    """Convert a dose to milligrams; a per-kg dose needs the body weight.

    Raises :class:`UnitMismatchError` for units that are not masses (IU, U, mL, cells, mg/m2).
    """
    if unit in _MG_FACTOR:
        return value * _MG_FACTOR[unit]
    if unit in _PER_KG_MG_FACTOR:
        if weight_kg is None:
            raise UnitMismatchError(
                f"a dose in {unit.value} needs the body weight to convert to mg"
            )
        return value * _PER_KG_MG_FACTOR[unit] * weight_kg
    raise UnitMismatchError(f"{unit.value} is not a mass unit and cannot be converted to mg")
