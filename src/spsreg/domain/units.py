"""Dose units and their normalisation.

Only canonical unit spellings are accepted; a common alias (for example ``µg`` or ``ug`` for
``mcg``) is rejected with the canonical spelling suggested, so that a dose is never misread.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["UNIT_ALIASES", "DoseUnit", "UnitMismatchError", "to_milligrams"]


class DoseUnit(StrEnum):
    MG = "mg"
    MCG = "mcg"
    G = "g"
    G_PER_KG = "g/kg"
    MG_PER_KG = "mg/kg"
    MG_PER_M2 = "mg/m2"
    IU = "IU"
    UNITS = "U"  # e.g. botulinum toxin units
    ML = "mL"
    CELLS = "cells"  # cell therapies (CAR-T)

    @property
    def is_mass(self) -> bool:
        return self in (DoseUnit.MG, DoseUnit.MCG, DoseUnit.G)

    @property
    def is_per_body_size(self) -> bool:
        return self in (DoseUnit.G_PER_KG, DoseUnit.MG_PER_KG, DoseUnit.MG_PER_M2)

    @property
    def per(self) -> str | None:
        """The body-size basis of a weight- or area-based unit ('kg' or 'm2')."""
        if self in (DoseUnit.G_PER_KG, DoseUnit.MG_PER_KG):
            return "kg"
        if self is DoseUnit.MG_PER_M2:
            return "m2"
        return None


UNIT_ALIASES: dict[str, DoseUnit] = {
    "µg": DoseUnit.MCG,
    "ug": DoseUnit.MCG,
    "microgram": DoseUnit.MCG,
    "milligram": DoseUnit.MG,
    "gram": DoseUnit.G,
    "gm": DoseUnit.G,
    "ml": DoseUnit.ML,
    "iu": DoseUnit.IU,
    "units": DoseUnit.UNITS,
    "mg/m²": DoseUnit.MG_PER_M2,
}

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
