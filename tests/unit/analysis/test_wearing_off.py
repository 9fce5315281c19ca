"""Wearing-off within IVIG cycles: the last week of a cycle against its first weeks."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from response_records import administration, at, diary, ivig_course, record

from spsreg.analysis.frames import frames_from_records
from spsreg.analysis.response import WearingOff, patient_response
from spsreg.analysis.settings import AnalysisSettings
from spsreg.analysis.wearing_off import cycle_starts
from spsreg.domain import PatientRecord

PID = "p-1"
CYCLES = (0, 28, 56, 84, 112)  # IVIG on days 0-1, 28-29, ... : four complete cycles


def ivig_patient(late_value: int, *, cycles: tuple[int, ...] = CYCLES) -> PatientRecord:
    given = [administration(PID, "ivig", d + k) for d in cycles for k in (0, 1)]
    entries = [diary(PID, d, stiffness=5, spasms=4) for d in range(-30, 0)]
    for start, following in itertools.pairwise(cycles):
        for d in range(start, following):
            # days 7-20 of each cycle are good (3); its last 7 days are late_value
            day_in_cycle = d - start
            value = late_value if following - d <= 7 else 3 if 7 <= day_in_cycle < 21 else 4
            entries.append(diary(PID, d, stiffness=value, spasms=value))
    return record(
        PID,
        medication_courses=[ivig_course(PID, "ivig", 0)],
        administrations=given,
        diary_entries=entries,
    )


def ivig_wearing_off(
    patient: PatientRecord, settings: AnalysisSettings | None = None
) -> dict[str, WearingOff | None]:
    frames = frames_from_records([patient], as_of=at(400))
    found = patient_response(frames, PID, settings or AnalysisSettings())
    return {r.outcome: r.wearing_off for r in found if r.therapy == "ivig"}


def test_late_cycle_worse_than_early_cycle_is_wearing_off() -> None:
    worn = ivig_wearing_off(ivig_patient(late_value=6))
    for outcome in ("diary_stiffness", "diary_spasms"):
        found = worn[outcome]
        assert isinstance(found, WearingOff) and found.cycles == 4
        assert (found.early_mean, found.late_mean) == pytest.approx((3.0, 6.0))
        assert found.difference == pytest.approx(3.0)
    # no visit assessments: nothing to compare
    assert worn["stiffness_index"] is None


def test_no_wearing_off_when_the_end_of_the_cycle_is_as_good() -> None:
    worn = ivig_wearing_off(ivig_patient(late_value=3))["diary_stiffness"]
    assert worn is not None and worn.difference == pytest.approx(0.0, abs=1e-12)


def test_cycles_too_short_for_both_parts_are_left_out() -> None:
    # cycles of 21 days: days 7-20 and the last 7 days (14-20) overlap
    worn = ivig_wearing_off(ivig_patient(late_value=6, cycles=(0, 21, 42, 63)))
    assert worn["diary_stiffness"] is None
    shorter = AnalysisSettings(wearing_off_early_days=(3, 10))
    worn = ivig_wearing_off(ivig_patient(late_value=6, cycles=(0, 21, 42, 63)), shorter)
    found = worn["diary_stiffness"]
    assert found is not None and found.cycles == 3 and found.late_mean == pytest.approx(6.0)
    # days 3-9: day 3-6 are 4 and days 7-9 are 3 in each cycle
    assert found.early_mean == pytest.approx((4 * 4 + 3 * 3) / 7)


def test_non_periodic_therapies_have_no_wearing_off() -> None:
    frames = frames_from_records([ivig_patient(late_value=6)], as_of=at(400))
    settings = AnalysisSettings()
    assert all(
        (r.wearing_off is None)
        == (
            r.therapy != "ivig"
            or r.outcome in ("stiffness_index", "heightened_sensitivity", "t25fw", "mrs")
        )
        for r in patient_response(frames, PID, settings)
    )


def test_cycle_starts_group_the_days_of_one_course() -> None:
    days = np.array([0, 1, 28, 29, 30, 56, 70, 71], dtype=np.int64)
    assert cycle_starts(days, 7).tolist() == [0, 28, 56, 70]
    assert cycle_starts(days, 15).tolist() == [0, 28, 56]
    assert cycle_starts(np.array([], dtype=np.int64), 7).tolist() == []
