"""Coded value sets shared by the knowledge pack and the domain model.

Routes, dose units (with the aliases refused at input), specimens, assay methods, phenotypes and
comorbidity kinds are vocabularies: the knowledge pack states which of them are valid for each
drug or analyte, and the domain records them. They live here, at the bottom of the layers, so
that the knowledge pack imports nothing else of spsreg and the domain builds on it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = [
    "UNIT_ALIASES",
    "AssayMethod",
    "ComorbidityKind",
    "DoseUnit",
    "Phenotype",
    "Route",
    "Specimen",
    "TherapyIntent",
]


class Route(StrEnum):
    ORAL = "oral"
    IV = "iv"
    SC = "sc"
    IM = "im"
    INTRATHECAL = "intrathecal"
    RECTAL = "rectal"
    INTRANASAL = "intranasal"
    TRANSDERMAL = "transdermal"


class TherapyIntent(StrEnum):
    SYMPTOMATIC = "symptomatic"
    IMMUNOTHERAPY = "immunotherapy"
    ADJUNCT = "adjunct"


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


class Specimen(StrEnum):
    SERUM = "serum"
    CSF = "csf"
    PLASMA = "plasma"
    WHOLE_BLOOD = "whole_blood"
    URINE = "urine"


class AssayMethod(StrEnum):
    RIA = "ria"  # radioimmunoassay
    ELISA = "elisa"
    CELL_BASED_ASSAY = "cell_based_assay"
    IMMUNOBLOT = "immunoblot"
    INDIRECT_IMMUNOFLUORESCENCE = "indirect_immunofluorescence"
    FLOW_CYTOMETRY = "flow_cytometry"
    STANDARD_CHEMISTRY = "standard_chemistry"  # routine clinical chemistry / haematology analyser
    PCR = "pcr"
    SEQUENCING = "sequencing"


class Phenotype(StrEnum):
    """Stiff person spectrum phenotype (Newsome & Johnson 2022 categories, plus overlap)."""

    CLASSIC = "classic"
    PARTIAL = "partial"  # stiff-limb or stiff-trunk
    SPS_PLUS = "sps_plus"
    PERM = "perm"  # progressive encephalomyelitis with rigidity and myoclonus
    CEREBELLAR_ATAXIA = "cerebellar_ataxia"
    OVERLAP = "overlap"


class ComorbidityKind(StrEnum):
    TYPE_1_DIABETES = "type_1_diabetes"
    THYROID_AUTOIMMUNITY = "thyroid_autoimmunity"
    PERNICIOUS_ANAEMIA = "pernicious_anaemia"
    VITILIGO = "vitiligo"
    EPILEPSY = "epilepsy"
    ANXIETY = "anxiety"
    DEPRESSION = "depression"
    CANCER = "cancer"
    # Risk factors named in the IVIG class boxed warning (thrombosis; renal dysfunction), recorded
    # so that the monitoring rules can ask for the pre-infusion precautions and checks.
    HISTORY_OF_THROMBOSIS = "history_of_thrombosis"
    HYPERCOAGULABLE_CONDITION = "hypercoagulable_condition"
    HYPERVISCOSITY = "hyperviscosity"
    CARDIOVASCULAR_RISK_FACTOR = "cardiovascular_risk_factor"
    RENAL_INSUFFICIENCY = "renal_insufficiency"
    PARAPROTEINAEMIA = "paraproteinaemia"
    OTHER = "other"
