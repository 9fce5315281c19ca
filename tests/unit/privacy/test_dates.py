"""Per-patient date offsets, birth-month shifting and the 90-year age rule."""

from __future__ import annotations

from datetime import date

import pytest

from spsreg.privacy.dates import (
    age_in_years,
    collapsed_birth_year_month,
    date_offset_days,
    shift_birth_year_month,
    year_only,
)
from spsreg.privacy.keys import ExportKey

KEY_A = ExportKey(bytes(range(32)))
KEY_B = ExportKey(bytes(range(1, 33)))


def test_offsets_are_within_bounds_never_zero_and_take_both_signs() -> None:
    offsets = [date_offset_days(KEY_A, f"p-{n}") for n in range(2000)]
    assert all(-365 <= offset <= 365 and offset != 0 for offset in offsets)
    assert min(offsets) < -300 and max(offsets) > 300


def test_offset_of_one_day_is_plus_or_minus_one() -> None:
    assert {date_offset_days(KEY_A, f"p-{n}", max_days=1) for n in range(100)} == {-1, 1}


def test_offset_is_stable_under_one_key_and_differs_across_keys() -> None:
    assert date_offset_days(KEY_A, "p-1") == date_offset_days(KEY_A, "p-1")
    differing = [
        n
        for n in range(50)
        if date_offset_days(KEY_A, f"p-{n}") != date_offset_days(KEY_B, f"p-{n}")
    ]
    assert len(differing) >= 45


def test_max_days_below_one_is_refused() -> None:
    with pytest.raises(ValueError):
        date_offset_days(KEY_A, "p-1", max_days=0)


def test_birth_month_moves_with_the_first_day_of_the_month() -> None:
    assert shift_birth_year_month("1971-04", 30) == "1971-05"
    assert shift_birth_year_month("1971-04", 29) == "1971-04"
    assert shift_birth_year_month("1971-04", -1) == "1971-03"


def test_age_counts_birth_from_the_first_day_of_the_month() -> None:
    assert age_in_years("1936-01", date(2026, 1, 1)) == 90
    assert age_in_years("1936-02", date(2026, 1, 31)) == 89
    assert age_in_years("1936-02", date(2026, 2, 1)) == 90


def test_collapsed_birth_is_ninety_years_before_reference_or_earliest_event() -> None:
    assert collapsed_birth_year_month(date(2026, 3, 15), None) == "1936-03"
    assert collapsed_birth_year_month(date(2026, 3, 15), date(1940, 1, 1)) == "1936-03"
    assert collapsed_birth_year_month(date(2026, 3, 15), date(1935, 7, 9)) == "1935-07"
    assert collapsed_birth_year_month(date(2024, 2, 29), None) == "1934-02"


def test_year_only_keeps_the_year() -> None:
    assert year_only(date(2019, 9, 15)) == date(2019, 1, 1)
