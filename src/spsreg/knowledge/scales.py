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

import math
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from itertools import pairwise
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from spsreg.knowledge.citation import Citation

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


def format_number(value: float) -> str:
    """Write a number the way a clinician reads it: 2 rather than 2.0, 2.5 as 2.5."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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
        problems = [*_citation_problems(self), *_consistency_problems(self)]
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


# --- consistency checks -------------------------------------------------------------------------


def _cited_parts(definition: ScaleDefinition) -> Iterator[tuple[str, tuple[str, ...], bool]]:
    """Yield (where, sources, carries_numbers) for every part that may cite a source."""
    for item in definition.items:
        yield f"item {item.id}, field sources", item.sources, True
        if item.recode is not None:
            yield f"item {item.id}, field recode.sources", item.recode.sources, True
    for name, constant in definition.constants.items():
        yield f"constant {name}, field sources", constant.sources, True
    if definition.scoring.total is not None:
        yield "field scoring.total.sources", definition.scoring.total.sources, True
    for band in definition.scoring.bands:
        yield f"band {band.label}, field sources", band.sources, True
    for subscore in definition.scoring.subscores:
        yield f"subscore {subscore.id}, field sources", subscore.sources, True
        if subscore.range is not None:
            yield f"subscore {subscore.id}, field range.sources", subscore.range.sources, True
    yield "field missing_items.sources", definition.missing_items.sources, False


def _citation_problems(definition: ScaleDefinition) -> Iterator[str]:
    used: set[str] = set()
    for where, sources, carries_numbers in _cited_parts(definition):
        if carries_numbers and not sources:
            yield f"{where}: its numbers need a citation, but no source is cited"
        for key in sources:
            used.add(key)
            if key not in definition.sources:
                yield f"{where}: cites unknown source {key!r} (declared: {', '.join(sorted(definition.sources))})"
    for key in sorted(set(definition.sources) - used):
        yield f"source {key}: declared but cited nowhere"


def _consistency_problems(definition: ScaleDefinition) -> Iterator[str]:
    yield from _item_problems(definition)
    scoring = definition.scoring
    yield from _total_problems(definition)
    if scoring.bands and scoring.total is not None:
        yield from _band_problems(scoring.bands, scoring.total)
    elif scoring.bands:
        yield "field scoring.bands: bands need a total score range (scoring.total)"
    yield from _subscore_problems(definition)
    for name, constant in definition.constants.items():
        if not math.isfinite(constant.value):
            yield f"constant {name}, field value: must be a finite number"


def _item_problems(definition: ScaleDefinition) -> Iterator[str]:
    if not definition.items:
        yield "field items: the scale lists no item"
    seen: set[str] = set()
    for item in definition.items:
        if item.id in seen:
            yield f"item {item.id}, field id: the id is used twice"
        seen.add(item.id)
        if item.values is not None:
            numbers = [v.value for v in item.values]
            if len(set(numbers)) != len(numbers):
                yield f"item {item.id}, field values: a value is listed twice"
            if not numbers:
                yield f"item {item.id}, field values: no permitted value is listed"
        if item.range is not None:
            yield from _range_problems(f"item {item.id}, field range", item.range)
        if item.reverse_scored and (item.values is None or item.recode is not None):
            yield f"item {item.id}, field reverse_scored: only an item with enumerated values and no recode can be reversed"
        if item.recode is not None:
            yield from _recode_problems(item)


def _range_problems(where: str, value_range: NumericRange) -> Iterator[str]:
    if value_range.maximum is not None and value_range.maximum <= value_range.minimum:
        yield f"{where}: maximum {format_number(value_range.maximum)} is not above minimum {format_number(value_range.minimum)}"
    if value_range.type == "integer":
        bounds = [value_range.minimum] + (
            [value_range.maximum] if value_range.maximum is not None else []
        )
        if not all(float(b).is_integer() for b in bounds):
            yield f"{where}: an integer range needs whole-number bounds"
        if not (value_range.minimum_inclusive and value_range.maximum_inclusive):
            yield f"{where}: an integer range states inclusive bounds"


def _recode_problems(item: ScaleItem) -> Iterator[str]:
    assert item.recode is not None
    where = f"item {item.id}, field recode"
    if item.range is None or item.range.type != "integer" or item.range.maximum is None:
        yield f"{where}: only a bounded whole-number item can be recoded"
        return
    covered: list[int] = []
    for rule in item.recode.rules:
        if rule.high < rule.low:
            yield f"{where}: rule {rule.low}-{rule.high} runs backwards"
        covered.extend(range(rule.low, rule.high + 1))
    expected = list(range(int(item.range.minimum), int(item.range.maximum) + 1))
    if sorted(covered) != expected:
        yield f"{where}: the rules must cover every answer from {expected[0]} to {expected[-1]} exactly once"


def _sum_bounds(items: list[ScaleItem]) -> tuple[float, float | None]:
    low = sum(item.scored_bounds()[0] for item in items)
    highs = [item.scored_bounds()[1] for item in items]
    return low, (None if any(h is None for h in highs) else sum(h for h in highs if h is not None))


def _total_problems(definition: ScaleDefinition) -> Iterator[str]:
    scoring = definition.scoring
    scored = list(definition.scored_items)
    where = "field scoring.total"
    if scoring.method in ("separate_items", "summary_scores"):
        if scoring.total is not None:
            yield f"{where}: method {scoring.method} reports subscores only, so no total range is given"
        if not scoring.subscores:
            yield f"field scoring.subscores: method {scoring.method} needs at least one subscore"
        return
    if scoring.total is None:
        yield f"{where}: method {scoring.method} needs a total score range"
        return
    yield from _range_problems(where, scoring.total)
    expected: tuple[float, float | None]
    if scoring.method == "count_positive":
        binary = all(
            item.values is not None and {v.value for v in item.values} == {0, 1} for item in scored
        )
        if not binary:
            yield "field scoring.method: count_positive needs every scored item to be 0/1"
        expected = (0.0, float(len(scored)))
    elif scoring.method == "sum":
        expected = _sum_bounds(scored)
    elif scoring.method == "single_item":
        if len(scored) != 1:
            yield "field scoring.method: single_item needs exactly one scored item"
            return
        expected = scored[0].scored_bounds()
    else:  # mean
        ranges = {
            (item.range.minimum, item.range.maximum) if item.range else None for item in scored
        }
        if len(ranges) != 1 or None in ranges:
            yield "field scoring.method: mean needs scored items with one shared numeric range"
            return
        expected = scored[0].value_bounds()
        item_range = scored[0].range
        assert item_range is not None
        inclusive = (item_range.minimum_inclusive, item_range.maximum_inclusive)
        if (scoring.total.minimum_inclusive, scoring.total.maximum_inclusive) != inclusive:
            yield f"{where}: a mean has the same open or closed bounds as its items"
    if (scoring.total.minimum, scoring.total.maximum) != expected:
        low, high = expected
        stated = f"{format_number(scoring.total.minimum)} to {format_number(scoring.total.maximum) if scoring.total.maximum is not None else 'unbounded'}"
        derived = (
            f"{format_number(low)} to {format_number(high) if high is not None else 'unbounded'}"
        )
        yield f"{where}: states {stated}, but the items give {derived}"


def _band_problems(bands: tuple[Band, ...], total: ScoreRange) -> Iterator[str]:
    ordered = sorted(bands, key=lambda band: band.minimum)
    if list(ordered) != list(bands):
        yield "field scoring.bands: list the bands from the lowest to the highest"
    for band in ordered:
        if band.maximum < band.minimum:
            yield f"band {band.label}, field maximum: below its minimum"
    step = 1.0 if total.type == "integer" else 0.0
    for lower, upper in pairwise(ordered):
        if upper.minimum != lower.maximum + step:
            yield f"band {upper.label}, field minimum: must follow band {lower.label} without gap or overlap (expected {format_number(lower.maximum + step)})"
    if ordered[0].minimum != total.minimum or (
        total.maximum is not None and ordered[-1].maximum != total.maximum
    ):
        yield "field scoring.bands: the bands must cover the whole total score range"


def _subscore_problems(definition: ScaleDefinition) -> Iterator[str]:
    ids = {subscore.id for subscore in definition.scoring.subscores}
    if len(ids) != len(definition.scoring.subscores):
        yield "field scoring.subscores: a subscore id is used twice"
    for subscore in definition.scoring.subscores:
        where = f"subscore {subscore.id}"
        unknown = [item_id for item_id in subscore.items if item_id not in definition.item_ids]
        if unknown:
            yield f"{where}, field items: unknown item {unknown[0]!r}"
            continue
        shape_ok = {
            "item_sum": bool(subscore.items) and subscore.converts is None and not subscore.table,
            "conversion": not subscore.items
            and subscore.converts is not None
            and bool(subscore.table),
            "derived": not subscore.items
            and subscore.converts is None
            and not subscore.table
            and bool(subscore.description),
        }[subscore.kind]
        if not shape_ok:
            yield (
                f"{where}, field kind: a {subscore.kind} subscore needs "
                + {
                    "item_sum": "'items' and no 'converts' or 'table'",
                    "conversion": "'converts' and a 'table', and no 'items'",
                    "derived": "a 'description' and no 'items', 'converts' or 'table'",
                }[subscore.kind]
            )
            continue
        if subscore.range is not None:
            yield from _range_problems(f"{where}, field range", subscore.range)
        if subscore.kind == "conversion":
            yield from _table_problems(definition, subscore, ids)
        elif subscore.kind == "item_sum" and subscore.range is not None:
            low, high = _sum_bounds([definition.item(item_id) for item_id in subscore.items])
            if (subscore.range.minimum, subscore.range.maximum) != (low, high):
                yield f"{where}, field range: does not match what its items can sum to"


def _table_problems(
    definition: ScaleDefinition, subscore: Subscore, ids: set[str]
) -> Iterator[str]:
    where = f"subscore {subscore.id}"
    if subscore.converts not in ids:
        yield f"{where}, field converts: unknown subscore {subscore.converts!r}"
        return
    raw = definition.subscore(str(subscore.converts))
    if raw.range is None or raw.range.maximum is None or raw.range.type != "integer":
        yield f"{where}, field converts: the raw subscore needs a bounded whole-number range"
        return
    expected = list(range(int(raw.range.minimum), int(raw.range.maximum) + 1))
    if [point.raw for point in subscore.table] != expected:
        yield f"{where}, field table: must list every raw score from {expected[0]} to {expected[-1]} once, in order"
    t_scores = [point.t_score for point in subscore.table]
    if any(b <= a for a, b in pairwise(t_scores)):
        yield f"{where}, field table: T-scores must rise with the raw score"


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
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
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
