"""Next IVIG course from the recorded regimen: due and overdue."""

from __future__ import annotations

from datetime import date

import pytest
from monitoring_helpers import alerts_for, only, rule_ids

from spsreg.monitoring import SiteMonitoringConfig

COURSE = {
    "drug": "ivig",
    "route": "iv",
    "dose": 2,
    "unit": "g/kg",
    "weight": 70,
    "every": 28,
    "course_days": 2,
    "start": "2025-01-06",
}


def ivig(*cycle_starts: str, course: dict[str, object] = COURSE) -> dict[str, object]:
    return {"courses": [course], "given": [{"drug": "ivig", "at": start} for start in cycle_starts]}


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2025, 3, 23), []),
        (date(2025, 3, 24), ["ivig_course_due"]),  # due 03-31, lead 7 days
        (date(2025, 4, 7), ["ivig_course_due"]),  # grace 7 days
        (date(2025, 4, 8), ["ivig_course_due", "ivig_course_overdue"]),
    ],
)
def test_due_then_overdue_after_the_grace_days(as_of: date, expected: list[str]) -> None:
    assert rule_ids(alerts_for(ivig("2025-01-06", "2025-02-03", "2025-03-03"), as_of)) == expected


def test_the_interval_is_the_recorded_regimen() -> None:
    six_weekly = {**COURSE, "every": 42}
    alert = only(
        alerts_for(ivig("2025-01-06", course=six_weekly), date(2025, 2, 14)), "ivig_course_due"
    )
    assert alert.rationale["interval_days"] == 42
    assert alert.due == date(2025, 2, 17)


def test_with_no_infusion_recorded_the_course_start_is_the_last_course() -> None:
    alert = only(alerts_for(ivig(), date(2025, 2, 1)), "ivig_course_due")
    assert alert.rationale["last_course_on"] == date(2025, 1, 6)


def test_day_two_of_a_course_belongs_to_the_course_that_started_the_day_before() -> None:
    description = ivig("2025-01-06")
    description["given"].append({"drug": "ivig", "at": "2025-01-07", "day": 2})  # type: ignore[attr-defined]
    alert = only(alerts_for(description, date(2025, 2, 1)), "ivig_course_due")
    assert alert.due == date(2025, 2, 3)


def test_stopped_ivig_is_not_due() -> None:
    stopped = {**COURSE, "stop": "2025-02-01", "reason": "ineffective"}
    assert alerts_for(ivig("2025-01-06", course=stopped), date(2025, 3, 1)) == []


def test_grace_days_are_a_site_setting() -> None:
    config = SiteMonitoringConfig(settings={"ivig_course_overdue": {"grace_days": 0}})
    alerts = alerts_for(ivig("2025-01-06"), date(2025, 2, 4), config)
    assert rule_ids(alerts) == ["ivig_course_due", "ivig_course_overdue"]
