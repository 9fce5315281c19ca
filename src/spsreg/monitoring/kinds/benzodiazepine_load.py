"""Total benzodiazepine load in oral diazepam equivalents: above a cited limit, or rising.

The load is computed only with the cited equivalence table the pack selects; with no table, or a
benzodiazepine (or route) the table does not cover, or a dose that is not a fixed daily mass, the
load is "not available" and the rule is silent rather than guessing. Escalation compares the
current load with the lowest load in the site's window: a rise of the site's fraction is a
tolerance signal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from spsreg.domain.units import DoseUnit
from spsreg.knowledge.drugs import DrugClass
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_checks import dose_limit_range
from spsreg.knowledge.rule_parameters import BenzodiazepineLoadParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.knowledge.vocabulary import Route
from spsreg.monitoring.alerts import Finding
from spsreg.monitoring.kinds.base import RuleCheck, Settings, unique_citations
from spsreg.monitoring.timeline import CourseView, PatientTimeline

__all__ = ["BenzodiazepineLoadCheck", "LoadStep", "load_steps"]

_CLASS = DrugClass.BENZODIAZEPINE.value


@dataclass(frozen=True, slots=True)
class LoadStep:
    """A period at one total load (None: not available); ``drugs`` taken in it."""

    start: date
    stop: date | None
    load_mg: float | None
    drugs: tuple[str, ...]


def load_steps(
    courses: Sequence[CourseView], factors: Mapping[tuple[str, Route], float]
) -> list[LoadStep]:
    """The piecewise-constant daily load over the benzodiazepine courses (periods on none omitted)."""
    bounds = sorted({c.start for c in courses} | {c.stop for c in courses if c.stop is not None})
    steps: list[LoadStep] = []
    for index, start in enumerate(bounds):
        stop = bounds[index + 1] if index + 1 < len(bounds) else None
        active = [c for c in courses if c.active_on(start)]
        if not active:
            continue
        load: float | None = 0.0
        for course in active:
            factor = factors.get((course.drug_id, course.route))
            if factor is None or course.daily_amount is None or course.unit is not DoseUnit.MG:
                load = None
                break
            load = (load or 0.0) + course.daily_amount * factor
        drugs = tuple(sorted({c.drug_id for c in active}))
        last = steps[-1] if steps else None
        if last is not None and last.stop == start and last.load_mg == load and last.drugs == drugs:
            steps[-1] = LoadStep(last.start, stop, load, drugs)
        else:
            steps.append(LoadStep(start, stop, load, drugs))
    return steps


class BenzodiazepineLoadCheck(RuleCheck):
    kind = "benzodiazepine_load"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        params = self.parameters(BenzodiazepineLoadParameters)
        self.check = params.check
        table = pack.benzodiazepine_equivalence
        self.factors: dict[tuple[str, Route], float] | None = None
        self.table = table.name if table is not None else ""
        citations = []
        if table is not None:
            self.factors = {(e.drug_id, e.route): e.diazepam_mg / e.dose_mg for e in table.entries}
            citations = [e.citation for e in table.entries]
        self.limit_mg = 0.0
        if params.limit is not None:
            chosen = dose_limit_range(pack, params.limit)
            assert chosen is not None and chosen.maximum is not None  # checked when rules load
            self.limit_mg = chosen.maximum
            citations.append(chosen.citation)
        self.citations = unique_citations(citations)
        self.names = {drug.id: drug.name for drug in pack.drugs_in_class(DrugClass.BENZODIAZEPINE)}

    @property
    def template_fields(self) -> frozenset[str]:
        common = {"load_mg", "since", "drugs", "table"}
        if self.check == "limit":
            return frozenset({*common, "limit_mg"})
        return frozenset({*common, "baseline_mg", "baseline_from", "rise_percent"})

    @property
    def required_settings(self) -> frozenset[str]:
        return frozenset({"window_days", "rise_fraction"} if self.check == "escalation" else ())

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        courses = timeline.courses_by_class.get(_CLASS)
        if self.factors is None or not courses:
            return []
        steps = load_steps(courses, self.factors)
        current = next((s for s in reversed(steps) if s.start <= as_of), None)
        if current is None or (current.stop is not None and current.stop <= as_of):
            return []
        if not current.load_mg:
            return []
        facts: dict[str, date | float | str | int | None] = {
            "load_mg": current.load_mg,
            "since": current.start,
            "drugs": ", ".join(self.names.get(d, d) for d in current.drugs),
            "table": self.table,
        }
        if self.check == "limit":
            if current.load_mg <= self.limit_mg * (1 + 1e-9):
                return []
            facts["limit_mg"] = self.limit_mg
            return [Finding(facts=facts, citations=self.citations)]
        window_start = as_of - timedelta(days=int(settings["window_days"]))
        earlier = [
            s
            for s in steps
            if s.load_mg and s.start <= as_of and (s.stop is None or s.stop > window_start)
        ]
        baseline = min(earlier, key=lambda s: (s.load_mg or 0.0, s.start))
        assert baseline.load_mg is not None
        rise = current.load_mg / baseline.load_mg - 1.0
        if rise < settings["rise_fraction"] - 1e-9 or rise <= 0:
            return []
        facts |= {
            "baseline_mg": baseline.load_mg,
            "baseline_from": baseline.start,
            "rise_percent": round(rise * 100),
        }
        return [Finding(facts=facts, citations=self.citations)]
