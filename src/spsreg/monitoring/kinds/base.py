"""What every rule kind shares: the check interface and small clinical helpers.

A kind is compiled once per rule (:meth:`RuleCheck.__init__` resolves the rule's references in the
knowledge pack: names, cited limits, equivalence factors), then called for each patient with the
timeline, the evaluation date and the rule's resolved site settings. The call must be cheap: it
reads the timeline's indexes and returns findings, nothing else.
"""

from __future__ import annotations

import calendar
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from datetime import date
from typing import ClassVar, TypeVar

from spsreg.domain.units import DoseUnit, to_milligrams
from spsreg.knowledge.citation import Citation
from spsreg.knowledge.errors import UnknownDrugError
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import DrugSelector, RiskFactors, RuleParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.knowledge.vocabulary import Route
from spsreg.monitoring.alerts import Finding
from spsreg.monitoring.timeline import PatientTimeline

__all__ = [
    "RuleCheck",
    "Settings",
    "add_months",
    "drug_name",
    "matching_keys",
    "mg_per_display_unit",
    "present_risks",
    "unique_citations",
]

Settings = Mapping[str, float]
_P = TypeVar("_P", bound=RuleParameters)


class RuleCheck(ABC):
    """One compiled rule of one kind."""

    kind: ClassVar[str]

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        self.rule = rule
        self.pack = pack

    def parameters(self, model: type[_P]) -> _P:
        """The rule's parameters as this kind's model (the loader validated them by kind)."""
        assert isinstance(self.rule.parameters, model), f"{self.rule.id} is not a {self.kind}"
        return self.rule.parameters

    @property
    @abstractmethod
    def template_fields(self) -> frozenset[str]:
        """The names every finding of this rule supplies to the message templates."""

    @property
    def required_settings(self) -> frozenset[str]:
        return frozenset()

    @property
    def optional_settings(self) -> frozenset[str]:
        return frozenset()

    @abstractmethod
    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        """The situations this rule flags for the patient on ``as_of``."""


def drug_name(pack: KnowledgePack, drug_id: str) -> str:
    try:
        return pack.drug(drug_id).name
    except UnknownDrugError:
        return drug_id


def mg_per_display_unit(pack: KnowledgePack, drug_id: str, route: Route) -> tuple[float, DoseUnit]:
    """How doses of a drug by a route are shown: its first mass unit in the pack (else mg)."""
    dosing = pack.drug(drug_id).dosing(route)
    units = [u for u in dosing.dose_units if u.is_mass] if dosing is not None else []
    unit = units[0] if units else DoseUnit.MG
    return to_milligrams(1.0, unit), unit


def matching_keys(timeline: PatientTimeline, selector: DrugSelector) -> list[tuple[str, Route]]:
    """The (drug, route) pairs of the patient's courses that a selector names."""
    keys: list[tuple[str, Route]] = []
    for drug_id, route in timeline.eras:
        courses = timeline.courses_by_drug.get(drug_id, ())
        drug_class = courses[0].drug_class if courses else None
        if selector.matches(drug_id, drug_class, route):
            keys.append((drug_id, route))
    return keys


def present_risks(timeline: PatientTimeline, risk: RiskFactors | None, day: date) -> list[str]:
    """The named risk factors the patient has on ``day`` (comorbidity ids, or 'age over N')."""
    if risk is None:
        return []
    active = timeline.comorbidities_on(day)
    found: list[str] = [kind.value for kind in risk.comorbidities if kind.value in active]
    if risk.age_above_years is not None and timeline.age_on(day) > risk.age_above_years:
        found.append(f"age over {risk.age_above_years}")
    return found


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (clamped to the month's last day: 31 Jan + 1 -> 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def unique_citations(citations: Iterable[Citation]) -> tuple[Citation, ...]:
    seen: dict[tuple[str, str | None], Citation] = {}
    for citation in citations:
        seen.setdefault((citation.reference, citation.url), citation)
    return tuple(seen.values())
