"""Therapy-monitoring rules as data: the rules file, its site settings, and its loader.

Each rule names a kind (implemented once in :mod:`spsreg.monitoring.kinds`), a severity, the
clinical wording of its alert (templates filled from the data that triggered it), its parameters
and at least one citation. A rule without a source does not load: the file is refused with the
file, the rule id, the field and the reason, like every other knowledge-pack file.

Two kinds of numbers live in a rule, kept strictly apart:

* ``parameters`` hold cited facts (which drug, which interaction, the label's "4 times daily");
  the rule's citations cover them, and numbers the pack already holds (dose ranges, equivalence,
  monitoring timing) are referenced, never copied.
* ``settings`` hold thresholds no source gives (a gap interval, a refill lead time, what counts as a
  large step-down). Each has a documented default that is a **site setting, not a clinical
  fact**, and a site overrides it through ``SiteMonitoringConfig`` (spsreg.monitoring.config).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import Enum
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from spsreg.knowledge.base import PACK_ID_PATTERN, PackFile, PackModel, Unverified
from spsreg.knowledge.citation import Citation
from spsreg.knowledge.errors import KnowledgePackError, PackProblem
from spsreg.knowledge.loader import format_path, read_yaml
from spsreg.knowledge.pack import KnowledgePack, load_knowledge_pack
from spsreg.knowledge.rule_checks import dose_limit_range, rule_reference_problems
from spsreg.knowledge.rule_parameters import PARAMETER_MODELS, RuleParameters

__all__ = [
    "RULES_FILE",
    "MonitoringRule",
    "MonitoringRules",
    "RuleDefinition",
    "RulesFile",
    "Severity",
    "SiteSetting",
    "dose_limit_range",
    "load_monitoring_rules",
]

RULES_FILE = "rules.yaml"


@functools.total_ordering
class Severity(Enum):
    """How urgently a clinician should look: info < warning < critical."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _RANK[self.value]

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Severity):
            return NotImplemented
        return self.rank < other.rank


_RANK = {"info": 0, "warning": 1, "critical": 2}


class SiteSetting(PackModel):
    """A threshold with no cited value: a site's choice, with a documented default.

    The default is labelled as a site setting wherever it is shown (docs, alerts' rationale), so
    nobody mistakes it for a clinical fact.
    """

    default: float = Field(allow_inf_nan=False)
    minimum: float | None = Field(default=None, allow_inf_nan=False)
    maximum: float | None = Field(default=None, allow_inf_nan=False)
    integer: bool = False
    unit: str = Field(min_length=1)
    description: str = Field(min_length=10)

    @model_validator(mode="after")
    def _check(self) -> SiteSetting:
        problem = self.problem_with(self.default)
        if problem:
            raise ValueError(f"default {problem}")
        return self

    def problem_with(self, value: float) -> str | None:
        """Why ``value`` is not allowed for this setting, or None."""
        if self.integer and value != int(value):
            return f"{value:g} is not a whole number"
        if self.minimum is not None and value < self.minimum:
            return f"{value:g} is below the minimum {self.minimum:g}"
        if self.maximum is not None and value > self.maximum:
            return f"{value:g} is above the maximum {self.maximum:g}"
        return None


class RuleDefinition(PackModel):
    """One rule as written in the rules file (parameters still untyped)."""

    id: str = Field(pattern=PACK_ID_PATTERN)
    kind: str = Field(pattern=PACK_ID_PATTERN)
    severity: Severity
    title: str = Field(min_length=5, max_length=120)
    message: str = Field(min_length=10)
    action: str = Field(min_length=10)
    parameters: dict[str, Any] = Field(default_factory=dict)
    settings: dict[str, SiteSetting] = Field(default_factory=dict)
    citations: tuple[Citation, ...] = Field(min_length=1)


class RulesFile(PackFile):
    rules: tuple[RuleDefinition, ...] = Field(min_length=1)


@dataclass(frozen=True)
class MonitoringRule:
    """A loaded rule: the definition with its parameters validated against its kind."""

    id: str
    kind: str
    severity: Severity
    title: str
    message: str
    action: str
    parameters: RuleParameters
    settings: Mapping[str, SiteSetting]
    citations: tuple[Citation, ...]


@dataclass(frozen=True)
class MonitoringRules:
    """The loaded rules, with the knowledge pack their references were checked against."""

    rules: tuple[MonitoringRule, ...]
    pack: KnowledgePack
    source: str
    pack_version: str
    reviewed_on: date
    unverified: tuple[Unverified, ...] = ()

    def rule(self, rule_id: str) -> MonitoringRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"no monitoring rule {rule_id!r}")


def load_monitoring_rules(
    pack: KnowledgePack | None = None, path: Path | None = None
) -> MonitoringRules:
    """Load and check a rules file (the shipped one by default, or a site's reviewed copy).

    Raises :class:`KnowledgePackError` listing every problem (file, rule id, field, reason): a rule
    without citations, an unknown kind, parameters that do not fit the kind, or references to
    drugs, interactions, monitoring needs, analytes or scales the pack does not define.
    """
    pack = pack if pack is not None else load_knowledge_pack()
    if path is None:
        return _shipped_rules(pack)
    return _load(pack, path, source=str(path))


@functools.cache
def _shipped_rules(pack: KnowledgePack) -> MonitoringRules:
    with resources.as_file(resources.files("spsreg.knowledge") / "data" / RULES_FILE) as path:
        return _load(pack, path, source="spsreg package data")


def _load(pack: KnowledgePack, path: Path, source: str) -> MonitoringRules:
    file = path.name
    raw, problems = read_yaml(path)
    if problems:
        raise KnowledgePackError(problems)
    if not isinstance(raw, Mapping):
        raise KnowledgePackError([PackProblem(file, "-", "-", "must be a YAML mapping")])
    problems = _uncited_rules(file, raw)
    try:
        parsed = RulesFile.model_validate(raw)
    except ValidationError as error:
        problems += _validation_problems(file, raw, error, skip_citations=bool(problems))
        raise KnowledgePackError(problems) from None
    if problems:
        raise KnowledgePackError(problems)
    rules: list[MonitoringRule] = []
    seen: set[str] = set()
    for definition in parsed.rules:
        if definition.id in seen:
            problems.append(PackProblem(file, definition.id, "id", "rule id is used twice"))
        seen.add(definition.id)
        parameters = _parameters(file, definition, problems)
        if parameters is None:
            continue
        problems += [
            PackProblem(file, definition.id, f"parameters.{field}", reason)
            for field, reason in rule_reference_problems(pack, parameters)
        ]
        rules.append(
            MonitoringRule(
                id=definition.id,
                kind=definition.kind,
                severity=definition.severity,
                title=definition.title,
                message=definition.message,
                action=definition.action,
                parameters=parameters,
                settings=dict(definition.settings),
                citations=definition.citations,
            )
        )
    if problems:
        raise KnowledgePackError(problems)
    return MonitoringRules(
        rules=tuple(rules),
        pack=pack,
        source=source,
        pack_version=parsed.pack_version,
        reviewed_on=parsed.reviewed_on,
        unverified=parsed.unverified,
    )


def _uncited_rules(file: str, raw: Mapping[str, Any]) -> list[PackProblem]:
    """The citation rule, checked first so its message is the one a reviewer sees."""
    problems: list[PackProblem] = []
    rules = raw.get("rules")
    if not isinstance(rules, list):
        return problems
    for index, rule in enumerate(rules):
        if isinstance(rule, Mapping) and not rule.get("citations"):
            rule_id = str(rule.get("id", f"rules[{index}]"))
            problems.append(
                PackProblem(
                    file,
                    rule_id,
                    "citations",
                    "a rule needs at least one source; a rule without a source cannot load",
                )
            )
    return problems


def _validation_problems(
    file: str, raw: Mapping[str, Any], error: ValidationError, skip_citations: bool
) -> list[PackProblem]:
    problems: list[PackProblem] = []
    for detail in error.errors(include_url=False):
        location = tuple(detail["loc"])
        if skip_citations and location and location[-1] == "citations":
            continue  # reported by the citation rule
        item, field = _item_and_field(raw, location)
        problems.append(PackProblem(file, item, field, str(detail["msg"])))
    return problems


def _item_and_field(raw: Mapping[str, Any], location: tuple[Any, ...]) -> tuple[str, str]:
    if len(location) >= 2 and location[0] == "rules" and isinstance(location[1], int):
        rules = raw.get("rules")
        rule = rules[location[1]] if isinstance(rules, list) and location[1] < len(rules) else None
        label = f"rules[{location[1]}]"
        if isinstance(rule, Mapping) and isinstance(rule.get("id"), str):
            label = rule["id"]
        return label, format_path(location[2:])
    return "-", format_path(location)


def _parameters(
    file: str, definition: RuleDefinition, problems: list[PackProblem]
) -> RuleParameters | None:
    model = PARAMETER_MODELS.get(definition.kind)
    if model is None:
        known = ", ".join(sorted(PARAMETER_MODELS))
        problems.append(
            PackProblem(file, definition.id, "kind", f"unknown kind {definition.kind!r} ({known})")
        )
        return None
    try:
        return model.model_validate(definition.parameters)
    except ValidationError as error:
        for detail in error.errors(include_url=False):
            field = format_path(("parameters", *detail["loc"]))
            reason = str(detail["msg"]).removeprefix("Value error, ")
            problems.append(PackProblem(file, definition.id, field, reason))
        return None
