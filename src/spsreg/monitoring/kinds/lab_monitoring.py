"""Laboratory tests a treatment needs, anchored as its source says.

* ``before_first_dose``: a result on or before the first dose (within the site's window when the
  rule declares one), e.g. an HBV screen (HBsAg and anti-HBc) before the first anti-CD20 dose.
* ``baseline``: a result within the site's window before the first dose (tizanidine ALT/AST).
* ``maximum_dose_reached``: a result after the day the highest dose so far was reached, due the
  monitoring need's offset later (tizanidine: 1 month).
* ``interval_on_treatment``: while on the drug, no longer than the site's interval between results
  (glucose on a corticosteroid in diabetes; creatinine on IVIG with renal risk).

Analytes and timing come from the drug's monitoring need in drugs.yaml when the rule names one.
A rule with ``risk`` applies only to patients with one of the named risk factors. Checks anchored
on the first dose apply while the drug is taken or planned, and stop once the missing results are
on record (a late screen still closes the gap going forward).
"""

from __future__ import annotations

from datetime import date, timedelta

from spsreg.knowledge.citation import Citation
from spsreg.knowledge.drugs import MonitoringAnchor
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import LabMonitoringParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.knowledge.vocabulary import Route
from spsreg.monitoring.alerts import Fact, Finding
from spsreg.monitoring.exposure import episode_on, era_on
from spsreg.monitoring.kinds.base import (
    RuleCheck,
    Settings,
    add_months,
    drug_name,
    matching_keys,
    present_risks,
)
from spsreg.monitoring.timeline import PatientTimeline

__all__ = ["LabMonitoringCheck"]

_DAY = timedelta(days=1)


class LabMonitoringCheck(RuleCheck):
    kind = "lab_monitoring"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        params = self.parameters(LabMonitoringParameters)
        self.selector = params.drugs
        self.anchor = params.anchor
        self.require_all = params.require == "all"
        self.risk = params.risk
        self.offset_months = 0
        analytes = params.analytes
        citations: tuple[Citation, ...] = ()
        if params.need is not None:
            need = next(
                n for n in pack.drug(params.need.drug_id).monitoring if n.id == params.need.need_id
            )
            analytes = analytes or need.analytes
            citations = need.citations
            offsets = [
                t.offset_months or 0
                for t in need.timing
                if t.anchor is MonitoringAnchor.MAXIMUM_DOSE_REACHED
            ]
            self.offset_months = offsets[0] if offsets else 0
        self.analytes = analytes
        self.names = {a: pack.lab(a).name for a in analytes}
        self.citations = citations

    @property
    def template_fields(self) -> frozenset[str]:
        common = {"drug", "anchor_on", "missing", "due_on", "risk"}
        if self.anchor == "maximum_dose_reached":
            return frozenset({*common, "daily_dose"})
        if self.anchor == "interval_on_treatment":
            return frozenset({*common, "last_checked_on"})
        return frozenset(common)

    @property
    def required_settings(self) -> frozenset[str]:
        if self.anchor == "baseline":
            return frozenset({"window_days"})
        if self.anchor == "interval_on_treatment":
            return frozenset({"interval_days"})
        return frozenset()

    @property
    def optional_settings(self) -> frozenset[str]:
        return frozenset({"window_days"} if self.anchor == "before_first_dose" else ())

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        keys = matching_keys(timeline, self.selector)
        if not keys:
            return []
        risks = present_risks(timeline, self.risk, as_of)
        if self.risk is not None and not risks:
            return []
        risk: Fact = ", ".join(r.replace("_", " ") for r in risks) or None
        if self.anchor == "maximum_dose_reached":
            found = [self._after_maximum(timeline, key, as_of, risk) for key in keys]
            return [f for f in found if f is not None]
        if self.anchor == "interval_on_treatment":
            finding = self._interval(timeline, keys, as_of, settings, risk)
        else:
            finding = self._first_dose(timeline, keys, as_of, settings, risk)
        return [finding] if finding is not None else []

    # -- shared ------------------------------------------------------------------------------
    def _missing(self, timeline: PatientTimeline, first: date | None, last: date) -> list[str]:
        """Analytes without a result from ``first`` to ``last``; with 'any', all or nothing."""
        lacking = [a for a in self.analytes if not timeline.lab_dates_between(a, first, last)]
        if not self.require_all and len(lacking) < len(self.analytes):
            return []
        return lacking

    def _finding(self, facts: dict[str, Fact], missing: list[str], due: date) -> Finding:
        joiner = " and " if self.require_all else " or "
        facts["missing"] = joiner.join(self.names[a] for a in missing)
        return Finding(facts=facts, due=due, citations=self.citations)

    # -- anchors -----------------------------------------------------------------------------
    def _first_dose(
        self,
        timeline: PatientTimeline,
        keys: list[tuple[str, Route]],
        as_of: date,
        settings: Settings,
        risk: Fact,
    ) -> Finding | None:
        eras = [era for key in keys for era in timeline.eras[key]]
        if not any(era.stop is None or era.stop > as_of for era in eras):
            return None  # no longer taken, nor planned
        first = min(eras, key=lambda era: era.start)
        window = settings.get("window_days")
        since = first.start - timedelta(days=int(window)) if window is not None else None
        missing = self._missing(timeline, since, first.start)
        if not missing or not self._missing(timeline, since, max(as_of, first.start)):
            return None
        facts: dict[str, Fact] = {
            "drug": drug_name(self.pack, first.drug_id),
            "anchor_on": first.start,
            "due_on": first.start,
            "risk": risk,
        }
        return self._finding(facts, missing, first.start)

    def _after_maximum(
        self, timeline: PatientTimeline, key: tuple[str, Route], as_of: date, risk: Fact
    ) -> Finding | None:
        eras = timeline.eras[key]
        current = era_on(eras, as_of)
        episode = episode_on(timeline.episodes[key], as_of)
        if current is None or episode is None:
            return None
        so_far = [e for e in eras if episode.start <= e.start <= as_of and e.daily is not None]
        if not so_far:
            return None
        highest = max(e.daily or 0.0 for e in so_far)
        reached_on = min(e.start for e in so_far if e.daily == highest)
        due_on = add_months(reached_on, self.offset_months)
        if as_of <= due_on:
            return None
        missing = self._missing(timeline, reached_on + _DAY, as_of)
        if not missing:
            return None
        facts: dict[str, Fact] = {
            "drug": drug_name(self.pack, key[0]),
            "anchor_on": reached_on,
            "daily_dose": highest,
            "due_on": due_on,
            "risk": risk,
        }
        return self._finding(facts, missing, due_on)

    def _interval(
        self,
        timeline: PatientTimeline,
        keys: list[tuple[str, Route]],
        as_of: date,
        settings: Settings,
        risk: Fact,
    ) -> Finding | None:
        episodes = [e for key in keys if (e := episode_on(timeline.episodes[key], as_of))]
        if not episodes:
            return None
        started = min(episodes, key=lambda e: e.start)
        results = [timeline.last_lab_on_or_before(a, as_of) for a in self.analytes]
        dated = [d for d in results if d is not None]
        if self.require_all:
            last = min(dated) if len(dated) == len(results) else None
        else:
            last = max(dated) if dated else None
        reference = max(last, started.start) if last is not None else started.start
        due_on = reference + timedelta(days=int(settings["interval_days"]))
        if as_of <= due_on:
            return None
        facts: dict[str, Fact] = {
            "drug": drug_name(self.pack, started.drug_id),
            "anchor_on": started.start,
            "last_checked_on": last,
            "due_on": due_on,
            "risk": risk,
        }
        return self._finding(facts, list(self.analytes), due_on)
