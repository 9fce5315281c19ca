"""Falls rising: in the diary (recent window against the window before it), or between the last
two visits' falls counts on a scale item. The windows, the minimum count and the ratio are site
settings; at least one recorded count is needed on each side to compare.
"""

from __future__ import annotations

from datetime import date, timedelta

from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import RisingFallsParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.monitoring.alerts import Fact, Finding
from spsreg.monitoring.kinds.base import RuleCheck, Settings
from spsreg.monitoring.timeline import PatientTimeline

__all__ = ["RisingFallsCheck"]


class RisingFallsCheck(RuleCheck):
    kind = "rising_falls"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        params = self.parameters(RisingFallsParameters)
        self.source = params.source
        self.scale_id = params.scale_id or ""
        self.item_id = params.item_id or ""

    @property
    def template_fields(self) -> frozenset[str]:
        return frozenset({"recent_falls", "previous_falls", "recent_from", "recent_to"})

    @property
    def required_settings(self) -> frozenset[str]:
        common = {"min_recent_falls", "rise_ratio"}
        return frozenset({*common, "window_days"} if self.source == "diary" else common)

    @staticmethod
    def _rising(recent: float, previous: float, settings: Settings) -> bool:
        return (
            recent >= settings["min_recent_falls"]
            and recent > previous
            and recent >= settings["rise_ratio"] * previous
        )

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        if self.source == "diary":
            return self._diary(timeline, as_of, settings)
        counts = [
            (a.visit_date, a.responses[self.item_id])
            for a in timeline.assessments.get(self.scale_id, ())
            if a.visit_date <= as_of and self.item_id in a.responses
        ]
        if len(counts) < 2:
            return []
        (previous_on, previous), (recent_on, recent) = counts[-2], counts[-1]
        if not self._rising(recent, previous, settings):
            return []
        facts: dict[str, Fact] = {
            "recent_falls": int(recent),
            "previous_falls": int(previous),
            "recent_from": previous_on,
            "recent_to": recent_on,
        }
        return [Finding(facts=facts)]

    def _diary(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        diary = timeline.diary
        if not len(diary):
            return []
        days = int(settings["window_days"])
        recent_from = as_of - timedelta(days=days - 1)
        previous_from = recent_from - timedelta(days=days)
        recent = [diary.falls[i] for i in diary.window(recent_from, as_of)]
        previous = [
            diary.falls[i] for i in diary.window(previous_from, recent_from - timedelta(days=1))
        ]
        recent_counts = [n for n in recent if n is not None]
        previous_counts = [n for n in previous if n is not None]
        if not recent_counts or not previous_counts:
            return []
        recent_total, previous_total = sum(recent_counts), sum(previous_counts)
        if not self._rising(recent_total, previous_total, settings):
            return []
        facts: dict[str, Fact] = {
            "recent_falls": recent_total,
            "previous_falls": previous_total,
        }
        shown: dict[str, Fact] = {"recent_from": recent_from, "recent_to": as_of}
        return [Finding(facts=facts, shown=shown)]
