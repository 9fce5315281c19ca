"""PHQ-9 and GAD-7: sums, severity band boundaries (published cut points), missing items."""

from __future__ import annotations

import pytest

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.gad7 import score_gad7
from spsreg.domain.scales.phq9 import score_phq9


def answers_summing_to(prefix: str, n_items: int, total: int) -> dict[str, ItemResponse]:
    """Item answers (0-3 each) that add up to ``total``, filling the first items first."""
    responses: dict[str, ItemResponse] = {}
    left = total
    for number in range(1, n_items + 1):
        responses[f"{prefix}_{number}"] = min(3, left)
        left -= min(3, left)
    assert left == 0
    return responses


# Kroenke 2001: 5, 10, 15 and 20 are the cut points for mild, moderate, moderately severe, severe.
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately severe"),
        (19, "moderately severe"),
        (20, "severe"),
        (27, "severe"),
    ],
)
def test_phq9_band_boundaries(total: int, band: str) -> None:
    score = score_phq9(answers_summing_to("phq9", 9, total))
    assert (score.total, score.band, score.complete) == (float(total), band, True)


# Spitzer 2006: 5, 10 and 15 are the cut points for mild, moderate and severe anxiety.
@pytest.mark.parametrize(
    ("total", "band"),
    [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ],
)
def test_gad7_band_boundaries(total: int, band: str) -> None:
    score = score_gad7(answers_summing_to("gad7", 7, total))
    assert (score.total, score.band) == (float(total), band)


def test_phq9_worked_example_by_hand() -> None:
    # 1+2+0+3+1+1+2+0+0 = 10: moderate.
    values = [1, 2, 0, 3, 1, 1, 2, 0, 0]
    score = score_phq9({f"phq9_{n}": value for n, value in enumerate(values, start=1)})
    assert (score.total, score.band, score.prorated) == (10.0, "moderate", False)


def test_gad7_worked_example_by_hand() -> None:
    # 3+3+2+2+1+1+0 = 12: moderate.
    values = [3, 3, 2, 2, 1, 1, 0]
    score = score_gad7({f"gad7_{n}": value for n, value in enumerate(values, start=1)})
    assert (score.total, score.band) == (12.0, "moderate")


@pytest.mark.parametrize(
    "missing", [("phq9_9",), ("phq9_1", "phq9_5"), tuple(f"phq9_{n}" for n in range(1, 10))]
)
def test_phq9_with_any_missing_item_has_no_total_and_is_not_prorated(
    missing: tuple[str, ...],
) -> None:
    responses = answers_summing_to("phq9", 9, 27)
    for item_id in missing:
        responses[item_id] = None
    score = score_phq9(responses)
    assert (score.total, score.band, score.complete, score.prorated) == (None, None, False, False)
    assert score.missing_items == missing


def test_gad7_missing_items_are_listed_in_item_order() -> None:
    score = score_gad7({"gad7_7": 1, "gad7_1": 1, "gad7_4": 2})
    assert score.missing_items == ("gad7_2", "gad7_3", "gad7_5", "gad7_6")
    assert score.total is None
