"""Property tests of dose eras: for any set of courses of one drug and route, the eras partition the
exposure days exactly, carry the summed daily dose of the courses active on each day, and are
maximal (two touching eras never have the same known dose)."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from spsreg.domain.exposure import daily_amount, dose_eras
from spsreg.domain.medications import MedicationCourse

BASE = date(2020, 1, 1)


@st.composite
def courses(draw: st.DrawFn) -> list[MedicationCourse]:
    count = draw(st.integers(min_value=1, max_value=6))
    made: list[MedicationCourse] = []
    for index in range(count):
        start = BASE + timedelta(days=draw(st.integers(min_value=0, max_value=60)))
        length = draw(st.one_of(st.none(), st.integers(min_value=0, max_value=40)))
        stop = None if length is None else start + timedelta(days=length)
        as_needed = draw(st.integers(min_value=0, max_value=4)) == 0  # one course in five
        made.append(
            MedicationCourse.model_validate(
                {
                    "id": f"c{index}",
                    "drug_id": "diazepam",
                    "route": "oral",
                    "intent": "symptomatic",
                    "schedule": "as_needed" if as_needed else "regular",
                    # few distinct doses, so that equal daily doses (and merges) are common
                    "dose": {"value": draw(st.sampled_from([2.5, 5.0, 10.0])), "unit": "mg"},
                    "times_per_period": draw(st.sampled_from([1, 2, 3])),
                    "period_days": draw(st.sampled_from([1, 2])),
                    "start_date": start,
                    "stop_date": stop,
                    "stop_reason": None if stop is None else "dose_changed",
                }
            )
        )
    return made


HORIZON = [BASE + timedelta(days=offset) for offset in range(-2, 110)]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(courses())
def test_eras_partition_the_exposure_days(given_courses: list[MedicationCourse]) -> None:
    eras = dose_eras(given_courses, "diazepam")
    for day in HORIZON:
        exposed = any(c.is_active_on(day) for c in given_courses)
        covering = [e for e in eras if e.is_active_on(day)]
        assert len(covering) == (1 if exposed else 0), (day, covering)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(courses())
def test_each_era_carries_the_summed_daily_dose_of_its_days(
    given_courses: list[MedicationCourse],
) -> None:
    for era in dose_eras(given_courses, "diazepam"):
        last = era.stop_date - timedelta(days=1) if era.stop_date else HORIZON[-1]
        day = era.start_date
        while day <= last:
            amounts = [daily_amount(c) for c in given_courses if c.is_active_on(day)]
            if era.daily_dose is None:
                assert any(a is None for a in amounts)
            else:
                assert all(a is not None for a in amounts)
                total = sum(a[0] for a in amounts if a is not None)
                assert abs(total - era.daily_dose) < 1e-9
            day += timedelta(days=1)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(courses())
def test_eras_are_ordered_nonempty_and_maximal(given_courses: list[MedicationCourse]) -> None:
    eras = dose_eras(given_courses, "diazepam")
    for era in eras:
        assert era.stop_date is None or era.start_date < era.stop_date
        assert set(era.course_ids) <= {c.id for c in given_courses}
    for before, after in itertools.pairwise(eras):
        assert before.stop_date is not None and before.stop_date <= after.start_date
        if before.stop_date == after.start_date and before.daily_dose is not None:
            assert before.daily_dose != after.daily_dose
