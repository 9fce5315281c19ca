"""Parameters of each monitoring-rule kind, as the rules file states them.

A rule kind is code (``spsreg.monitoring.kinds``); a rule is data: which drug, which interaction,
which monitoring need, which scale. The parameters here are the data half, validated when the
rules file loads, so that a misspelt drug id or an anchor the drug's monitoring need does not
name fails at load time with the rule id and field, never silently at evaluation time.

Numbers in parameters are cited facts (the rule's citations cover them, e.g. the "4 times daily"
of the diazepam label). Numbers that are a site's choice live in the rule's ``settings`` instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Literal

from pydantic import Field, model_validator

from spsreg.knowledge.base import PACK_ID_PATTERN, PackModel
from spsreg.knowledge.drugs import DrugClass
from spsreg.knowledge.vocabulary import ComorbidityKind, Route

__all__ = [
    "PARAMETER_MODELS",
    "AssessmentGapParameters",
    "BenzodiazepineLoadParameters",
    "CombinationParameters",
    "DiarySedationParameters",
    "DoseLimitParameters",
    "DoseRangeRef",
    "DrugSelector",
    "InfusionScheduleParameters",
    "LabMonitoringParameters",
    "MonitoringNeedRef",
    "PumpRefillParameters",
    "RisingFallsParameters",
    "RiskFactors",
    "RiskReminderParameters",
    "RuleParameters",
    "WithdrawalParameters",
]


class RuleParameters(PackModel):
    """Base of every kind's parameters."""


class DrugSelector(PackModel):
    """One drug or a whole drug class, optionally restricted to some routes."""

    drug_id: str | None = Field(default=None, pattern=PACK_ID_PATTERN)
    drug_class: DrugClass | None = None
    routes: tuple[Route, ...] = Field(default=(), description="empty: every route")

    @model_validator(mode="after")
    def _check(self) -> DrugSelector:
        if (self.drug_id is None) == (self.drug_class is None):
            raise ValueError("name exactly one of drug_id or drug_class")
        return self

    def matches(self, drug_id: str, drug_class: str | None, route: Route) -> bool:
        if self.routes and route not in self.routes:
            return False
        if self.drug_id is not None:
            return drug_id == self.drug_id
        return self.drug_class is not None and drug_class == self.drug_class.value

    def describe(self) -> str:
        what = self.drug_id if self.drug_id is not None else f"class {self.drug_class}"
        if self.routes:
            what += f" ({', '.join(r.value for r in self.routes)})"
        return str(what)


class DoseRangeRef(PackModel):
    """Points at the cited dose ranges of a drug and route in drugs.yaml (the highest maximum)."""

    drug_id: str = Field(pattern=PACK_ID_PATTERN)
    route: Route
    source: Literal["label", "sps_literature"]


class MonitoringNeedRef(PackModel):
    """Points at a monitoring need of a drug in drugs.yaml (its analytes and timing are reused)."""

    drug_id: str = Field(pattern=PACK_ID_PATTERN)
    need_id: str = Field(pattern=PACK_ID_PATTERN)


class RiskFactors(PackModel):
    """Who a rule applies to: any of these comorbidities (active on the day), or an age above."""

    comorbidities: tuple[ComorbidityKind, ...] = ()
    age_above_years: int | None = Field(default=None, ge=1, le=120)

    @model_validator(mode="after")
    def _check(self) -> RiskFactors:
        if not self.comorbidities and self.age_above_years is None:
            raise ValueError("name at least one comorbidity or an age")
        return self


class DoseLimitParameters(RuleParameters):
    """Daily dose of one drug by one route above the highest maximum of the cited ranges."""

    limit: DoseRangeRef
    doses_per_day: int | None = Field(
        default=None,
        ge=1,
        le=24,
        description="for a per-dose range: the most doses a day the source allows",
    )


class BenzodiazepineLoadParameters(RuleParameters):
    """Total benzodiazepine load in oral diazepam equivalents: above a cited limit, or rising."""

    check: Literal["limit", "escalation"]
    limit: DoseRangeRef | None = None

    @model_validator(mode="after")
    def _check(self) -> BenzodiazepineLoadParameters:
        if (self.check == "limit") != (self.limit is not None):
            raise ValueError("a 'limit' check needs limit; an 'escalation' check takes none")
        return self


class CombinationParameters(RuleParameters):
    """Two drugs taken together that a cited interaction in drugs.yaml names."""

    interaction_id: str = Field(pattern=PACK_ID_PATTERN)


class WithdrawalParameters(RuleParameters):
    """A stop or a large step-down of a drug that can cause withdrawal."""

    drugs: DrugSelector
    check: Literal["stop", "step_down"]
    taper_exempts: bool = Field(
        default=True, description="a stop after a step-down in the taper window is a taper"
    )


class PumpRefillParameters(RuleParameters):
    """Intrathecal pump reservoir arithmetic: refill due, alarm date passed, reservoir empty."""

    check: Literal["due", "alarm_passed", "empty"]


class InfusionScheduleParameters(RuleParameters):
    """The next course of a cyclic infusion, from the recorded regimen and the last course."""

    drug_id: str = Field(pattern=PACK_ID_PATTERN)
    check: Literal["due", "overdue"]


LabAnchor = Literal[
    "before_first_dose", "baseline", "maximum_dose_reached", "interval_on_treatment"
]


class LabMonitoringParameters(RuleParameters):
    """Laboratory tests a drug needs, anchored to its first dose, maximum dose, or an interval."""

    drugs: DrugSelector
    anchor: LabAnchor
    need: MonitoringNeedRef | None = None
    analytes: tuple[str, ...] = Field(default=(), description="lab ids; empty: the need's")
    require: Literal["all", "any"] = "any"
    risk: RiskFactors | None = None

    @model_validator(mode="after")
    def _check(self) -> LabMonitoringParameters:
        if self.need is None and not self.analytes:
            raise ValueError("name the analytes or the monitoring need that lists them")
        if self.anchor == "maximum_dose_reached" and self.need is None:
            raise ValueError("the maximum_dose_reached anchor takes its offset from a need")
        return self


class RiskReminderParameters(RuleParameters):
    """Before each course of a cyclic infusion, remind of precautions for recorded risk factors."""

    drug_id: str = Field(pattern=PACK_ID_PATTERN)
    risk: RiskFactors


class AssessmentGapParameters(RuleParameters):
    """No assessment with a scale for longer than the site's interval."""

    scale_id: str = Field(pattern=PACK_ID_PATTERN)


class DiarySedationParameters(RuleParameters):
    """High diary sedation scores while on a drug the sources name as sedating."""

    sedating: tuple[DrugSelector, ...] = Field(min_length=1)


class RisingFallsParameters(RuleParameters):
    """More falls recently than before: from the diary, or from a scale item at visits."""

    source: Literal["diary", "scale"]
    scale_id: str | None = Field(default=None, pattern=PACK_ID_PATTERN)
    item_id: str | None = Field(default=None, pattern=PACK_ID_PATTERN)

    @model_validator(mode="after")
    def _check(self) -> RisingFallsParameters:
        if (self.source == "scale") != (self.scale_id is not None and self.item_id is not None):
            raise ValueError("source 'scale' needs scale_id and item_id; 'diary' takes neither")
        return self


PARAMETER_MODELS: Mapping[str, type[RuleParameters]] = MappingProxyType(
    {
        "dose_limit": DoseLimitParameters,
        "benzodiazepine_load": BenzodiazepineLoadParameters,
        "combination": CombinationParameters,
        "withdrawal": WithdrawalParameters,
        "pump_refill": PumpRefillParameters,
        "infusion_schedule": InfusionScheduleParameters,
        "lab_monitoring": LabMonitoringParameters,
        "risk_reminder": RiskReminderParameters,
        "assessment_gap": AssessmentGapParameters,
        "diary_sedation": DiarySedationParameters,
        "rising_falls": RisingFallsParameters,
    }
)
"""Rule kind name -> its parameter model. The monitoring package implements each kind."""
