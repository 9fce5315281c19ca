"""Dose above a cited maximum, telling the label maximum from doses reported in SPS.

The limit is read from the drug's cited ranges in drugs.yaml (the highest daily maximum of the
named source; a per-dose maximum times the doses a day the rule cites when no daily one exists),
so each number lives in one place. The patient's dose is the current dose era's daily amount.
"""

from __future__ import annotations

from datetime import date

from spsreg.domain.units import DoseUnit, to_milligrams
from spsreg.knowledge.drugs import DoseBasis
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_checks import dose_limit_range
from spsreg.knowledge.rule_parameters import DoseLimitParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.monitoring.alerts import Finding
from spsreg.monitoring.exposure import era_on
from spsreg.monitoring.kinds.base import RuleCheck, Settings, drug_name
from spsreg.monitoring.timeline import PatientTimeline

__all__ = ["DoseLimitCheck"]

_SOURCE = {"label": "label", "sps_literature": "SPS literature"}


class DoseLimitCheck(RuleCheck):
    kind = "dose_limit"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        params = self.parameters(DoseLimitParameters)
        chosen = dose_limit_range(pack, params.limit)
        assert chosen is not None and chosen.maximum is not None  # checked when rules load
        per_dose = chosen.basis is DoseBasis.PER_DOSE
        doses = params.doses_per_day or 1
        self.key = (params.limit.drug_id, params.limit.route)
        self.unit = chosen.unit
        self.mg_per_unit = to_milligrams(1.0, chosen.unit)
        self.limit = chosen.maximum * (doses if per_dose else 1)
        self.limit_mg = self.limit * self.mg_per_unit
        source = _SOURCE[params.limit.source]
        self.basis = (
            f"{source}: {chosen.maximum:g} {chosen.unit.value} per dose, up to {doses} doses a day"
            if per_dose
            else f"{source}: {chosen.regimen or 'per day'}"
        )
        self.drug = drug_name(pack, params.limit.drug_id)
        self.citations = (chosen.citation,)

    @property
    def template_fields(self) -> frozenset[str]:
        return frozenset({"drug", "route", "daily_dose", "unit", "since", "limit", "limit_basis"})

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        eras = timeline.eras.get(self.key)
        era = era_on(eras, as_of) if eras else None
        if era is None or era.daily is None or era.unit is not DoseUnit.MG:
            return []
        if era.daily <= self.limit_mg * (1 + 1e-9):
            return []
        facts = {
            "drug": self.drug,
            "route": self.key[1].value,
            "daily_dose": era.daily / self.mg_per_unit,
            "unit": self.unit.value,
            "since": era.start,
            "limit": self.limit,
            "limit_basis": self.basis,
        }
        return [Finding(facts=facts, citations=self.citations)]
