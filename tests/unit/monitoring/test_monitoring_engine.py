"""The engine: alert model, ordering, stable fingerprints, site configuration, sources."""

from __future__ import annotations

from datetime import date

import pytest
from monitoring_helpers import alerts_for, build_timeline, only

from spsreg.monitoring import (
    MonitoringConfigError,
    Severity,
    SiteMonitoringConfig,
    evaluate,
    evaluate_many,
    load_rule_book,
)

BUSY = {
    "comorbidities": ["type_1_diabetes"],
    "courses": [
        {"drug": "diazepam", "dose": 10, "times": 5, "start": "2025-01-01"},
        {"drug": "tramadol", "dose": 50, "times": 4, "prn": True, "start": "2025-05-01"},
        {"drug": "prednisone", "dose": 30, "times": 1, "start": "2025-05-01"},
    ],
    "patient": {"first_contact": "2024-01-01"},
}
AS_OF = date(2025, 6, 1)


def test_severity_orders_info_warning_critical() -> None:
    assert Severity.INFO < Severity.WARNING < Severity.CRITICAL
    assert max([Severity.WARNING, Severity.CRITICAL, Severity.INFO]) is Severity.CRITICAL


def test_alerts_come_most_severe_first_then_by_due_date() -> None:
    alerts = alerts_for(BUSY, AS_OF)
    ranks = [a.severity.rank for a in alerts]
    assert ranks == sorted(ranks, reverse=True)
    assert alerts[0].rule_id == "benzodiazepine_with_opioid"
    infos = [a for a in alerts if a.severity is Severity.INFO]
    assert [a.due for a in infos if a.due] == sorted(a.due for a in infos if a.due)


def test_every_alert_has_the_full_model_and_a_source() -> None:
    for alert in alerts_for(BUSY, AS_OF):
        assert alert.patient_id == "p-test" and alert.site_id == "SITE-A"
        assert alert.title and alert.message and alert.action and alert.rationale
        assert alert.citations, alert.rule_id
        assert len(alert.fingerprint) == 32


def test_re_evaluation_gives_identical_alerts() -> None:
    timeline = build_timeline(BUSY)
    book = load_rule_book()
    assert evaluate(timeline, AS_OF, book) == evaluate(timeline, AS_OF, book)
    assert evaluate(build_timeline(BUSY), AS_OF, book) == evaluate(timeline, AS_OF, book)


def test_fingerprint_ignores_the_evaluation_date_within_one_situation() -> None:
    first = only(alerts_for(BUSY, date(2025, 5, 20)), "benzodiazepine_with_opioid")
    later = only(alerts_for(BUSY, date(2025, 6, 15)), "benzodiazepine_with_opioid")
    assert first.fingerprint == later.fingerprint
    steroid = [
        only(alerts_for(BUSY, d), "corticosteroid_glucose_monitoring_in_diabetes")
        for d in (date(2025, 5, 9), date(2025, 5, 30))
    ]
    assert steroid[0].fingerprint == steroid[1].fingerprint


def test_fingerprint_changes_when_the_triggering_data_change() -> None:
    before = only(alerts_for(BUSY, AS_OF), "diazepam_above_label_maximum")
    changed = {
        **BUSY,
        "courses": [
            {"drug": "diazepam", "dose": 10, "times": 6, "start": "2025-01-01"},
            *BUSY["courses"][1:],
        ],
    }  # type: ignore[index]
    after = only(alerts_for(changed, AS_OF), "diazepam_above_label_maximum")
    assert before.fingerprint != after.fingerprint
    glucose = {**BUSY, "labs": [{"analyte": "glucose", "at": "2025-05-20"}]}
    a = only(alerts_for(BUSY, AS_OF), "corticosteroid_glucose_monitoring_in_diabetes")
    b = only(alerts_for(glucose, AS_OF), "corticosteroid_glucose_monitoring_in_diabetes")
    assert a.fingerprint != b.fingerprint


def test_fingerprint_differs_between_patients() -> None:
    book = load_rule_book()
    one = evaluate(build_timeline(BUSY, "p-one"), AS_OF, book)
    two = evaluate(build_timeline(BUSY, "p-two"), AS_OF, book)
    assert {a.fingerprint for a in one}.isdisjoint({a.fingerprint for a in two})


def test_site_can_disable_a_rule_and_override_a_setting() -> None:
    config = SiteMonitoringConfig(
        disabled_rules=frozenset({"benzodiazepine_with_opioid"}),
        settings={"corticosteroid_glucose_monitoring_in_diabetes": {"interval_days": 60}},
    )
    ids = {a.rule_id for a in alerts_for(BUSY, AS_OF, config)}
    assert "benzodiazepine_with_opioid" not in ids
    assert "corticosteroid_glucose_monitoring_in_diabetes" not in ids
    assert "diazepam_above_label_maximum" in ids


def test_settings_appear_in_the_message() -> None:
    alert = only(alerts_for(BUSY, AS_OF), "corticosteroid_glucose_monitoring_in_diabetes")
    assert "site interval 7 days" in alert.message


@pytest.mark.parametrize(
    ("config", "fragment"),
    [
        (SiteMonitoringConfig(disabled_rules=frozenset({"no_such_rule"})), "'no_such_rule'"),
        (SiteMonitoringConfig(settings={"no_such_rule": {"x": 1}}), "'no_such_rule'"),
        (
            SiteMonitoringConfig(settings={"stiffness_index_gap": {"interval": 1}}),
            "no setting 'interval'",
        ),
        (
            SiteMonitoringConfig(settings={"stiffness_index_gap": {"max_interval_days": 5}}),
            "below the minimum",
        ),
        (
            SiteMonitoringConfig(settings={"stiffness_index_gap": {"max_interval_days": 90.5}}),
            "whole number",
        ),
    ],
)
def test_a_configuration_that_does_not_fit_is_refused(
    config: SiteMonitoringConfig, fragment: str
) -> None:
    with pytest.raises(MonitoringConfigError, match=fragment):
        load_rule_book().bind(config)


def test_evaluate_many_is_one_worklist_most_severe_first() -> None:
    book = load_rule_book()
    timelines = [
        build_timeline({"courses": BUSY["courses"][:1]}, "p-a"),
        build_timeline(BUSY, "p-b"),
    ]  # type: ignore[index]
    alerts = evaluate_many(timelines, AS_OF, book)
    assert {a.patient_id for a in alerts} == {"p-a", "p-b"}
    assert alerts[0].severity is Severity.CRITICAL and alerts[0].patient_id == "p-b"


def test_every_shipped_rule_has_a_source_and_every_kind_is_used() -> None:
    book = load_rule_book()
    assert all(rule.citations for rule in book.rules.rules)
    from spsreg.monitoring import KINDS

    assert {rule.kind for rule in book.rules.rules} == set(KINDS)
