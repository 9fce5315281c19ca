"""Properties of the Wilson score interval over all small cohorts and confidence levels."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from statsmodels.stats.proportion import proportion_confint

from spsreg.analysis.rates import wilson_interval


@st.composite
def counts(draw: st.DrawFn) -> tuple[int, int]:
    n = draw(st.integers(min_value=1, max_value=2000))
    return draw(st.integers(min_value=0, max_value=n)), n


levels = st.floats(min_value=0.5, max_value=0.999)


@given(counts(), levels)
def test_interval_contains_the_observed_rate_and_stays_in_zero_one(
    count: tuple[int, int], level: float
) -> None:
    successes, n = count
    low, high = wilson_interval(successes, n, level)
    assert 0.0 <= low <= successes / n <= high <= 1.0
    assert low < high


@given(counts(), levels)
def test_interval_agrees_with_statsmodels(count: tuple[int, int], level: float) -> None:
    successes, n = count
    expected = proportion_confint(successes, n, alpha=1.0 - level, method="wilson")
    assert wilson_interval(successes, n, level) == pytest.approx(expected, abs=1e-9)


@given(counts(), levels)
def test_interval_is_symmetric_between_responders_and_non_responders(
    count: tuple[int, int], level: float
) -> None:
    successes, n = count
    low, high = wilson_interval(successes, n, level)
    mirror_low, mirror_high = wilson_interval(n - successes, n, level)
    assert low == pytest.approx(1.0 - mirror_high, abs=1e-12)
    assert high == pytest.approx(1.0 - mirror_low, abs=1e-12)


@given(counts(), levels, levels)
def test_higher_confidence_gives_a_wider_interval(
    count: tuple[int, int], level_a: float, level_b: float
) -> None:
    successes, n = count
    lower_level, higher_level = sorted((level_a, level_b))
    narrow = wilson_interval(successes, n, lower_level)
    wide = wilson_interval(successes, n, higher_level)
    assert wide[0] <= narrow[0] + 1e-12
    assert wide[1] >= narrow[1] - 1e-12


@given(st.integers(min_value=1, max_value=500), st.integers(min_value=0, max_value=500))
def test_more_patients_at_the_same_rate_narrow_the_interval(base: int, extra: int) -> None:
    # the same observed rate (1 in 2) with more patients gives a narrower interval
    small = wilson_interval(base, 2 * base)
    large = wilson_interval(base + extra, 2 * (base + extra))
    assert large[1] - large[0] <= small[1] - small[0] + 1e-12
