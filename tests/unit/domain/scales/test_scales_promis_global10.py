"""PROMIS Global Health v1.2: recode, reversal, raw-to-T tables (Hays 2009) and missing items."""

from __future__ import annotations

import pytest

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.promis_global10 import score_promis_global10

PHYSICAL_T = {4: 16.2, 5: 19.9, 6: 23.5, 7: 26.7, 8: 29.6, 9: 32.4, 10: 34.9, 11: 37.4, 12: 39.8,
              13: 42.3, 14: 44.9, 15: 47.7, 16: 50.8, 17: 54.1, 18: 57.7, 19: 61.9, 20: 67.7}  # fmt: skip
MENTAL_T = {4: 21.2, 5: 25.1, 6: 28.4, 7: 31.3, 8: 33.8, 9: 36.3, 10: 38.8, 11: 41.1, 12: 43.5,
            13: 45.8, 14: 48.3, 15: 50.8, 16: 53.3, 17: 56.0, 18: 59.0, 19: 62.5, 20: 67.6}  # fmt: skip


def responses(**overrides: ItemResponse) -> dict[str, ItemResponse]:
    # Middle answers: ratings 3 (good / moderately), pain 5, fatigue 3 (moderate), emotional 3.
    base: dict[str, ItemResponse] = {f"global{n:02d}": 3 for n in range(1, 11)}
    base["global07"] = 5
    return base | overrides


def test_worked_example_by_hand() -> None:
    # Physical: global03 3 + global06 4 + pain 5 -> 3 + fatigue 2 (mild) -> 6-2 = 4: raw 14, T 44.9.
    # Mental: global02 4 + global04 4 + global05 3 + emotional 3 (sometimes) -> 3: raw 14, T 48.3.
    score = score_promis_global10(
        responses(global02=4, global04=4, global06=4, global07=5, global08=2, global10=3)
    )
    assert score.total is None
    assert score.band is None
    assert score.subscores == {
        "global_physical_health_raw": 14.0,
        "global_physical_health_t": 44.9,
        "global_mental_health_raw": 14.0,
        "global_mental_health_t": 48.3,
    }
    assert score.complete


def test_best_and_worst_health() -> None:
    best = score_promis_global10(
        {f"global{n:02d}": 5 for n in range(1, 11)} | {"global07": 0, "global08": 1, "global10": 1}
    )
    assert best.subscores["global_physical_health_t"] == 67.7
    assert best.subscores["global_mental_health_t"] == 67.6
    worst = score_promis_global10(
        {f"global{n:02d}": 1 for n in range(1, 11)} | {"global07": 10, "global08": 5, "global10": 5}
    )
    assert worst.subscores["global_physical_health_raw"] == 4.0
    assert worst.subscores["global_physical_health_t"] == 16.2
    assert worst.subscores["global_mental_health_t"] == 21.2


@pytest.mark.parametrize(
    ("pain", "recoded"),
    [(0, 5), (1, 4), (3, 4), (4, 3), (6, 3), (7, 2), (9, 2), (10, 1)],
)
def test_pain_rating_is_recoded_at_the_published_boundaries(pain: int, recoded: int) -> None:
    score = score_promis_global10(responses(global03=1, global06=1, global08=5, global07=pain))
    assert score.subscores["global_physical_health_raw"] == 3 + recoded


@pytest.mark.parametrize(("fatigue", "scored"), [(1, 5), (2, 4), (3, 3), (4, 2), (5, 1)])
def test_fatigue_and_emotional_problems_are_reversed(fatigue: int, scored: int) -> None:
    score = score_promis_global10(
        responses(
            global03=1,
            global06=1,
            global07=10,
            global08=fatigue,
            global02=1,
            global04=1,
            global05=1,
            global10=fatigue,
        )
    )
    assert score.subscores["global_physical_health_raw"] == 3 + scored
    assert score.subscores["global_mental_health_raw"] == 3 + scored


@pytest.mark.parametrize("raw", range(4, 21))
def test_every_raw_score_converts_by_the_tables(raw: int) -> None:
    # Spread the raw sum over four 1-5 items (pain chosen to recode to the needed 1-5 value).
    parts = [1 + min(4, max(0, raw - 4 - 4 * k)) for k in range(4)]
    pain_for = {5: 0, 4: 2, 3: 5, 2: 8, 1: 10}
    score = score_promis_global10(
        responses(
            global03=parts[0],
            global06=parts[1],
            global07=pain_for[parts[2]],
            global08=6 - parts[3],
            global02=parts[0],
            global04=parts[1],
            global05=parts[2],
            global10=6 - parts[3],
        )
    )
    assert score.subscores["global_physical_health_raw"] == raw
    assert score.subscores["global_physical_health_t"] == PHYSICAL_T[raw]
    assert score.subscores["global_mental_health_t"] == MENTAL_T[raw]


def test_a_missing_physical_item_leaves_only_the_physical_scores_empty() -> None:
    score = score_promis_global10(responses(global07=None))
    assert score.subscores["global_physical_health_raw"] is None
    assert score.subscores["global_physical_health_t"] is None
    assert score.subscores["global_mental_health_raw"] == 12.0
    assert score.subscores["global_mental_health_t"] == 43.5
    assert (score.complete, score.missing_items, score.prorated) == (False, ("global07",), False)


def test_items_outside_both_summaries_do_not_block_them() -> None:
    score = score_promis_global10(responses(global01=None, global09=None))
    assert score.subscores["global_physical_health_raw"] == 12.0
    assert score.subscores["global_mental_health_raw"] == 12.0
    assert score.missing_items == ("global01", "global09")
    assert not score.complete
