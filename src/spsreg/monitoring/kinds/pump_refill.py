"""Intrathecal baclofen pump refills: due, low-reservoir alarm date passed, reservoir empty.

No refill interval is cited (it depends on the reservoir and concentration), so none is encoded:
the date the reservoir runs empty is arithmetic on the last refill, volume (mL) x concentration
(mcg/mL) / programmed daily dose (mcg/day), taken as the volume the reservoir holds after the
refill. The refill is due by the programmed alarm date (or the empty date when no alarm is
recorded); the reminder appears the site's lead time before that. Past the alarm date, and past
the empty date, without a newer refill: critical (the label's boxed warning on abrupt withdrawal).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from datetime import date, timedelta

from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import PumpRefillParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.monitoring.alerts import Fact, Finding
from spsreg.monitoring.kinds.base import RuleCheck, Settings
from spsreg.monitoring.timeline import PatientTimeline, RefillView

__all__ = ["PumpRefillCheck", "reservoir_empty_on"]


def reservoir_empty_on(refill: RefillView) -> date:
    """The day the reservoir is calculated to run out (whole days of delivery after the refill)."""
    days = refill.volume_ml * refill.concentration_mcg_per_ml / refill.daily_dose_mcg
    return refill.refilled_on + timedelta(days=math.floor(days + 1e-9))


class PumpRefillCheck(RuleCheck):
    kind = "pump_refill"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        self.check = self.parameters(PumpRefillParameters).check

    @property
    def template_fields(self) -> frozenset[str]:
        return frozenset(
            {
                "pump_id",
                "refilled_on",
                "volume_ml",
                "concentration",
                "daily_dose_mcg",
                "empty_on",
                "alarm_date",
                "due_on",
            }
        )

    @property
    def required_settings(self) -> frozenset[str]:
        return frozenset({"lead_time_days"} if self.check == "due" else ())

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        found: list[Finding] = []
        for pump in timeline.pumps:
            if not pump.in_place_on(as_of):
                continue
            index = bisect_right([r.refilled_on for r in pump.refills], as_of)
            if index == 0:
                continue
            refill = pump.refills[index - 1]
            empty_on = reservoir_empty_on(refill)
            due_on = min(refill.alarm_date, empty_on) if refill.alarm_date else empty_on
            due = self._due(refill, as_of, due_on, empty_on, settings)
            if due is None:
                continue
            facts: dict[str, Fact] = {
                "pump_id": pump.id,
                "refilled_on": refill.refilled_on,
                "volume_ml": refill.volume_ml,
                "concentration": refill.concentration_mcg_per_ml,
                "daily_dose_mcg": refill.daily_dose_mcg,
                "empty_on": empty_on,
                "alarm_date": refill.alarm_date,
                "due_on": due_on,
            }
            found.append(Finding(facts=facts, due=due))
        return found

    def _due(
        self, refill: RefillView, as_of: date, due_on: date, empty_on: date, settings: Settings
    ) -> date | None:
        """The date this check's alert is due, or None when the check does not apply today."""
        if self.check == "due":
            lead = timedelta(days=int(settings["lead_time_days"]))
            return due_on if due_on - lead <= as_of <= due_on else None
        if self.check == "alarm_passed":
            alarm = refill.alarm_date
            return alarm if alarm is not None and as_of > alarm else None
        return empty_on if as_of >= empty_on else None
