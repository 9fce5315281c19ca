"""The rule engine: evaluate every rule over a patient's timeline at a date (pure, no I/O).

:class:`RuleBook` compiles the loaded rules once: each rule's kind is looked up, its references are
resolved in the knowledge pack, its settings are checked against what the kind needs and its
message templates against the fields the kind supplies. :meth:`RuleBook.bind` applies a site's
configuration (checked, then cached per configuration object). :func:`evaluate` then only walks
the compiled checks: no validation, no model construction, no I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from spsreg.knowledge.errors import KnowledgePackError, PackProblem
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rules import (
    RULES_FILE,
    MonitoringRule,
    MonitoringRules,
    load_monitoring_rules,
)
from spsreg.monitoring.alerts import Alert, Fact, Finding, alert_sort_key, fingerprint, render
from spsreg.monitoring.alerts import template_fields as placeholders
from spsreg.monitoring.config import MonitoringConfigError, SiteMonitoringConfig
from spsreg.monitoring.kinds import KINDS, RuleCheck
from spsreg.monitoring.kinds.base import unique_citations
from spsreg.monitoring.timeline import PatientTimeline

__all__ = ["BoundRules", "RuleBook", "evaluate", "evaluate_many", "load_rule_book"]

_DEFAULT_CONFIG = SiteMonitoringConfig()


@dataclass(frozen=True)
class _Compiled:
    rule: MonitoringRule
    check: RuleCheck

    def alert(
        self, timeline: PatientTimeline, finding: Finding, settings: Mapping[str, Fact]
    ) -> Alert:
        values = {**settings, **finding.facts, **finding.shown}
        rule = self.rule
        return Alert(
            rule_id=rule.id,
            kind=rule.kind,
            severity=rule.severity,
            patient_id=timeline.patient_id,
            site_id=timeline.site_id,
            title=rule.title,
            message=render(rule.message, values),
            rationale=dict(finding.facts),
            action=render(rule.action, values),
            citations=unique_citations((*rule.citations, *finding.citations)),
            due=finding.due,
            fingerprint=fingerprint(rule.id, timeline.patient_id, finding.facts),
        )


class BoundRules:
    """The compiled rules with one site's settings applied: ready to evaluate patients."""

    def __init__(self, entries: Iterable[tuple[_Compiled, Mapping[str, float]]]) -> None:
        self._entries = tuple(entries)

    @property
    def rule_ids(self) -> tuple[str, ...]:
        return tuple(compiled.rule.id for compiled, _ in self._entries)

    def evaluate(self, timeline: PatientTimeline, as_of: date) -> list[Alert]:
        """Every alert for the patient on ``as_of``, most severe first (none after death)."""
        alerts: list[Alert] = []
        if not timeline.alive_on(as_of):
            return alerts
        for compiled, settings in self._entries:
            for finding in compiled.check.findings(timeline, as_of, settings):
                alerts.append(compiled.alert(timeline, finding, settings))
        alerts.sort(key=alert_sort_key)
        return alerts


class RuleBook:
    """Compiled monitoring rules (one check per rule), shared by every evaluation."""

    def __init__(self, rules: MonitoringRules) -> None:
        self.rules = rules
        problems: list[PackProblem] = []
        compiled: list[_Compiled] = []
        for rule in rules.rules:
            kind = KINDS.get(rule.kind)
            if kind is None:
                problems.append(PackProblem(RULES_FILE, rule.id, "kind", "no such rule kind"))
                continue
            check = kind(rule, rules.pack)
            problems += _rule_problems(rule, check)
            compiled.append(_Compiled(rule, check))
        if problems:
            raise KnowledgePackError(problems)
        self._compiled = tuple(compiled)
        self._bound: dict[int, tuple[SiteMonitoringConfig, BoundRules]] = {}

    @property
    def pack(self) -> KnowledgePack:
        return self.rules.pack

    def check(self, rule_id: str) -> RuleCheck:
        """The compiled check of one rule (what it reads is resolved there, e.g. analytes)."""
        for compiled in self._compiled:
            if compiled.rule.id == rule_id:
                return compiled.check
        raise KeyError(rule_id)

    def bind(self, config: SiteMonitoringConfig | None = None) -> BoundRules:
        """The rules with a site's settings applied; :class:`MonitoringConfigError` if they do not fit."""
        config = config if config is not None else _DEFAULT_CONFIG
        cached = self._bound.get(id(config))
        if cached is not None and cached[0] is config:
            return cached[1]
        bound = BoundRules(self._apply(config))
        self._bound[id(config)] = (config, bound)
        return bound

    def _apply(self, config: SiteMonitoringConfig) -> list[tuple[_Compiled, Mapping[str, float]]]:
        by_id = {compiled.rule.id: compiled for compiled in self._compiled}
        problems = [
            f"rule {rule_id!r} is not a monitoring rule (disabled_rules)"
            for rule_id in sorted(config.disabled_rules - by_id.keys())
        ]
        for rule_id, overrides in sorted(config.settings.items()):
            compiled = by_id.get(rule_id)
            if compiled is None:
                problems.append(f"rule {rule_id!r} is not a monitoring rule (settings)")
                continue
            for name, value in sorted(overrides.items()):
                declared = compiled.rule.settings.get(name)
                if declared is None:
                    known = ", ".join(sorted(compiled.rule.settings)) or "none"
                    problems.append(f"rule {rule_id!r} has no setting {name!r} (settings: {known})")
                elif (reason := declared.problem_with(value)) is not None:
                    problems.append(f"rule {rule_id!r} setting {name!r}: {reason}")
        if problems:
            raise MonitoringConfigError(problems)
        entries: list[tuple[_Compiled, Mapping[str, float]]] = []
        for compiled in self._compiled:
            if compiled.rule.id in config.disabled_rules:
                continue
            overrides = config.settings.get(compiled.rule.id, {})
            settings: dict[str, float] = {}
            for name, declared in compiled.rule.settings.items():
                value = overrides.get(name, declared.default)
                settings[name] = int(value) if declared.integer else float(value)
            entries.append((compiled, settings))
        return entries


def _rule_problems(rule: MonitoringRule, check: RuleCheck) -> list[PackProblem]:
    problems: list[PackProblem] = []
    declared = set(rule.settings)
    for name in sorted(check.required_settings - declared):
        problems.append(
            PackProblem(RULES_FILE, rule.id, f"settings.{name}", "this kind needs the setting")
        )
    allowed = check.required_settings | check.optional_settings
    for name in sorted(declared - allowed):
        problems.append(
            PackProblem(RULES_FILE, rule.id, f"settings.{name}", "this kind has no such setting")
        )
    names = check.template_fields | declared
    for field in ("title", "message", "action"):
        for unknown in sorted(placeholders(getattr(rule, field)) - names):
            problems.append(
                PackProblem(
                    RULES_FILE,
                    rule.id,
                    field,
                    f"{{{unknown}}} is not a field of this rule ({', '.join(sorted(names))})",
                )
            )
    return problems


def load_rule_book(pack: KnowledgePack | None = None, path: Path | None = None) -> RuleBook:
    """The compiled rules: the shipped ones by default, or a site's reviewed rules file."""
    if pack is None and path is None:
        return _shipped_rule_book()
    return RuleBook(load_monitoring_rules(pack, path))


@functools.cache
def _shipped_rule_book() -> RuleBook:
    return RuleBook(load_monitoring_rules())


def evaluate(
    timeline: PatientTimeline,
    as_of: date,
    rules: RuleBook,
    config: SiteMonitoringConfig | None = None,
) -> list[Alert]:
    """Every alert the rules raise for one patient on ``as_of``, most severe first."""
    return rules.bind(config).evaluate(timeline, as_of)


def evaluate_many(
    timelines: Iterable[PatientTimeline],
    as_of: date,
    rules: RuleBook,
    config: SiteMonitoringConfig | None = None,
) -> list[Alert]:
    """The alerts of many patients on one date, as one worklist (most severe first)."""
    bound = rules.bind(config)
    alerts = [alert for timeline in timelines for alert in bound.evaluate(timeline, as_of)]
    alerts.sort(key=alert_sort_key)
    return alerts
