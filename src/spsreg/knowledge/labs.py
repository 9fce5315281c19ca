"""Laboratory analytes: valid specimens, (method, unit) pairs, verified LOINC codes, cited cut-offs.

An analyte is measured by one or more methods, each reporting in one unit. GAD65 antibody by RIA
(nmol/L) and by ELISA (IU/mL) are different measurements: the pack lists them as separate pairs and
nothing in the software converts one into the other.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field, model_validator

from spsreg.knowledge.base import PACK_ID_PATTERN, PackFile, PackModel, Unverified
from spsreg.knowledge.citation import Citation
from spsreg.knowledge.code_checks import is_valid_loinc
from spsreg.knowledge.vocabulary import AssayMethod, Specimen

__all__ = [
    "LAB_UNITS",
    "Comparator",
    "LabAnalyte",
    "LabMeasurement",
    "LabThreshold",
    "LabsFile",
    "LoincCode",
    "ThresholdKind",
    "canonical_lab_unit",
]

LAB_UNITS: frozenset[str] = frozenset(
    {
        "nmol/L",
        "IU/mL",
        "mIU/mL",
        "mmol/L",
        "mg/dL",
        "%",
        "mmol/mol",
        "umol/L",
        "mL/min/1.73m2",
        "g/L",
        "cells/uL",
        "U/L",
    }
)
"""Canonical spellings of the units lab results may carry (ASCII 'u' for micro, as in 'umol/L')."""


def canonical_lab_unit(unit: str) -> str | None:
    """The canonical spelling of a unit written differently ('iu/ml', 'µmol/L'), or None."""
    squeezed = unit.replace("µ", "u").replace("μ", "u").replace("²", "2").replace(" ", "")
    for known in LAB_UNITS:
        if known.casefold() == squeezed.casefold():
            return known
    return None


class LabMeasurement(PackModel):
    """One way of measuring an analyte: a method, the unit it reports in, and valid specimens.

    ``unit`` None means the method reports a qualitative result (positive/negative) and/or an
    endpoint titre, never a number with a unit.
    """

    method: AssayMethod
    unit: str | None
    specimens: tuple[Specimen, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> LabMeasurement:
        if self.unit is not None and self.unit not in LAB_UNITS:
            raise ValueError(
                f"{self.unit!r} is not a known lab unit (known: {', '.join(sorted(LAB_UNITS))})"
            )
        return self


class LoincCode(PackModel):
    """A LOINC code verified for one specimen and method (only those the reference confirms)."""

    code: str
    specimen: Specimen
    method: AssayMethod
    unit: str | None
    source_test: str = Field(min_length=3, description="the test as the source laboratory names it")
    citation: Citation

    @model_validator(mode="after")
    def _check(self) -> LoincCode:
        if not is_valid_loinc(self.code):
            raise ValueError(f"{self.code!r} is not a LOINC code with a correct check digit")
        return self


class ThresholdKind(StrEnum):
    REFERENCE_UPPER_LIMIT = (
        "reference_upper_limit"  # results at or below are in the reference range
    )
    POSITIVE_ABOVE = "positive_above"  # the laboratory reports results above as positive
    HIGH_TITRE_ABOVE = "high_titre_above"  # a published "high titre" definition


class Comparator(StrEnum):
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="

    def holds(self, value: float, threshold: float) -> bool:
        if self is Comparator.LT:
            return value < threshold
        if self is Comparator.LE:
            return value <= threshold
        if self is Comparator.GT:
            return value > threshold
        return value >= threshold


class LabThreshold(PackModel):
    """A cited cut-off; valid only for its own method, unit and specimens."""

    id: str = Field(pattern=PACK_ID_PATTERN)
    kind: ThresholdKind
    comparator: Comparator
    value: float = Field(allow_inf_nan=False)
    unit: str
    method: AssayMethod
    specimens: tuple[Specimen, ...] = Field(min_length=1)
    laboratory: str | None = None
    meaning: str = Field(min_length=10)
    citation: Citation


class LabAnalyte(PackModel):
    id: str = Field(pattern=PACK_ID_PATTERN)
    name: str = Field(min_length=1)
    synonyms: tuple[str, ...] = ()
    measurements: tuple[LabMeasurement, ...] = Field(min_length=1)
    loinc: tuple[LoincCode, ...] = ()
    thresholds: tuple[LabThreshold, ...] = ()
    unverified: tuple[Unverified, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> LabAnalyte:
        pairs = [(m.method, m.unit) for m in self.measurements]
        if len(set(pairs)) != len(pairs):
            raise ValueError("a (method, unit) pair is listed twice")
        for code in self.loinc:
            if not self.allows(code.specimen, code.method, code.unit):
                raise ValueError(
                    f"LOINC {code.code} is for {code.specimen.value} by {code.method.value} in "
                    f"{code.unit}, which is not an allowed measurement of {self.id}"
                )
        ids = [threshold.id for threshold in self.thresholds]
        if len(set(ids)) != len(ids):
            raise ValueError("a threshold id is used twice")
        for threshold in self.thresholds:
            for specimen in threshold.specimens:
                if not self.allows(specimen, threshold.method, threshold.unit):
                    raise ValueError(
                        f"threshold {threshold.id} is for {specimen.value} by "
                        f"{threshold.method.value} in {threshold.unit}, which is not an allowed "
                        f"measurement of {self.id}"
                    )
        return self

    @property
    def specimens(self) -> tuple[Specimen, ...]:
        """Every specimen any method of this analyte is defined for."""
        seen: dict[Specimen, None] = {}
        for measurement in self.measurements:
            seen.update(dict.fromkeys(measurement.specimens))
        return tuple(seen)

    @property
    def methods(self) -> tuple[AssayMethod, ...]:
        return tuple(dict.fromkeys(m.method for m in self.measurements))

    def units_for(self, method: AssayMethod) -> tuple[str, ...]:
        """Units the method reports numbers in (qualitative-only methods have none)."""
        return tuple(m.unit for m in self.measurements if m.method is method and m.unit)

    def measurement(self, method: AssayMethod, unit: str | None) -> LabMeasurement | None:
        return next((m for m in self.measurements if m.method is method and m.unit == unit), None)

    def allows(self, specimen: Specimen, method: AssayMethod, unit: str | None) -> bool:
        measurement = self.measurement(method, unit)
        return measurement is not None and specimen in measurement.specimens

    def thresholds_for(
        self, method: AssayMethod, unit: str, specimen: Specimen
    ) -> tuple[LabThreshold, ...]:
        """Cut-offs that apply to a result of exactly this method, unit and specimen."""
        return tuple(
            t
            for t in self.thresholds
            if t.method is method and t.unit == unit and specimen in t.specimens
        )

    @property
    def searchable_names(self) -> tuple[str, ...]:
        return (self.id, self.name, *self.synonyms)


class LabsFile(PackFile):
    analytes: tuple[LabAnalyte, ...] = Field(min_length=1)
