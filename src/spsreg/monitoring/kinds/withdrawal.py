"""Withdrawal risk: a drug stopped without a taper, or cut by a large fraction in one step.

Stops and step-downs are read from the dose eras of each matching drug and route. A stop is not
flagged when it ends a taper (a dose reduction within the site's taper window before it) or when
another drug of the same class, or the same drug by another route, starts that day (a switch);
neither exemption applies when the rule says ``taper_exempts: false`` (intrathecal baclofen: any
interruption is critical). As-needed courses have no fixed daily dose and are not judged.
"""

from __future__ import annotations

from datetime import date, timedelta

from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import WithdrawalParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.monitoring.alerts import Fact, Finding
from spsreg.monitoring.exposure import DoseStep, dose_steps
from spsreg.monitoring.kinds.base import (
    RuleCheck,
    Settings,
    drug_name,
    matching_keys,
    mg_per_display_unit,
)
from spsreg.monitoring.timeline import PatientTimeline

__all__ = ["WithdrawalCheck"]


class WithdrawalCheck(RuleCheck):
    kind = "withdrawal"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        params = self.parameters(WithdrawalParameters)
        self.selector = params.drugs
        self.check = params.check
        self.taper_exempts = params.taper_exempts

    @property
    def template_fields(self) -> frozenset[str]:
        if self.check == "stop":
            return frozenset({"drug", "route", "daily_dose", "unit", "stopped_on"})
        return frozenset(
            {"drug", "route", "from_dose", "to_dose", "unit", "changed_on", "drop_percent"}
        )

    @property
    def required_settings(self) -> frozenset[str]:
        if self.check == "step_down":
            return frozenset({"recent_days", "step_down_fraction"})
        if self.taper_exempts:
            return frozenset({"recent_days", "taper_window_days"})
        return frozenset({"recent_days"})

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        earliest = as_of - timedelta(days=int(settings["recent_days"]) - 1)
        found: list[Finding] = []
        for drug_id, route in matching_keys(timeline, self.selector):
            steps = dose_steps(timeline.eras[(drug_id, route)])
            recent = [s for s in steps if earliest <= s.on <= as_of]
            if not recent:
                continue
            mg_per_unit, unit = mg_per_display_unit(self.pack, drug_id, route)
            base: dict[str, Fact] = {
                "drug": drug_name(self.pack, drug_id),
                "route": route.value,
                "unit": unit.value,
            }
            for step in recent:
                facts = (
                    self._stop(timeline, steps, step, settings, mg_per_unit)
                    if self.check == "stop"
                    else self._step_down(step, settings, mg_per_unit)
                )
                if facts is not None:
                    found.append(Finding(facts=base | facts))
        return found

    def _stop(
        self,
        timeline: PatientTimeline,
        steps: list[DoseStep],
        step: DoseStep,
        settings: Settings,
        mg_per_unit: float,
    ) -> dict[str, Fact] | None:
        if step.after is not None or step.before.daily is None:
            return None
        if self.taper_exempts:
            window_start = step.on - timedelta(days=int(settings["taper_window_days"]))
            tapered = any(
                window_start <= s.on < step.on
                and s.after is not None
                and s.after.daily is not None
                and s.before.daily is not None
                and s.after.daily < s.before.daily
                for s in steps
            )
            if tapered or self._switched(timeline, step):
                return None
        return {"daily_dose": step.before.daily / mg_per_unit, "stopped_on": step.on}

    @staticmethod
    def _switched(timeline: PatientTimeline, step: DoseStep) -> bool:
        """Another drug of the class, or the same drug by another route, starts on the stop day."""
        stopped = timeline.courses_by_drug.get(step.before.drug_id, ())
        drug_class = stopped[0].drug_class if stopped else None
        for course in timeline.courses:
            if course.start != step.on:
                continue
            same_drug_other_route = (
                course.drug_id == step.before.drug_id and course.route is not step.before.route
            )
            same_class_other_drug = (
                drug_class is not None
                and course.drug_class == drug_class
                and course.drug_id != step.before.drug_id
            )
            if same_drug_other_route or same_class_other_drug:
                return True
        return False

    @staticmethod
    def _step_down(
        step: DoseStep, settings: Settings, mg_per_unit: float
    ) -> dict[str, Fact] | None:
        if step.after is None or step.after.unit is not step.before.unit:
            return None
        before, after = step.before.daily, step.after.daily
        if before is None or after is None or after >= before:
            return None
        drop = (before - after) / before
        if drop < settings["step_down_fraction"] - 1e-9:
            return None
        return {
            "from_dose": before / mg_per_unit,
            "to_dose": after / mg_per_unit,
            "changed_on": step.on,
            "drop_percent": round(drop * 100),
        }
