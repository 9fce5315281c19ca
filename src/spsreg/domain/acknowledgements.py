"""Clinicians' decisions about monitoring alerts: acknowledge one, or snooze a rule for a patient.

The worklist shows the alerts the monitoring rules raise. A clinician who has looked at an alert
records a decision with a reason, and the decision decides whether the alert is shown again:

* An **acknowledgement** is tied to the data behind the alert. The alert's ``fingerprint`` is a hash
  of the rule, the patient and the triggering data, so the acknowledgement silences exactly that
  alert; when the data change (a new dose, a new lab result), the fingerprint changes and the alert
  speaks again, because the clinician has not seen the new data.
* A **snooze** is tied to the rule and the patient, not to the data: the clinician asked for quiet
  until a date (for instance until the next clinic visit), so the alert stays quiet until then even
  if the data change. The snooze ends at the start of ``snoozed_until``: the alert is silent on the
  days before it and is shown again *on* that date ("snooze until 1 June" means "show it again on
  1 June").
* The **latest decision wins**: a new decision about the same rule and patient replaces the earlier
  ones (an acknowledgement after a snooze ends the snooze; an expired snooze does not bring back an
  older acknowledgement). Decisions are ordered by ``acknowledged_at``, then by ``id`` so that the
  order never depends on how the decisions were listed.

No clinical number is encoded here: there is no default or maximum snooze length, which would be a
site's clinical policy, not a fact.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Protocol

from pydantic import AfterValidator, BeforeValidator, Field, field_validator, model_validator

from spsreg.domain.base import DomainModel, RecordId

__all__ = [
    "AcknowledgementKind",
    "AlertAcknowledgement",
    "AlertKey",
    "is_silenced",
    "latest_decision",
    "record_decision",
]


class AcknowledgementKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"  # silences this alert until the data behind it change
    SNOOZE = "snooze"  # silences the rule for this patient until a date, whatever the data


class AlertKey(Protocol):
    """What identifies an alert for silencing: the monitoring engine's alerts have these fields.

    Declared here so the domain does not import the monitoring package (which sits above it).
    """

    @property
    def rule_id(self) -> str: ...

    @property
    def patient_id(self) -> str: ...

    @property
    def fingerprint(self) -> str: ...


_FINGERPRINT = re.compile(r"^[0-9a-f]{16,128}$")


def _check_fingerprint(value: str) -> str:
    if not _FINGERPRINT.match(value):
        raise ValueError("must be a hexadecimal digest of 16-128 characters (0-9, a-f)")
    return value


def _normal_fingerprint(value: str) -> str:
    return value.strip().lower()


def _lower(value: object) -> object:
    return _normal_fingerprint(value) if isinstance(value, str) else value


Fingerprint = Annotated[str, BeforeValidator(_lower), AfterValidator(_check_fingerprint)]
"""An alert's fingerprint, as lower-case hexadecimal (upper-case input is accepted and lowered)."""

# Control characters other than tab, newline and carriage return: a reason is plain text that is
# printed in the worklist and kept in the audit trail, so terminal escape codes are refused.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class AlertAcknowledgement(DomainModel):
    """One clinician's decision about an alert, with the reason for it.

    ``acknowledged_at`` is a timezone-aware moment, kept in UTC. ``snoozed_until`` is set for a
    snooze and only for a snooze.
    """

    id: RecordId
    patient_id: RecordId
    rule_id: RecordId
    fingerprint: Fingerprint
    kind: AcknowledgementKind
    reason: str = Field(min_length=1, max_length=2000)
    acknowledged_by: str = Field(min_length=1, max_length=200)
    acknowledged_at: datetime
    snoozed_until: date | None = None

    @field_validator("reason")
    @classmethod
    def _plain_text(cls, value: str) -> str:
        if _CONTROL.search(value):
            raise ValueError("must be plain text (no control characters)")
        return value

    @field_validator("acknowledged_at")
    @classmethod
    def _in_utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("must be timezone-aware (the moment of the decision, e.g. in UTC)")
        return value.astimezone(UTC)

    @model_validator(mode="after")
    def _check(self) -> AlertAcknowledgement:
        if self.kind is AcknowledgementKind.SNOOZE:
            if self.snoozed_until is None:
                raise ValueError("a snooze needs snoozed_until: the date the alert is shown again")
            # Compared with the UTC date: a user west of UTC snoozing "until tomorrow" late in the
            # evening may already be on that date in UTC, and must not be refused.
            if self.snoozed_until < self.acknowledged_at.date():
                raise ValueError(
                    f"snoozed_until ({self.snoozed_until.isoformat()}) is before the day of the "
                    f"decision ({self.acknowledged_at.date().isoformat()})"
                )
        elif self.snoozed_until is not None:
            raise ValueError(
                "snoozed_until is only for a snooze: an acknowledgement lasts until the data change"
            )
        return self

    def silences_on(self, alert: AlertKey, as_of: date) -> bool:
        """Whether this decision, taken alone, keeps ``alert`` quiet on the day ``as_of``."""
        if (alert.rule_id, alert.patient_id) != (self.rule_id, self.patient_id):
            return False
        if self.kind is AcknowledgementKind.SNOOZE:
            assert self.snoozed_until is not None  # checked when the decision was made
            return as_of < self.snoozed_until
        return _normal_fingerprint(alert.fingerprint) == self.fingerprint


def record_decision(
    alert: AlertKey,
    *,
    kind: AcknowledgementKind | str,
    reason: str,
    acknowledged_by: str,
    acknowledged_at: datetime,
    snoozed_until: date | None = None,
) -> AlertAcknowledgement:
    """A new decision about ``alert``, with an id derived from its content.

    The id is a digest of the alert, the decision and its moment: recording the same decision twice
    (a retried command) gives the same id, so the store keeps it once.
    """
    decision_kind = AcknowledgementKind(kind)
    moment = acknowledged_at.astimezone(UTC).isoformat() if acknowledged_at.tzinfo else ""
    content = "\x1f".join(
        (
            alert.patient_id,
            alert.rule_id,
            _normal_fingerprint(alert.fingerprint),
            decision_kind.value,
            moment,
            "" if snoozed_until is None else snoozed_until.isoformat(),
        )
    )
    digest = hashlib.sha256(content.encode("utf-8")).hexdigest()[:32]
    return AlertAcknowledgement(
        id=f"ack-{digest}",
        patient_id=alert.patient_id,
        rule_id=alert.rule_id,
        fingerprint=alert.fingerprint,
        kind=decision_kind,
        reason=reason,
        acknowledged_by=acknowledged_by,
        acknowledged_at=acknowledged_at,
        snoozed_until=snoozed_until,
    )


def latest_decision(
    rule_id: str, patient_id: str, acknowledgements: Iterable[AlertAcknowledgement]
) -> AlertAcknowledgement | None:
    """The decision in force for a rule and a patient: the latest one recorded, if any."""
    relevant = [
        item
        for item in acknowledgements
        if item.rule_id == rule_id and item.patient_id == patient_id
    ]
    if not relevant:
        return None
    return max(relevant, key=lambda item: (item.acknowledged_at, item.id))


def is_silenced(
    alert: AlertKey, acknowledgements: Iterable[AlertAcknowledgement], as_of: date
) -> AlertAcknowledgement | None:
    """The decision that keeps ``alert`` off the worklist on the day ``as_of``, or ``None``.

    Only the latest decision about the alert's rule and patient counts (see the module docstring):
    an acknowledgement silences the alert while its fingerprint is unchanged; a snooze silences it
    on the days before ``snoozed_until``. ``as_of`` is the day the worklist is drawn up for; pass
    the decisions recorded so far (decisions about other rules or patients are ignored).
    """
    decision = latest_decision(alert.rule_id, alert.patient_id, acknowledgements)
    if decision is not None and decision.silences_on(alert, as_of):
        return decision
    return None
