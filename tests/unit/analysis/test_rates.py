"""Wilson score intervals (known answers) and response rates per therapy."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from spsreg.analysis.rates import RATE_COLUMNS, response_rates, wilson_interval

# Newcombe RG. Two-sided confidence intervals for the single proportion: comparison of seven
# methods. Stat Med 1998;17:857-872, Table I, method 3 (Wilson score, no continuity correction).
NEWCOMBE_1998 = [
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0000, 0.1611),
    (1, 29, 0.0061, 0.1718),
]


@pytest.mark.parametrize(("successes", "n", "low", "high"), NEWCOMBE_1998)
def test_wilson_matches_published_values(successes: int, n: int, low: float, high: float) -> None:
    got_low, got_high = wilson_interval(successes, n)
    assert round(got_low, 4) == low
    assert round(got_high, 4) == high


@pytest.mark.parametrize(
    ("successes", "n", "expected"),
    [
        (0, 10, (0.0, 0.2775327998628892)),
        (10, 10, (0.7224672001371107, 1.0)),
        (5, 10, (0.2365930905125640, 0.7634069094874361)),
    ],
)
def test_wilson_known_answers_for_ten_patients(
    successes: int, n: int, expected: tuple[float, float]
) -> None:
    low, high = wilson_interval(successes, n)
    assert low == pytest.approx(expected[0], abs=1e-12)
    assert high == pytest.approx(expected[1], abs=1e-12)
    reference = proportion_confint(successes, n, alpha=0.05, method="wilson")
    assert (low, high) == pytest.approx(reference, abs=1e-12)


def test_wilson_all_or_none_reach_the_bounds_exactly() -> None:
    assert wilson_interval(0, 7)[0] == 0.0
    assert wilson_interval(7, 7)[1] == 1.0


def test_wilson_by_hand_at_ninety_percent() -> None:
    z = 1.6448536269514722  # standard normal 0.95 quantile
    k, n = 3, 12
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson_interval(k, n, level=0.90) == pytest.approx((centre - half, centre + half))


@pytest.mark.parametrize(
    ("successes", "n", "level"),
    [(1, 0, 0.95), (0, 0, 0.95), (-1, 5, 0.95), (6, 5, 0.95), (2, 5, 1.0)],
)
def test_wilson_rejects_impossible_input(successes: int, n: int, level: float) -> None:
    with pytest.raises(ValueError):
        wilson_interval(successes, n, level)


def _response(
    patient: str,
    therapy: str,
    start: date,
    responder: bool | None,
    *,
    assessable: bool = True,
    outcome: str = "stiffness_index",
    event: str = "start",
) -> dict[str, object]:
    return {
        "patient_id": patient,
        "therapy": therapy,
        "event": event,
        "start_date": pd.Timestamp(start),
        "outcome": outcome,
        "assessable": assessable,
        "responder": responder,
    }


def test_response_rates_count_each_patient_once_at_the_first_assessable_start() -> None:
    responses = pd.DataFrame(
        [
            _response("p1", "ivig", date(2023, 1, 1), True),
            _response("p1", "ivig", date(2024, 1, 1), False),  # later restart: not counted
            _response("p2", "ivig", date(2023, 3, 1), None, assessable=False),
            _response("p2", "ivig", date(2023, 9, 1), False),  # first *assessable* start
            _response("p3", "ivig", date(2023, 2, 1), None, assessable=False),
            _response("p4", "ivig", date(2023, 2, 1), True, event="dose_change"),
            _response("p5", "ivig", date(2023, 2, 1), True, outcome="t25fw"),
            _response("p1", "rituximab", date(2023, 5, 1), True),
            _response("p6", "rituximab", date(2023, 5, 1), True),
            _response("p7", "plasmapheresis", date(2023, 5, 1), None, assessable=False),
        ]
    )
    rates = response_rates(responses, "stiffness_index")
    assert tuple(rates.columns) == RATE_COLUMNS
    assert list(rates["therapy"]) == ["ivig", "plasmapheresis", "rituximab"]
    ivig = rates.set_index("therapy").loc["ivig"]
    assert (ivig["responders"], ivig["assessable"], ivig["not_assessable"]) == (1, 2, 1)
    assert ivig["rate"] == pytest.approx(0.5)
    assert (ivig["low"], ivig["high"]) == pytest.approx(wilson_interval(1, 2))
    rituximab = rates.set_index("therapy").loc["rituximab"]
    assert (rituximab["responders"], rituximab["assessable"]) == (2, 2)
    assert rituximab["high"] == 1.0
    nothing = rates.set_index("therapy").loc["plasmapheresis"]
    assert nothing["assessable"] == 0 and nothing["not_assessable"] == 1
    assert math.isnan(nothing["rate"]) and math.isnan(nothing["low"])


def test_response_rates_of_an_outcome_nobody_has_is_empty() -> None:
    responses = pd.DataFrame([_response("p1", "ivig", date(2023, 1, 1), True)])
    rates = response_rates(responses, "mrs")
    assert rates.empty
    assert tuple(rates.columns) == RATE_COLUMNS


def test_response_rates_on_a_synthetic_cohort_are_consistent() -> None:
    from frames_builders import synthetic_frames

    from spsreg.analysis.response import cohort_responses

    responses = cohort_responses(synthetic_frames())
    rates = response_rates(responses, "stiffness_index")
    assert not rates.empty
    assert (rates["responders"] <= rates["assessable"]).all()
    counted = rates.loc[rates["assessable"] > 0]
    assert ((counted["low"] <= counted["rate"]) & (counted["rate"] <= counted["high"])).all()
    started = responses.loc[
        (responses["outcome"] == "stiffness_index") & (responses["event"] == "start")
    ]
    per_therapy = started.groupby("therapy")["patient_id"].nunique()
    totals = rates.set_index("therapy")[["assessable", "not_assessable"]].sum(axis=1)
    assert totals.sort_index().to_dict() == per_therapy.sort_index().to_dict()
