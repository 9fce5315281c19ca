"""Consistency checks of a scale definition: every number cited, nothing self-contradictory.

A definition fails to load when a number lacks a citation, bands leave gaps or overlap, the
stated score range is not what the items can produce, or a conversion or recode table has holes.
Each problem is one sentence naming the part, the field and the reason.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from itertools import pairwise
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spsreg.knowledge.scales import (
        Band,
        NumericRange,
        ScaleDefinition,
        ScaleItem,
        ScoreRange,
        Subscore,
    )

__all__ = ["citation_problems", "consistency_problems", "format_number"]


def format_number(value: float) -> str:
    """Write a number the way a clinician reads it: 2 rather than 2.0, 2.5 as 2.5."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


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


def citation_problems(definition: ScaleDefinition) -> Iterator[str]:
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


def consistency_problems(definition: ScaleDefinition) -> Iterator[str]:
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
