"""Standardized assessment scale definitions: the data half of a scale module.

Each scale lives in ``knowledge/data/scales/<scale_id>.yaml``: its items and permitted answers, how
it is scored, its score range, severity bands, conversion tables and missing-item rule. Every
number there names the source it was read from (a key into the file's ``sources``), because a
cut-off without a source cannot be checked and must not steer care. The scoring code lives in
:mod:`spsreg.domain.scales`; it reads these definitions and adds no clinical number of its own.

A definition that lacks a citation for a number, or contradicts itself (bands with gaps, a score
range the items cannot produce, a conversion table with holes), fails to load with a message that
names the file, the item or part, the field and the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from spsreg.knowledge.citation import Citation
from spsreg.knowledge.loader import load_yaml
from spsreg.knowledge.scale_checks import citation_problems, consistency_problems, format_number

__all__ = [
    "Band",
    "Constant",
    "ConversionPoint",
    "MissingItemRule",
    "NumericRange",
    "PermittedValue",
    "RecodeRule",
    "RecodeTable",
    "ScaleDefinition",
    "ScaleDefinitionError",
    "ScaleItem",
    "ScoreRange",
    "Scoring",
    "Subscore",
    "format_number",
    "load_scale_definitions",
    "parse_scale_definition",
]

_ID = r"^[a-z][a-z0-9_]*$"
ScoringMethod = Literal[
    "count_positive", "sum", "mean", "single_item", "separate_items", "summary_scores"
]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PermittedValue(_Model):
    """One enumerated answer of an item, e.g. ``0 = no stiffness``."""

    value: int
    label: str = Field(min_length=1)


class NumericRange(_Model):
    """A numeric answer or score range; a missing maximum means no upper bound."""

    type: Literal["integer", "real"]
    minimum: float
    minimum_inclusive: bool = True
    maximum: float | None = None
    maximum_inclusive: bool = True
    unit: str | None = None

    def contains(self, value: float) -> bool:
        above = value >= self.minimum if self.minimum_inclusive else value > self.minimum
        if self.maximum is None:
            return above
        below = value <= self.maximum if self.maximum_inclusive else value < self.maximum
        return above and below

    def describe(self) -> str:
        """Plain-language range, e.g. 'a number more than 0 and at most 180 s'."""
        kind = "a whole number" if self.type == "integer" else "a number"
        low = format_number(self.minimum)
        unit = f" {self.unit}" if self.unit else ""
        if self.maximum is None:
            lower = f"{low} or more" if self.minimum_inclusive else f"more than {low}"
            return f"{kind}, {lower}{unit}"
        high = format_number(self.maximum)
        if self.minimum_inclusive and self.maximum_inclusive:
            return f"{kind} from {low} to {high}{unit}"
        lower = f"at least {low}" if self.minimum_inclusive else f"more than {low}"
        upper = f"at most {high}" if self.maximum_inclusive else f"less than {high}"
        return f"{kind} {lower} and {upper}{unit}"


class RecodeRule(_Model):
    """Answers from ``low`` to ``high`` (inclusive) score ``score``."""

    low: int
    high: int
    score: int


class RecodeTable(_Model):
    """How a numeric answer is collapsed into a scored category, with its source."""

    rules: tuple[RecodeRule, ...] = Field(min_length=1)
    sources: tuple[str, ...] = ()

    def score_for(self, value: int) -> int:
        for rule in self.rules:
            if rule.low <= value <= rule.high:
                return rule.score
        raise ValueError(f"{value} is not covered by the recode table")


class ScaleItem(_Model):
    """One item: enumerated answers (``values``) or a numeric answer (``range``), never both."""

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    values: tuple[PermittedValue, ...] | None = None
    range: NumericRange | None = None
    optional: bool = Field(default=False, description="recorded, but not needed for any score")
    reverse_scored: bool = False
    recode: RecodeTable | None = None
    sources: tuple[str, ...] = ()
    note: str | None = None

    @model_validator(mode="after")
    def _one_answer_kind(self) -> ScaleItem:
        if (self.values is None) == (self.range is None):
            raise ValueError(
                "give exactly one of 'values' (enumerated answers) or 'range' (a numeric answer)"
            )
        return self

    def describe_permitted(self) -> str:
        """Permitted answers in words, e.g. '0 = no stiffness, 1 = stiffness'."""
        if self.values is not None:
            return ", ".join(f"{v.value} = {v.label}" for v in self.values)
        assert self.range is not None
        return self.range.describe()

    def value_bounds(self) -> tuple[float, float | None]:
        """Smallest and largest permitted raw answer (None: no upper bound)."""
        if self.values is not None:
            numbers = [v.value for v in self.values]
            return float(min(numbers)), float(max(numbers))
        assert self.range is not None
        return self.range.minimum, self.range.maximum

    def scored_value(self, value: float) -> float:
        """The value that enters a score: recoded or reversed where the instrument says so."""
        if self.recode is not None:
            return float(self.recode.score_for(int(value)))
        if self.reverse_scored:
            low, high = self.value_bounds()
            assert high is not None
            return low + high - value
        return value

    def scored_bounds(self) -> tuple[float, float | None]:
        """Smallest and largest value this item can contribute to a score."""
        if self.recode is not None:
            scores = [rule.score for rule in self.recode.rules]
            return float(min(scores)), float(max(scores))
        return self.value_bounds()


class ScoreRange(NumericRange):
    """The range of a total or subscore, with the sources for its endpoints."""

    sources: tuple[str, ...] = ()


class Band(_Model):
    """A named severity band of the total, e.g. ``moderate: 10-14``."""

    label: str = Field(min_length=1)
    minimum: float
    maximum: float
    sources: tuple[str, ...] = ()


class ConversionPoint(_Model):
    raw: int
    t_score: float


class Subscore(_Model):
    """A reported number besides (or instead of) the total.

    ``item_sum``: the sum of the scored values of ``items`` (one item: that item as is).
    ``conversion``: a table lookup of another subscore (``converts``), such as a PROMIS
    raw-score-to-T-score table. ``derived``: computed from the total by the scale's scoring module
    as ``description`` says, using the definition's cited constants (e.g. T25FW walking speed).
    """

    id: str = Field(pattern=_ID)
    label: str = Field(min_length=1)
    kind: Literal["item_sum", "conversion", "derived"]
    description: str | None = None
    items: tuple[str, ...] = ()
    converts: str | None = None
    table: tuple[ConversionPoint, ...] = ()
    range: ScoreRange | None = None
    sources: tuple[str, ...] = ()

    def convert(self, raw: float) -> float:
        for point in self.table:
            if point.raw == raw:
                return point.t_score
        raise ValueError(f"raw score {format_number(raw)} is not in the {self.id} table")


class Constant(_Model):
    """A fixed number the scoring uses, e.g. the 25-foot course length of the T25FW."""

    value: float
    unit: str | None = None
    description: str = Field(min_length=1)
    sources: tuple[str, ...] = ()


class Scoring(_Model):
    method: ScoringMethod
    description: str = Field(min_length=1)
    total: ScoreRange | None = None
    bands: tuple[Band, ...] = ()
    subscores: tuple[Subscore, ...] = ()


class MissingItemRule(_Model):
    """What happens when items are unanswered.

    ``all_items_required``: a total (or, with ``applies_to: each_subscore``, a subscore) is not
    computed when any item it needs is missing; the missing items are reported by name. It is the
    registry's default wherever no published proration rule was found, and then cites nothing.
    """

    rule: Literal["all_items_required"]
    applies_to: Literal["total", "each_subscore"] = "total"
    description: str = Field(min_length=1)
    sources: tuple[str, ...] = ()


class ScaleDefinition(_Model):
    id: str = Field(pattern=_ID)
    name: str = Field(min_length=1)
    version: str = Field(min_length=1, max_length=32)
    description: str = Field(min_length=1)
    sources: dict[str, Citation] = Field(min_length=1)
    items: tuple[ScaleItem, ...]
    constants: dict[str, Constant] = Field(default_factory=dict)
    scoring: Scoring
    missing_items: MissingItemRule

    @model_validator(mode="after")
    def _check_consistency(self) -> ScaleDefinition:
        problems = [*citation_problems(self), *consistency_problems(self)]
        if problems:
            raise ValueError("\n".join(problems))
        return self

    @property
    def item_ids(self) -> tuple[str, ...]:
        return tuple(item.id for item in self.items)

    @property
    def scored_items(self) -> tuple[ScaleItem, ...]:
        return tuple(item for item in self.items if not item.optional)

    def item(self, item_id: str) -> ScaleItem:
        for item in self.items:
            if item.id == item_id:
                return item
        raise KeyError(f"{self.id} has no item {item_id!r}")

    def subscore(self, subscore_id: str) -> Subscore:
        for subscore in self.scoring.subscores:
            if subscore.id == subscore_id:
                return subscore
        raise KeyError(f"{self.id} has no subscore {subscore_id!r}")

    def band_for(self, total: float) -> Band | None:
        for band in self.scoring.bands:
            if band.minimum <= total <= band.maximum:
                return band
        return None


# --- loading ------------------------------------------------------------------------------------


class ScaleDefinitionError(ValueError):
    """A scale definition file that cannot be used, with every problem found in it."""

    def __init__(self, source_name: str, problems: list[str]) -> None:
        self.source_name = source_name
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{source_name}: {problem}" for problem in problems))


_COLLECTIONS = {
    "items": ("item", "id"),
    "bands": ("band", "label"),
    "subscores": ("subscore", "id"),
    "values": ("value", "value"),
    "table": ("raw score", "raw"),
    "rules": ("recode rule", "low"),
}


def _describe_location(raw: Any, loc: tuple[int | str, ...]) -> str:
    """Render a pydantic error location with item ids instead of list indices."""
    parts: list[str] = []
    field: list[str] = []
    node = raw
    last_key = ""
    for element in loc:
        if isinstance(element, int) and isinstance(node, list) and element < len(node):
            node = node[element]
            name, key_field = _COLLECTIONS.get(last_key, (last_key, "id"))
            ident = node.get(key_field) if isinstance(node, Mapping) else None
            field = []
            parts.append(f"{name} {ident}" if ident is not None else f"{name} #{element + 1}")
        else:
            key = str(element)
            node = node.get(key) if isinstance(node, Mapping) else None
            field.append(key)
            last_key = key
    if field:
        parts.append("field " + ".".join(field))
    return ", ".join(parts) or "definition"


def _problems_from(error: ValidationError, raw: Any) -> list[str]:
    problems: list[str] = []
    for detail in error.errors():
        message = str(detail["msg"]).removeprefix("Value error, ")
        loc = tuple(detail["loc"])
        if not loc and detail["type"] == "value_error":
            problems.extend(message.split("\n"))
        else:
            problems.append(f"{_describe_location(raw, loc)}: {message}")
    return problems


def parse_scale_definition(text: str, source_name: str) -> ScaleDefinition:
    """Parse and check one YAML scale definition; raise :class:`ScaleDefinitionError` if unusable."""
    try:
        raw = load_yaml(text)
    except (yaml.YAMLError, ValueError) as exc:  # a ValueError: a date such as 2025-02-30
        raise ScaleDefinitionError(source_name, [f"not valid YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise ScaleDefinitionError(
            source_name, ["the file must hold one mapping (id, name, version, ...)"]
        )
    try:
        return ScaleDefinition.model_validate(raw)
    except ValidationError as exc:
        raise ScaleDefinitionError(source_name, _problems_from(exc, raw)) from exc


@cache
def _load_all() -> tuple[tuple[str, ScaleDefinition], ...]:
    folder = resources.files("spsreg") / "knowledge" / "data" / "scales"
    loaded: list[tuple[str, ScaleDefinition]] = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        definition = parse_scale_definition(entry.read_text(encoding="utf-8"), entry.name)
        if entry.name != f"{definition.id}.yaml":
            raise ScaleDefinitionError(
                entry.name, [f"field id: {definition.id!r} does not match the file name"]
            )
        loaded.append((definition.id, definition))
    return tuple(loaded)


def load_scale_definitions() -> dict[str, ScaleDefinition]:
    """All packaged scale definitions by scale id (parsed and checked once, then cached)."""
    return dict(_load_all())
