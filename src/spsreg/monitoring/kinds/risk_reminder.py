"""Before each course of a cyclic infusion, remind of the precautions for recorded risk factors.

Used for IVIG with thrombosis risk factors from the class boxed warning: the reminder belongs to
the next course (its date is part of the alert's identity), so acknowledging it covers one course
and the next course asks again.
"""

from __future__ import annotations

from datetime import date

from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import RiskReminderParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.monitoring.alerts import Fact, Finding
from spsreg.monitoring.kinds.base import RuleCheck, Settings, drug_name, present_risks
from spsreg.monitoring.kinds.infusion_schedule import next_course
from spsreg.monitoring.timeline import PatientTimeline

__all__ = ["RiskReminderCheck"]


class RiskReminderCheck(RuleCheck):
    kind = "risk_reminder"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        params = self.parameters(RiskReminderParameters)
        self.drug_id = params.drug_id
        self.risk = params.risk
        self.drug = drug_name(pack, params.drug_id)

    @property
    def template_fields(self) -> frozenset[str]:
        return frozenset({"drug", "risk", "next_course_on"})

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        if not timeline.comorbidities and self.risk.age_above_years is None:
            return []
        upcoming = next_course(timeline, self.drug_id, as_of)
        if upcoming is None:
            return []
        risks = present_risks(timeline, self.risk, as_of)
        if not risks:
            return []
        facts: dict[str, Fact] = {
            "drug": self.drug,
            "risk": ", ".join(r.replace("_", " ") for r in risks),
            "next_course_on": upcoming.due_on,
        }
        return [Finding(facts=facts, due=upcoming.due_on)]
