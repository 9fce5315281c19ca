"""Between/within-patient SDs by the one-way random-effects method of moments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from spsreg.trials.variance import variance_components


def test_components_by_hand() -> None:
    # a: 1, 3 (mean 2); b: 4, 6, 8 (mean 6); c: 5 (one measurement: left out)
    result = variance_components(["a", "a", "b", "b", "b", "c"], [1, 3, 4, 6, 8, 5])
    msw = (1 + 1 + 4 + 0 + 4) / (5 - 2)
    grand = (1 + 3 + 4 + 6 + 8) / 5
    msb = (2 * (2 - grand) ** 2 + 3 * (6 - grand) ** 2) / 1
    n0 = (5 - (4 + 9) / 5) / 1
    assert (result.patients, result.measurements) == (2, 5)
    assert result.within_sd == pytest.approx(math.sqrt(msw))
    assert result.between_sd == pytest.approx(math.sqrt((msb - msw) / n0))
    assert result.sd == pytest.approx(math.sqrt((msb - msw) / n0 + msw))


def test_components_are_recovered_from_simulated_patients() -> None:
    rng = np.random.default_rng(11)
    levels = rng.normal(10.0, 2.0, 400)
    counts = rng.integers(2, 8, 400)
    patients = np.repeat(np.arange(400).astype(str), counts)
    values = np.repeat(levels, counts) + rng.normal(0.0, 1.0, int(counts.sum()))
    result = variance_components(patients.tolist(), values.tolist())
    assert result.between_sd == pytest.approx(2.0, rel=0.1)
    assert result.within_sd == pytest.approx(1.0, rel=0.05)


def test_between_variance_is_truncated_at_zero() -> None:
    result = variance_components(["a", "a", "b", "b"], [0.0, 2.0, 2.0, 0.0])
    assert result.between_sd == 0.0 and result.within_sd == pytest.approx(math.sqrt(2))


def test_too_little_data_is_refused() -> None:
    with pytest.raises(ValueError, match="two patients"):
        variance_components(["a", "a", "b"], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="do not vary"):
        variance_components(["a", "a", "b", "b"], [1.0, 1.0, 3.0, 3.0])
