"""Scoring steps shared by the scale modules: a total with its band, and item-based subscores.

The per-scale modules decide which steps a scale uses; the numbers (ranges, bands, tables) come
from the scale's definition, so no cut-off is written twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from spsreg.domain.scales.responses import ItemValues
from spsreg.domain.scales.results import ScaleScore
from spsreg.knowledge.scales import ScaleDefinition

__all__ = [
    "count_positive",
    "item_subscores",
    "mean",
    "score_subscores_only",
    "score_with_total",
    "summed",
]


def summed(values: Sequence[float]) -> float:
    return float(sum(values))


def count_positive(values: Sequence[float]) -> float:
    """Number of items answered 1 (present / positive)."""
    return float(sum(1 for value in values if value == 1))


def mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)


def score_with_total(
    values: ItemValues,
    combine: Callable[[Sequence[float]], float],
    subscores: dict[str, float | None] | None = None,
) -> ScaleScore:
    """Score a scale whose total combines all its required items (default missing-item rule).

    With any required item unanswered the total and band stay empty and the items are named.
    """
    definition = values.definition
    missing = values.missing()
    total = None
    band = None
    if not missing:
        total = combine([values.scored(item.id) for item in definition.scored_items])
        found = definition.band_for(total)
        band = found.label if found is not None else None
    return ScaleScore(
        scale_id=definition.id,
        version=definition.version,
        total=total,
        subscores=subscores or {},
        band=band,
        complete=not missing,
        missing_items=missing,
    )


def item_subscores(definition: ScaleDefinition, values: ItemValues) -> dict[str, float | None]:
    """Item sums and table conversions, each computed only when all its items are answered."""
    results: dict[str, float | None] = {}
    for subscore in definition.scoring.subscores:
        if subscore.kind == "item_sum":
            answered = not values.missing(subscore.items)
            results[subscore.id] = (
                summed([values.scored(item_id) for item_id in subscore.items]) if answered else None
            )
        elif subscore.kind == "conversion":
            raw = results[str(subscore.converts)]
            results[subscore.id] = None if raw is None else subscore.convert(raw)
    return results


def score_subscores_only(definition: ScaleDefinition, values: ItemValues) -> ScaleScore:
    """A scale with no overall total: only its subscores, each as complete as its own items."""
    missing = values.missing()
    return ScaleScore(
        scale_id=definition.id,
        version=definition.version,
        total=None,
        subscores=item_subscores(definition, values),
        complete=not missing,
        missing_items=missing,
    )
