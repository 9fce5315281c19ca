"""No assessment with a scale for longer than the site's interval (a monitoring gap).

The clock starts at the last assessment with the scale, or, for a patient never assessed with it,
at the first visit (else the first contact with the centre); a patient with neither is not judged.
"""

from __future__ import annotations

from datetime import date, timedelta

from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import AssessmentGapParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.knowledge.scales import load_scale_definitions
from spsreg.monitoring.alerts import Fact, Finding
from spsreg.monitoring.kinds.base import RuleCheck, Settings
from spsreg.monitoring.timeline import PatientTimeline

__all__ = ["AssessmentGapCheck"]


class AssessmentGapCheck(RuleCheck):
    kind = "assessment_gap"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        self.scale_id = self.parameters(AssessmentGapParameters).scale_id
        self.scale = load_scale_definitions()[self.scale_id].name

    @property
    def template_fields(self) -> frozenset[str]:
        return frozenset({"scale", "since", "last_on", "due_on"})

    @property
    def required_settings(self) -> frozenset[str]:
        return frozenset({"max_interval_days"})

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        last: date | None = None
        for assessment in reversed(timeline.assessments.get(self.scale_id, ())):
            if assessment.visit_date <= as_of:
                last = assessment.visit_date
                break
        since = last or timeline.first_visit or timeline.first_contact_date
        if since is None or since > as_of:
            return []
        due_on = since + timedelta(days=int(settings["max_interval_days"]))
        if as_of <= due_on:
            return []
        facts: dict[str, Fact] = {
            "scale": self.scale,
            "since": since,
            "last_on": last,
            "due_on": due_on,
        }
        return [Finding(facts=facts, due=due_on)]
