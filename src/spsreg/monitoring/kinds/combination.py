"""Two drugs taken together that a cited interaction names (e.g. a benzodiazepine and an opioid).

The interaction, its parties (a drug or a whole class) and its effect come from drugs.yaml; the
rule only chooses the severity and wording. "Together" means both are being taken on the
evaluation day; the combination's start is when the later of the two continuous exposures began,
so a dose change of either drug does not make it a new situation.
"""

from __future__ import annotations

from datetime import date

from spsreg.knowledge.drugs import InteractionParty
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rule_parameters import CombinationParameters
from spsreg.knowledge.rules import MonitoringRule
from spsreg.monitoring.alerts import Fact, Finding
from spsreg.monitoring.exposure import episode_on
from spsreg.monitoring.kinds.base import RuleCheck, Settings, drug_name
from spsreg.monitoring.timeline import PatientTimeline

__all__ = ["CombinationCheck"]


class CombinationCheck(RuleCheck):
    kind = "combination"

    def __init__(self, rule: MonitoringRule, pack: KnowledgePack) -> None:
        super().__init__(rule, pack)
        params = self.parameters(CombinationParameters)
        interaction = next(i for i in pack.interactions if i.id == params.interaction_id)
        self.interaction_id = interaction.id
        self.parties = interaction.between
        self.effect = " ".join(interaction.effect.split())
        self.citations = interaction.citations

    @property
    def template_fields(self) -> frozenset[str]:
        return frozenset({"first_drug", "second_drug", "since", "effect", "interaction"})

    def _taken(
        self, timeline: PatientTimeline, party: InteractionParty, day: date
    ) -> dict[str, date]:
        """Drugs of one party taken on ``day``, with the start of their continuous exposure."""
        if party.drug_id is not None:
            courses = timeline.courses_by_drug.get(party.drug_id, ())
        else:
            assert party.drug_class is not None
            courses = timeline.courses_by_class.get(party.drug_class.value, ())
        taken: dict[str, date] = {}
        for course in courses:
            if not course.active_on(day):
                continue
            episode = episode_on(timeline.episodes[(course.drug_id, course.route)], day)
            start = episode.start if episode is not None else course.start
            known = taken.get(course.drug_id)
            taken[course.drug_id] = start if known is None else min(known, start)
        return taken

    def findings(self, timeline: PatientTimeline, as_of: date, settings: Settings) -> list[Finding]:
        first = self._taken(timeline, self.parties[0], as_of)
        if not first:
            return []
        second = self._taken(timeline, self.parties[1], as_of)
        found: list[Finding] = []
        seen: set[frozenset[str]] = set()
        for one, one_start in sorted(first.items()):
            for other, other_start in sorted(second.items()):
                pair = frozenset((one, other))
                if one == other or pair in seen:
                    continue
                seen.add(pair)
                facts: dict[str, Fact] = {
                    "first_drug": drug_name(self.pack, one),
                    "second_drug": drug_name(self.pack, other),
                    "since": max(one_start, other_start),
                    "effect": self.effect,
                    "interaction": self.interaction_id,
                }
                found.append(Finding(facts=facts, citations=self.citations))
        return found
