"""When a clinician's decision keeps an alert off the worklist: acknowledgements follow the data,
snoozes follow the calendar, and the latest decision about a rule and patient wins."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from random import Random

from hypothesis import given
from hypothesis import strategies as st

from spsreg.domain import AcknowledgementKind, AlertAcknowledgement, is_silenced, latest_decision

F1, F2, F3 = "a1" * 32, "b2" * 32, "c3" * 32
MONDAY = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Alert:
    """Shaped like the monitoring engine's alert: only these three fields matter here."""

    rule_id: str
    patient_id: str
    fingerprint: str


def decision(
    kind: str = "acknowledge",
    *,
    rule_id: str = "r1",
    patient_id: str = "p1",
    fingerprint: str = F1,
    at: datetime = MONDAY,
    until: date | None = None,
    id: str | None = None,
) -> AlertAcknowledgement:
    return AlertAcknowledgement(
        id=id or f"ack-{rule_id}-{patient_id}-{fingerprint[:4]}-{kind}-{at:%Y%m%d%H%M%S}",
        patient_id=patient_id,
        rule_id=rule_id,
        fingerprint=fingerprint,
        kind=AcknowledgementKind(kind),
        reason="reviewed",
        acknowledged_by="dr-alpha",
        acknowledged_at=at,
        snoozed_until=until,
    )


def test_an_acknowledgement_silences_the_alert_with_the_same_data() -> None:
    ack = decision(fingerprint=F1)
    assert is_silenced(Alert("r1", "p1", F1), [ack], date(2030, 1, 1)) == ack


def test_the_alert_speaks_again_when_the_data_behind_it_change() -> None:
    assert is_silenced(Alert("r1", "p1", F2), [decision(fingerprint=F1)], date(2025, 3, 3)) is None


def test_a_fingerprint_in_capitals_is_the_same_fingerprint() -> None:
    ack = decision(fingerprint=F1.upper())
    assert ack.fingerprint == F1
    assert is_silenced(Alert("r1", "p1", F1.upper()), [ack], date(2025, 3, 3)) == ack


def test_a_snooze_silences_whatever_the_data_until_the_day_it_ends() -> None:
    snooze = decision("snooze", fingerprint=F1, until=date(2025, 3, 10))
    for fingerprint in (F1, F2):
        alert = Alert("r1", "p1", fingerprint)
        assert is_silenced(alert, [snooze], date(2025, 3, 3)) == snooze
        assert is_silenced(alert, [snooze], date(2025, 3, 9)) == snooze
        assert is_silenced(alert, [snooze], date(2025, 3, 10)) is None  # shown again on that day
        assert is_silenced(alert, [snooze], date(2025, 4, 1)) is None


def test_the_latest_decision_wins() -> None:
    snooze = decision("snooze", fingerprint=F1, until=date(2025, 6, 1))
    later_ack = decision(fingerprint=F1, at=MONDAY + timedelta(days=1))
    # The acknowledgement replaced the snooze: new data speak although the snooze has not ended.
    assert is_silenced(Alert("r1", "p1", F1), [snooze, later_ack], date(2025, 3, 5)) == later_ack
    assert is_silenced(Alert("r1", "p1", F2), [later_ack, snooze], date(2025, 3, 5)) is None
    # A later snooze replaces an acknowledgement; once it ends, the old acknowledgement is gone.
    ack = decision(fingerprint=F1)
    later_snooze = decision(
        "snooze", fingerprint=F2, at=MONDAY + timedelta(days=1), until=date(2025, 3, 10)
    )
    assert is_silenced(Alert("r1", "p1", F1), [ack, later_snooze], date(2025, 3, 5)) == later_snooze
    assert is_silenced(Alert("r1", "p1", F1), [ack, later_snooze], date(2025, 3, 10)) is None


def test_decisions_made_at_the_same_moment_are_ordered_by_id() -> None:
    first = decision(fingerprint=F1, id="ack-a")
    second = decision(fingerprint=F2, id="ack-b")
    assert latest_decision("r1", "p1", [second, first]) == second
    assert is_silenced(Alert("r1", "p1", F2), [first, second], date(2025, 3, 3)) == second


def test_decisions_about_other_patients_or_rules_change_nothing() -> None:
    others = [
        decision(patient_id="p2", fingerprint=F1),
        decision(rule_id="r2", fingerprint=F1),
        decision("snooze", patient_id="p2", until=date(2026, 1, 1)),
        decision("snooze", rule_id="r2", until=date(2026, 1, 1)),
    ]
    assert is_silenced(Alert("r1", "p1", F1), others, date(2025, 3, 3)) is None
    assert latest_decision("r1", "p1", others) is None
    assert not others[0].silences_on(Alert("r1", "p1", F1), date(2025, 3, 3))


def test_no_decisions_silence_nothing() -> None:
    assert is_silenced(Alert("r1", "p1", F1), [], date(2025, 3, 3)) is None


# Properties over random decision histories

RULES, PATIENTS, FINGERPRINTS = ("r1", "r2"), ("p1", "p2"), (F1, F2, F3)


@st.composite
def decisions(draw: st.DrawFn) -> AlertAcknowledgement:
    at = MONDAY + timedelta(minutes=draw(st.integers(0, 60 * 24 * 60)))
    snoozed = draw(st.booleans())
    return decision(
        "snooze" if snoozed else "acknowledge",
        rule_id=draw(st.sampled_from(RULES)),
        patient_id=draw(st.sampled_from(PATIENTS)),
        fingerprint=draw(st.sampled_from(FINGERPRINTS)),
        at=at,
        until=at.date() + timedelta(days=draw(st.integers(0, 90))) if snoozed else None,
        id=f"ack-{draw(st.integers(0, 10**6))}",
    )


alerts = st.builds(
    Alert, st.sampled_from(RULES), st.sampled_from(PATIENTS), st.sampled_from(FINGERPRINTS)
)
# Record ids are primary keys: a history never holds two decisions with one id.
histories = st.lists(decisions(), max_size=12, unique_by=lambda d: d.id)
days = st.dates(min_value=date(2025, 3, 1), max_value=date(2025, 8, 1))


@given(alerts, histories, days, st.randoms(use_true_random=False))
def test_the_answer_does_not_depend_on_the_order_of_the_decisions(
    alert: Alert, history: list[AlertAcknowledgement], as_of: date, random: Random
) -> None:
    shuffled = list(history)
    random.shuffle(shuffled)
    assert is_silenced(alert, shuffled, as_of) == is_silenced(alert, history, as_of)


@given(alerts, histories, days)
def test_only_decisions_about_the_alerts_rule_and_patient_count(
    alert: Alert, history: list[AlertAcknowledgement], as_of: date
) -> None:
    relevant = [
        d for d in history if (d.rule_id, d.patient_id) == (alert.rule_id, alert.patient_id)
    ]
    assert is_silenced(alert, history, as_of) == is_silenced(alert, relevant, as_of)


@given(alerts, histories, days)
def test_acknowledging_what_is_shown_silences_it_until_the_data_change(
    alert: Alert, history: list[AlertAcknowledgement], as_of: date
) -> None:
    newest = max((d.acknowledged_at for d in history), default=MONDAY)
    ack = decision(
        rule_id=alert.rule_id,
        patient_id=alert.patient_id,
        fingerprint=alert.fingerprint,
        at=newest + timedelta(seconds=1),
    )
    assert is_silenced(alert, [*history, ack], as_of) == ack
    for other in FINGERPRINTS:
        if other != alert.fingerprint:
            changed = Alert(alert.rule_id, alert.patient_id, other)
            assert is_silenced(changed, [*history, ack], as_of) is None


@given(alerts, histories, days)
def test_a_silencing_snooze_is_always_one_that_has_not_ended(
    alert: Alert, history: list[AlertAcknowledgement], as_of: date
) -> None:
    found = is_silenced(alert, history, as_of)
    if found is not None and found.kind is AcknowledgementKind.SNOOZE:
        assert found.snoozed_until is not None and as_of < found.snoozed_until
    if found is not None and found.kind is AcknowledgementKind.ACKNOWLEDGE:
        assert found.fingerprint == alert.fingerprint
