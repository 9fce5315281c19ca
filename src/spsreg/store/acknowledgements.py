"""Stored decisions about monitoring alerts (acknowledgements and snoozes), scoped and audited.

A decision is written once and never edited: a clinician who changes their mind records a new
decision, and the latest one wins (:func:`spsreg.domain.acknowledgements.is_silenced`). Each write
is one transaction with one audit entry, like every other change.

Who may do what:

* **Recording** a decision is for staff of the patient's site (clinician, coordinator, or an
  administrator working at that site), in their own name (``acknowledged_by`` is the actor's user).
  Researchers work with de-identified data and patients do not run the worklist; a site-less
  administrator or the system itself is not a person taking clinical responsibility. They get
  :class:`ScopeError`; a patient of another site is :class:`NotFoundError`, as everywhere.
* **Reading** decisions is for staff and the system (which may draw up worklists), within the usual
  site scope. Researchers and patients are refused: reasons are free text written for colleagues.

Whole-record replace deletes and re-inserts the patient row; the foreign key to ``patients`` is
checked at commit, so the patient's decisions remain, and their fingerprints decide whether they
still silence anything. Deleting a patient who has decisions is refused (``ConflictError``) rather
than dropping audited clinical decisions silently.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC
from typing import Any

from sqlalchemy import Connection, select

from spsreg.domain.acknowledgements import AlertAcknowledgement
from spsreg.store.audit import AuditAction, canonical_json
from spsreg.store.edits import Versioned, scoped_patient
from spsreg.store.errors import ConflictError, ScopeError, StoreError
from spsreg.store.mapping import Row
from spsreg.store.scope import Actor, Role, patient_scope
from spsreg.store.tables import ALERT_ACKNOWLEDGEMENTS, PATIENTS
from spsreg.store.transactions import WriteTransaction

__all__ = [
    "ACKNOWLEDGEMENT_ENTITY",
    "ACKNOWLEDGING_ROLES",
    "READING_ROLES",
    "load_acknowledgements",
    "record_acknowledgement",
    "require_may_acknowledge",
    "require_may_read",
]

ACKNOWLEDGEMENT_ENTITY = "alert_acknowledgement"
"""Audit entity kind of a recorded decision."""

ACKNOWLEDGING_ROLES = frozenset({Role.ADMIN, Role.CLINICIAN, Role.COORDINATOR})
"""Roles that may record a decision, always at a site: the patient's."""

READING_ROLES = frozenset({*ACKNOWLEDGING_ROLES, Role.SYSTEM})
"""Roles that may read decisions within their scope."""

_TABLE = ALERT_ACKNOWLEDGEMENTS


def require_may_acknowledge(actor: Actor) -> None:
    """Raise :class:`ScopeError` unless ``actor`` may ever record a decision (before any read)."""
    if actor.role not in ACKNOWLEDGING_ROLES:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) cannot acknowledge or snooze alerts: "
            "only staff of the patient's site can"
        )
    if actor.site_id is None:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) works at no site: acknowledge alerts as staff of "
            "the patient's site"
        )


def require_may_read(actor: Actor) -> None:
    """Raise :class:`ScopeError` unless ``actor`` may ever read decisions."""
    if actor.role not in READING_ROLES:
        raise ScopeError(f"{actor.user} ({actor.role.value}) cannot read alert acknowledgements")


def record_acknowledgement(
    tx: WriteTransaction, acknowledgement: AlertAcknowledgement, reason: str
) -> Versioned[AlertAcknowledgement]:
    """Store one decision with its audit entry; recording the identical decision again is a no-op.

    A different decision under an id already used is :class:`ConflictError`: decisions are never
    edited, a new one is recorded instead.
    """
    connection, actor = tx.connection, tx.actor
    require_may_acknowledge(actor)
    if acknowledgement.acknowledged_by != actor.user:
        raise StoreError(
            f"{actor.user} cannot record a decision in the name of {acknowledgement.acknowledged_by}"
        )
    scoped_patient(connection, actor, acknowledgement.patient_id)
    existing = (
        connection.execute(select(_TABLE).where(_TABLE.c.id == acknowledgement.id))
        .mappings()
        .first()
    )
    if existing is not None:
        stored = _unflatten(existing)
        if stored != acknowledgement:
            raise ConflictError(
                f"alert acknowledgement {acknowledgement.id} is already recorded with other "
                "content: decisions are not edited, record a new one"
            )
        return Versioned(stored, int(existing["row_version"]), stored.patient_id)
    connection.execute(_TABLE.insert(), [_flatten(acknowledgement, tx.version)])
    tx.audit(
        AuditAction.CREATE,
        entity_kind=ACKNOWLEDGEMENT_ENTITY,
        entity_id=acknowledgement.id,
        patient_id=acknowledgement.patient_id,
        before=None,
        after=canonical_json(acknowledgement.model_dump(mode="json")),
        reason=reason,
    )
    return Versioned(acknowledgement, tx.version, acknowledgement.patient_id)


def load_acknowledgements(
    connection: Connection, actor: Actor, patient_ids: Collection[str] | None = None
) -> list[AlertAcknowledgement]:
    """Decisions about patients in scope (optionally only ``patient_ids``), ordered by patient,
    rule, time and id. Ids outside the scope are ignored, as if they had no decisions."""
    require_may_read(actor)
    query = (
        select(_TABLE)
        .join(PATIENTS, PATIENTS.c.id == _TABLE.c.patient_id)
        .where(patient_scope(actor))
    )
    if patient_ids is not None:
        wanted = sorted(set(patient_ids))
        if not wanted:
            return []
        query = query.where(_TABLE.c.patient_id.in_(wanted))
    query = query.order_by(
        _TABLE.c.patient_id, _TABLE.c.rule_id, _TABLE.c.acknowledged_at, _TABLE.c.id
    )
    return [_unflatten(row) for row in connection.execute(query).mappings()]


def _flatten(acknowledgement: AlertAcknowledgement, version: int) -> dict[str, Any]:
    return {
        "id": acknowledgement.id,
        "patient_id": acknowledgement.patient_id,
        "rule_id": acknowledgement.rule_id,
        "fingerprint": acknowledgement.fingerprint,
        "kind": acknowledgement.kind.value,
        "reason": acknowledgement.reason,
        "acknowledged_by": acknowledgement.acknowledged_by,
        "acknowledged_at": acknowledgement.acknowledged_at,  # UTC: SQLite keeps the wall time
        "snoozed_until": acknowledgement.snoozed_until,
        "row_version": version,
    }


def _unflatten(row: Row) -> AlertAcknowledgement:
    moment = row["acknowledged_at"]
    if moment.tzinfo is None:  # SQLite returns the stored UTC wall time without a zone
        moment = moment.replace(tzinfo=UTC)
    return AlertAcknowledgement(
        id=row["id"],
        patient_id=row["patient_id"],
        rule_id=row["rule_id"],
        fingerprint=row["fingerprint"],
        kind=row["kind"],
        reason=row["reason"],
        acknowledged_by=row["acknowledged_by"],
        acknowledged_at=moment,
        snoozed_until=row["snoozed_until"],
    )
