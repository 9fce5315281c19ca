"""Rising falls in the diary (window against the window before) and between visits."""

from __future__ import annotations

from datetime import date

from monitoring_helpers import alerts_for, only, rule_ids

from spsreg.monitoring import SiteMonitoringConfig

AS_OF = date(2025, 6, 1)
BACKGROUND = [{"from": "2025-04-07", "to": "2025-06-01", "falls": 0}]


def falls(*days: tuple[str, int]) -> dict[str, object]:
    return {"diary_days": BACKGROUND, "diary": [{"at": d, "falls": n} for d, n in days]}


def test_recent_falls_against_the_window_before() -> None:
    alert = only(
        alerts_for(falls(("2025-05-06", 1), ("2025-05-30", 2)), AS_OF), "rising_falls_in_diary"
    )
    assert (alert.rationale["recent_falls"], alert.rationale["previous_falls"]) == (3, 0)
    assert "from 2025-05-05 to 2025-06-01" in alert.message


def test_boundaries_minimum_count_and_ratio() -> None:
    assert alerts_for(falls(("2025-05-30", 1)), AS_OF) == []  # below the minimum of 2
    assert rule_ids(alerts_for(falls(("2025-04-20", 1), ("2025-05-20", 2)), AS_OF)) == [
        "rising_falls_in_diary"
    ]
    assert alerts_for(falls(("2025-04-20", 2), ("2025-05-20", 3)), AS_OF) == []  # 3 < 2 x 2


def test_no_comparison_without_diary_entries_in_the_earlier_window() -> None:
    description = {"diary": [{"at": "2025-05-20", "falls": 5}]}
    assert alerts_for(description, AS_OF) == []


def test_ratio_is_a_site_setting() -> None:
    config = SiteMonitoringConfig(settings={"rising_falls_in_diary": {"rise_ratio": 1.5}})
    assert rule_ids(alerts_for(falls(("2025-04-20", 2), ("2025-05-20", 3)), AS_OF, config)) == [
        "rising_falls_in_diary"
    ]


def test_falls_between_visits() -> None:
    def visits(first: int, second: int) -> dict[str, object]:
        return {
            "visits": [
                {"at": "2025-01-10", "scales": {"falls_spasm_frequency": {"falls": first}}},
                {"at": "2025-05-10", "scales": {"falls_spasm_frequency": {"falls": second}}},
            ]
        }

    alert = only(alerts_for(visits(1, 2), AS_OF), "rising_falls_at_visits")
    assert alert.rationale["recent_to"] == date(2025, 5, 10)
    assert alerts_for(visits(0, 1), AS_OF) == []
    assert alerts_for(visits(2, 3), AS_OF) == []
    assert alerts_for(visits(3, 1), AS_OF) == []
