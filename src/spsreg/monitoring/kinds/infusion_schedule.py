"""The next course of a cyclic infusion (IVIG): due (from the site's lead time before the due date
until a course is recorded), or overdue (past the site's grace days).

The interval is the patient's recorded regimen (the active course's ``period_days``; the NEJM 2001
regimen is 2 g/kg every 4 weeks), never assumed. The last course is the latest recorded cycle
start (from the infusions given); with none recorded in the current exposure, the course's start.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, timedelta

from spsreg.domain.medications import DosingSchedule
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import InfusionScheduleParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.monitoring.alerts import Fact, Finding
from spsreg.monitoring.exposure import episode_on
from spsreg.monitoring.kinds.base import RuleCheck, Settings, drug_name
from spsreg.monitoring.timeline import PatientTimeline

__all__ = ["InfusionScheduleCheck", "NextCourse", "next_course"]


@dataclass(frozen=True, slots=True)
class NextCourse:
    last_course_on: date
    interval_days: int
    due_on: date


def next_course(timeline: PatientTimeline, drug_id: str, as_of: date) -> NextCourse | None:
    """When the next course of a cyclic drug is due, from the regimen active on ``as_of``."""
    active = [
        c
        for c in timeline.courses_by_drug.get(drug_id, ())
        if c.active_on(as_of) and c.schedule is DosingSchedule.CYCLIC_COURSE and c.period_days
    ]
    if not active:
        return None
    course = max(active, key=lambda c: c.start)
    assert course.period_days is not None
    episode = episode_on(timeline.episodes[(drug_id, course.route)], as_of)
    exposure_start = episode.start if episode is not None else course.start
    starts = timeline.cycle_starts.get(drug_id, ())
    index = bisect_right(starts, as_of)
    last = starts[index - 1] if index and starts[index - 1] >= exposure_start else exposure_start
    return NextCourse(last, course.period_days, last + timedelta(days=course.period_days))


class InfusionScheduleCheck(RuleCheck):
    kind = "infusion_schedule"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        params = self.parameters(InfusionScheduleParameters)
        self.drug_id = params.drug_id
        self.check = params.check
        self.drug = drug_name(pack, params.drug_id)

    @property
    def template_fields(self) -> frozenset[str]:
        return frozenset({"drug", "last_course_on", "interval_days", "due_on"})

    @property
    def required_settings(self) -> frozenset[str]:
        return frozenset({"lead_days" if self.check == "due" else "grace_days"})

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        upcoming = next_course(timeline, self.drug_id, as_of)
        if upcoming is None:
            return []
        due_on = upcoming.due_on
        if self.check == "due":
            lead = timedelta(days=int(settings["lead_days"]))
            if as_of < due_on - lead:
                return []
        elif as_of <= due_on + timedelta(days=int(settings["grace_days"])):
            return []
        facts: dict[str, Fact] = {
            "drug": self.drug,
            "last_course_on": upcoming.last_course_on,
            "interval_days": upcoming.interval_days,
            "due_on": due_on,
        }
        return [Finding(facts=facts, due=due_on)]
