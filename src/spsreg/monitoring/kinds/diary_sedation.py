"""High sedation scores in the patient's diary while taking a drug the sources name as sedating.

Only days on which a sedating drug was being taken count. The window, the score threshold and the
number of days are site settings (no source gives them).
"""

from __future__ import annotations

from datetime import date, timedelta

from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import DiarySedationParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.monitoring.alerts import Fact, Finding
from spsreg.monitoring.kinds.base import RuleCheck, Settings, drug_name
from spsreg.monitoring.timeline import CourseView, PatientTimeline

__all__ = ["DiarySedationCheck"]


class DiarySedationCheck(RuleCheck):
    kind = "diary_sedation"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        self.sedating = self.parameters(DiarySedationParameters).sedating

    @property
    def template_fields(self) -> frozenset[str]:
        return frozenset({"days_high", "first_on", "last_on", "highest", "drugs"})

    @property
    def required_settings(self) -> frozenset[str]:
        return frozenset({"sedation_threshold", "window_days", "min_days"})

    def _sedating(self, timeline: PatientTimeline) -> list[CourseView]:
        return [
            c
            for c in timeline.courses
            if any(s.matches(c.drug_id, c.drug_class, c.route) for s in self.sedating)
        ]

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        diary = timeline.diary
        if not len(diary):
            return []
        first = as_of - timedelta(days=int(settings["window_days"]) - 1)
        threshold = settings["sedation_threshold"]
        high = [i for i in diary.window(first, as_of) if (diary.sedation[i] or 0) >= threshold]
        if len(high) < settings["min_days"]:
            return []
        courses = self._sedating(timeline)
        days: list[date] = []
        drugs: set[str] = set()
        highest = 0
        for index in high:
            day = date.fromordinal(diary.days[index])
            taken = {c.drug_id for c in courses if c.active_on(day)}
            if taken:
                days.append(day)
                drugs |= taken
                highest = max(highest, diary.sedation[index] or 0)
        if len(days) < settings["min_days"]:
            return []
        facts: dict[str, Fact] = {
            "days_high": len(days),
            "first_on": days[0],
            "last_on": days[-1],
            "highest": highest,
            "drugs": ", ".join(sorted(drug_name(self.pack, d) for d in drugs)),
        }
        return [Finding(facts=facts)]
