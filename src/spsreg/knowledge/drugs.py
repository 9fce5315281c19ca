"""Drugs used in SPS care: classes, routes, dose units, cited dose ranges, codes and safety facts.

Allowed routes and dose units are the domain's own vocabularies (:class:`Route`,
:class:`DoseUnit`), so a record and the pack can never disagree on spelling. Every dose range,
code, boxed warning, monitoring need and interaction carries a citation; a fact without a stored
source is recorded as :class:`Unverified` instead of being guessed.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import Field, model_validator

from spsreg.knowledge.base import PACK_ID_PATTERN, PackFile, PackModel, Unverified
from spsreg.knowledge.citation import Citation
from spsreg.knowledge.code_checks import is_valid_atc, is_valid_rxcui
from spsreg.knowledge.vocabulary import DoseUnit, Route, TherapyIntent

__all__ = [
    "AtcCode",
    "AtcStatus",
    "BoxedWarning",
    "DoseBasis",
    "DoseRange",
    "Drug",
    "DrugClass",
    "DrugsFile",
    "Interaction",
    "InteractionParty",
    "InteractionSeverity",
    "MonitoringAnchor",
    "MonitoringNeed",
    "MonitoringTiming",
    "RouteDosing",
    "RxNormCode",
]


class DrugClass(StrEnum):
    BENZODIAZEPINE = "benzodiazepine"
    GABA_B_AGONIST = "gaba_b_agonist"
    GABAPENTINOID = "gabapentinoid"
    ALPHA2_ADRENERGIC_AGONIST = "alpha2_adrenergic_agonist"
    ANTISEIZURE = "antiseizure"
    CORTICOSTEROID = "corticosteroid"
    IMMUNE_GLOBULIN = "immune_globulin"
    ANTI_CD20_ANTIBODY = "anti_cd20_antibody"
    ANTIMETABOLITE_IMMUNOSUPPRESSANT = "antimetabolite_immunosuppressant"
    NEUROTOXIN = "neurotoxin"
    OPIOID = "opioid"


class DoseBasis(StrEnum):
    PER_DOSE = "per_dose"
    PER_DAY = "per_day"
    PER_COURSE = "per_course"
    PER_SESSION = "per_session"  # e.g. the total botulinum toxin units of one injection session


class DoseRange(PackModel):
    """A dose range as stated by one source (either bound may be absent when the source gives one)."""

    minimum: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    maximum: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    unit: DoseUnit
    basis: DoseBasis
    regimen: str | None = Field(default=None, description="how it is given, e.g. '3-4 times daily'")
    population: str | None = Field(default=None, description="who it applies to, if restricted")
    citation: Citation

    @model_validator(mode="after")
    def _check(self) -> DoseRange:
        if self.minimum is None and self.maximum is None:
            raise ValueError("a dose range needs a minimum, a maximum or both")
        if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
            raise ValueError(f"minimum {self.minimum} is above maximum {self.maximum}")
        return self


class RouteDosing(PackModel):
    """How a drug is dosed by one route: the units a dose may be written in, and cited ranges."""

    route: Route
    dose_units: tuple[DoseUnit, ...] = Field(min_length=1)
    label_doses: tuple[DoseRange, ...] = ()
    sps_doses: tuple[DoseRange, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _check(self) -> RouteDosing:
        if len(set(self.dose_units)) != len(self.dose_units):
            raise ValueError("a dose unit is listed twice")
        for dose_range in (*self.label_doses, *self.sps_doses):
            if dose_range.unit not in self.dose_units:
                raise ValueError(
                    f"a dose range is in {dose_range.unit.value}, which is not an allowed unit "
                    f"for the {self.route.value} route ({_join(u.value for u in self.dose_units)})"
                )
        return self


class RxNormCode(PackModel):
    rxcui: str
    name: str = Field(min_length=1, description="display name in the cited source")
    citation: Citation

    @model_validator(mode="after")
    def _check(self) -> RxNormCode:
        if not is_valid_rxcui(self.rxcui):
            raise ValueError(f"{self.rxcui!r} is not an RxNorm concept id (digits only)")
        return self


class AtcStatus(StrEnum):
    CURRENT = "current"
    FORMER = "former"  # the code under an earlier ATC index version (kept for old data)


class AtcCode(PackModel):
    code: str
    name: str = Field(min_length=1, description="ATC name in the cited index")
    index_version: str = Field(min_length=1, description="e.g. 'WHO ATC/DDD 2026'")
    status: AtcStatus
    note: str | None = None
    citation: Citation

    @model_validator(mode="after")
    def _check(self) -> AtcCode:
        if not is_valid_atc(self.code):
            raise ValueError(f"{self.code!r} is not a complete ATC code (e.g. N05BA01)")
        return self


class BoxedWarning(PackModel):
    summary: str = Field(min_length=10)
    routes: tuple[Route, ...] = Field(default=(), description="empty: applies to every route")
    citation: Citation


class MonitoringAnchor(StrEnum):
    BEFORE_FIRST_DOSE = "before_first_dose"
    BASELINE = "baseline"
    MAXIMUM_DOSE_REACHED = "maximum_dose_reached"
    EACH_COURSE = "each_course"
    PUMP_REFILL = "pump_refill"


class MonitoringTiming(PackModel):
    anchor: MonitoringAnchor
    offset_months: int | None = Field(default=None, ge=0, le=120)


class MonitoringNeed(PackModel):
    """Something that must be checked or documented around treatment with a drug."""

    id: str = Field(pattern=PACK_ID_PATTERN)
    description: str = Field(min_length=10)
    analytes: tuple[str, ...] = Field(default=(), description="knowledge-pack lab ids")
    timing: tuple[MonitoringTiming, ...] = ()
    routes: tuple[Route, ...] = Field(default=(), description="empty: applies to every route")
    population: str | None = None
    citations: tuple[Citation, ...] = Field(min_length=1)


class Drug(PackModel):
    id: str = Field(pattern=PACK_ID_PATTERN)
    name: str = Field(min_length=1)
    synonyms: tuple[str, ...] = ()
    drug_class: DrugClass
    mechanism: str = Field(min_length=5)
    intent: TherapyIntent
    routes: tuple[RouteDosing, ...] = Field(min_length=1)
    rxnorm: RxNormCode | None
    atc: tuple[AtcCode, ...] = ()
    boxed_warnings: tuple[BoxedWarning, ...] = ()
    monitoring: tuple[MonitoringNeed, ...] = ()
    unverified: tuple[Unverified, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Drug:
        routes = [dosing.route for dosing in self.routes]
        if len(set(routes)) != len(routes):
            raise ValueError("a route is listed twice")
        noted = {gap.field for gap in self.unverified}
        if self.rxnorm is None and "rxnorm" not in noted:
            raise ValueError("rxnorm is empty: record why under 'unverified' (field: rxnorm)")
        if not self.atc and "atc" not in noted:
            raise ValueError("atc is empty: record why under 'unverified' (field: atc)")
        current = [code for code in self.atc if code.status is AtcStatus.CURRENT]
        if self.atc and len(current) != 1:
            raise ValueError(f"exactly one current ATC code is needed, found {len(current)}")
        for warning in self.boxed_warnings:
            stray = [r.value for r in warning.routes if r not in routes]
            if stray:
                raise ValueError(f"a boxed warning names route(s) the drug lacks: {_join(stray)}")
        monitoring_ids = [need.id for need in self.monitoring]
        if len(set(monitoring_ids)) != len(monitoring_ids):
            raise ValueError("a monitoring id is used twice")
        return self

    @property
    def allowed_routes(self) -> tuple[Route, ...]:
        return tuple(dosing.route for dosing in self.routes)

    def dosing(self, route: Route) -> RouteDosing | None:
        """How the drug is dosed by ``route``, or None when the route is not allowed."""
        return next((dosing for dosing in self.routes if dosing.route is route), None)

    def dose_units(self, route: Route) -> tuple[DoseUnit, ...]:
        dosing = self.dosing(route)
        return dosing.dose_units if dosing is not None else ()

    @property
    def current_atc(self) -> AtcCode | None:
        return next((code for code in self.atc if code.status is AtcStatus.CURRENT), None)

    @property
    def searchable_names(self) -> tuple[str, ...]:
        """The id, the name and every synonym: what a person might type for this drug."""
        return (self.id, self.name, *self.synonyms)


class InteractionParty(PackModel):
    """One side of an interaction: a whole drug class or one drug."""

    drug_class: DrugClass | None = None
    drug_id: str | None = None

    @model_validator(mode="after")
    def _check(self) -> InteractionParty:
        if (self.drug_class is None) == (self.drug_id is None):
            raise ValueError("name exactly one of drug_class or drug_id")
        return self

    def matches(self, drug: Drug) -> bool:
        return drug.id == self.drug_id or drug.drug_class is self.drug_class

    def describe(self) -> str:
        return f"class {self.drug_class.value}" if self.drug_class else f"drug {self.drug_id}"


class InteractionSeverity(StrEnum):
    BOXED_WARNING = "boxed_warning"
    PRECAUTION = "precaution"


class Interaction(PackModel):
    id: str = Field(pattern=PACK_ID_PATTERN)
    between: tuple[InteractionParty, InteractionParty]
    severity: InteractionSeverity
    effect: str = Field(min_length=10)
    citations: tuple[Citation, ...] = Field(min_length=1)

    def applies_to(self, first: Drug, second: Drug) -> bool:
        one, other = self.between
        return (one.matches(first) and other.matches(second)) or (
            one.matches(second) and other.matches(first)
        )


class DrugsFile(PackFile):
    drugs: tuple[Drug, ...] = Field(min_length=1)
    interactions: tuple[Interaction, ...] = ()


def _join(values: Iterable[object]) -> str:
    return ", ".join(str(value) for value in values)
