"""An alert acknowledgement is a well-formed decision: a reason in plain text, a moment in UTC, a
snooze date for snoozes only, and a hexadecimal fingerprint."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from pydantic import ValidationError

from spsreg.domain import AcknowledgementKind, AlertAcknowledgement, record_decision

FINGERPRINT = "0f" * 32
AT = datetime(2025, 3, 3, 10, 0, tzinfo=UTC)
VALID: dict[str, Any] = {
    "id": "ack-1",
    "patient_id": "p1",
    "rule_id": "benzodiazepine-dose-limit",
    "fingerprint": FINGERPRINT,
    "kind": "acknowledge",
    "reason": "dose reviewed; taper planned",
    "acknowledged_by": "dr-alpha",
    "acknowledged_at": AT,
}


@dataclass(frozen=True)
class Alert:
    rule_id: str
    patient_id: str
    fingerprint: str


def make(**changes: Any) -> AlertAcknowledgement:
    return AlertAcknowledgement(**{**VALID, **changes})


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"kind": "snooze"}, "a snooze needs snoozed_until"),
        ({"snoozed_until": date(2025, 4, 1)}, "snoozed_until is only for a snooze"),
        (
            {"kind": "snooze", "snoozed_until": date(2025, 3, 2)},
            "snoozed_until (2025-03-02) is before the day of the decision (2025-03-03)",
        ),
        ({"acknowledged_at": datetime(2025, 3, 3, 10, 0)}, "must be timezone-aware"),
        ({"reason": "   "}, "at least 1 character"),
        ({"reason": "ok\x1b[31m"}, "must be plain text"),
        ({"reason": "x" * 2001}, "at most 2000 characters"),
        ({"fingerprint": "not-hex" * 4}, "hexadecimal digest"),
        ({"fingerprint": "abc"}, "hexadecimal digest"),
        ({"kind": "dismiss"}, "'acknowledge' or 'snooze'"),
        ({"rule_id": "rule with spaces"}, "must be 1-64 characters"),
        ({"acknowledged_by": ""}, "at least 1 character"),
        ({"severity": "high"}, "Extra inputs are not permitted"),
    ],
)
def test_malformed_decisions_are_refused_with_a_plain_message(
    changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError) as error:
        make(**changes)
    assert message in str(error.value)


def test_a_reason_may_span_lines_and_is_trimmed() -> None:
    assert make(reason="  reviewed.\nTaper planned.\t ").reason == "reviewed.\nTaper planned."


def test_the_moment_is_kept_in_utc() -> None:
    eastern = AT.astimezone(timezone(timedelta(hours=-5)))
    item = make(acknowledged_at=eastern)
    assert item.acknowledged_at == AT and item.acknowledged_at.tzinfo is UTC


def test_a_snooze_may_end_on_the_utc_day_it_was_made() -> None:
    # 21:00 in New York on 2 March is already 3 March in UTC: "until 3 March" is a valid snooze.
    evening = datetime(2025, 3, 2, 21, 0, tzinfo=timezone(timedelta(hours=-5)))
    item = make(kind="snooze", acknowledged_at=evening, snoozed_until=date(2025, 3, 3))
    assert item.kind is AcknowledgementKind.SNOOZE


def test_the_fingerprint_is_kept_in_lower_case() -> None:
    assert make(fingerprint=FINGERPRINT.upper()).fingerprint == FINGERPRINT


def test_a_decision_is_immutable() -> None:
    with pytest.raises(ValidationError):
        make().reason = "edited"  # type: ignore[misc]


def test_record_decision_derives_a_stable_id_from_the_content() -> None:
    alert = Alert("benzodiazepine-dose-limit", "p1", FINGERPRINT)
    first = record_decision(
        alert, kind="acknowledge", reason="ok", acknowledged_by="dr-alpha", acknowledged_at=AT
    )
    again = record_decision(
        Alert(alert.rule_id, alert.patient_id, FINGERPRINT.upper()),
        kind=AcknowledgementKind.ACKNOWLEDGE,
        reason="ok",
        acknowledged_by="dr-alpha",
        acknowledged_at=AT.astimezone(timezone(timedelta(hours=2))),
    )
    later = record_decision(
        alert,
        kind="acknowledge",
        reason="ok",
        acknowledged_by="dr-alpha",
        acknowledged_at=AT + timedelta(seconds=1),
    )
    snooze = record_decision(
        alert,
        kind="snooze",
        reason="ok",
        acknowledged_by="dr-alpha",
        acknowledged_at=AT,
        snoozed_until=date(2025, 4, 1),
    )
    assert first.id == again.id and first.id.startswith("ack-") and len(first.id) <= 64
    assert len({first.id, later.id, snooze.id}) == 3
    assert (first.patient_id, first.rule_id, first.fingerprint) == (
        "p1",
        alert.rule_id,
        FINGERPRINT,
    )
    assert snooze.snoozed_until == date(2025, 4, 1)


def test_record_decision_refuses_a_moment_without_a_zone() -> None:
    with pytest.raises(ValidationError, match="must be timezone-aware"):
        record_decision(
            Alert("r1", "p1", FINGERPRINT),
            kind="acknowledge",
            reason="ok",
            acknowledged_by="dr-alpha",
            acknowledged_at=datetime(2025, 3, 3, 10, 0),
        )
