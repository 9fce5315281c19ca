"""Intrathecal pump refill arithmetic: due, alarm date passed, reservoir empty."""

from __future__ import annotations

from datetime import date

import pytest
from monitoring_helpers import alerts_for, only, rule_ids

from spsreg.monitoring import SiteMonitoringConfig
from spsreg.monitoring.kinds.pump_refill import reservoir_empty_on
from spsreg.monitoring.timeline import RefillView


def pump(alarm: str | None = "2025-06-05", **refill: object) -> dict[str, object]:
    last = {"at": "2025-03-01", "ml": 20, "conc": 1000, "mcg": 200, "alarm": alarm, **refill}
    return {"pumps": [{"implanted": "2025-01-01", "reservoir": 20, "refills": [last]}]}


def test_empty_date_is_volume_times_concentration_over_daily_dose() -> None:
    refill = RefillView(date(2025, 3, 1), 20.0, 1000.0, 200.0, None)
    assert reservoir_empty_on(refill) == date(2025, 6, 9)  # 100 days
    assert reservoir_empty_on(RefillView(date(2025, 3, 1), 20.0, 1000.0, 300.0, None)) == date(
        2025, 5, 6
    )  # 66.7 days: runs out on day 66


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        (date(2025, 5, 21), []),
        (date(2025, 5, 22), ["intrathecal_pump_refill_due"]),
        (date(2025, 6, 5), ["intrathecal_pump_refill_due"]),
        (date(2025, 6, 6), ["intrathecal_pump_alarm_date_passed"]),
        (
            date(2025, 6, 9),
            ["intrathecal_pump_alarm_date_passed", "intrathecal_pump_refill_overdue"],
        ),
    ],
)
def test_the_checks_follow_each_other_around_the_alarm_and_empty_dates(
    as_of: date, expected: list[str]
) -> None:
    assert rule_ids(alerts_for(pump(), as_of)) == expected


def test_due_alert_carries_the_arithmetic_and_due_date() -> None:
    alert = only(alerts_for(pump(), date(2025, 6, 1)), "intrathecal_pump_refill_due")
    assert alert.due == date(2025, 6, 5)
    assert alert.rationale["empty_on"] == date(2025, 6, 9)
    assert alert.rationale["concentration"] == 1000.0


def test_lead_time_is_a_site_setting() -> None:
    config = SiteMonitoringConfig(settings={"intrathecal_pump_refill_due": {"lead_time_days": 30}})
    assert rule_ids(alerts_for(pump(), date(2025, 5, 10), config)) == [
        "intrathecal_pump_refill_due"
    ]


def test_without_an_alarm_the_due_date_is_the_empty_date() -> None:
    alert = only(alerts_for(pump(alarm=None), date(2025, 6, 1)), "intrathecal_pump_refill_due")
    assert alert.due == date(2025, 6, 9)


def test_a_newer_refill_resets_the_clock() -> None:
    description = pump()
    description["pumps"][0]["refills"].append(
        {"at": "2025-06-01", "ml": 20, "conc": 1000, "mcg": 200}
    )  # type: ignore[index]
    assert alerts_for(description, date(2025, 6, 10)) == []


def test_a_removed_pump_is_not_judged() -> None:
    description = pump()
    description["pumps"][0]["removed"] = "2025-06-01"  # type: ignore[index]
    assert alerts_for(description, date(2025, 6, 10)) == []
