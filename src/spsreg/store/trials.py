"""Stored trial records (ClinicalTrials.gov studies), one row per NCT number, audited.

A trial is public information and belongs to no site: every actor may read the stored trials.
Writing them is for an administrator or a coordinator (who sets up trial work at a site);
clinicians, researchers, patients and the system itself are refused with :class:`ScopeError`.

Saving is insert-or-replace by NCT number, each in its own transaction with one audit entry
(entity kind ``trial``; the whole record before and after, as canonical JSON: trial records are
public and small, so the trail can show exactly what changed). Saving an identical record changes
nothing and writes no audit entry. A record whose CT.gov last-update date is older than the stored
one is refused (:class:`ConflictError`): re-importing an old download must not undo a newer one.

Later trial work (structured eligibility criteria, screening, enrolment, randomisation) keys its
own tables on ``trials.nct_id``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from spsreg.domain.trials import RecruitmentStatus, TrialRecord
from spsreg.store.audit import AuditAction, canonical_json
from spsreg.store.errors import ConflictError, NotFoundError, ScopeError
from spsreg.store.mapping import Row
from spsreg.store.save_plan import SaveStatus
from spsreg.store.scope import Actor, Role
from spsreg.store.tables import TRIALS
from spsreg.store.transactions import WriteTransaction

__all__ = [
    "TRIAL_ENTITY",
    "TRIAL_WRITING_ROLES",
    "StoredTrial",
    "TrialSaveOutcome",
    "load_trial",
    "load_trials",
    "require_may_write_trials",
    "save_trial",
]

TRIAL_ENTITY = "trial"
"""Audit entity kind of a trial record saved or replaced."""

TRIAL_WRITING_ROLES = frozenset({Role.ADMIN, Role.COORDINATOR})
"""Roles that may save trial records."""


@dataclass(frozen=True)
class StoredTrial:
    """A trial record as stored, with its row version (changes whenever the record changes)."""

    record: TrialRecord
    version: int


@dataclass(frozen=True)
class TrialSaveOutcome:
    """What a save did: ``created``, ``replaced`` or ``unchanged`` (``version`` None: nothing
    was written)."""

    status: SaveStatus
    nct_id: str
    version: int | None


def require_may_write_trials(actor: Actor) -> None:
    """Raise :class:`ScopeError` unless ``actor`` may save trial records (before any read)."""
    if actor.role not in TRIAL_WRITING_ROLES:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) cannot save trial records: only an administrator "
            "or a coordinator can"
        )


def save_trial(tx: WriteTransaction, record: TrialRecord, reason: str) -> TrialSaveOutcome:
    """Insert ``record``, or replace the stored record of its NCT number if it differs."""
    require_may_write_trials(tx.actor)
    connection = tx.connection
    row = (
        connection.execute(select(TRIALS).where(TRIALS.c.nct_id == record.nct_id))
        .mappings()
        .first()
    )
    after = canonical_json(record.model_dump(mode="json"))
    if row is None:
        connection.execute(TRIALS.insert(), [_flatten(record, after, tx.version)])
        tx.audit(
            AuditAction.CREATE,
            entity_kind=TRIAL_ENTITY,
            entity_id=record.nct_id,
            patient_id=None,
            before=None,
            after=after,
            reason=reason,
        )
        return TrialSaveOutcome(SaveStatus.CREATED, record.nct_id, tx.version)
    stored = _unflatten(row)
    if stored.record == record:
        return TrialSaveOutcome(SaveStatus.UNCHANGED, record.nct_id, None)
    _require_not_older(stored.record, record)
    connection.execute(
        TRIALS.update()
        .where(TRIALS.c.nct_id == record.nct_id)
        .values(_flatten(record, after, tx.version))
    )
    tx.audit(
        AuditAction.REPLACE,
        entity_kind=TRIAL_ENTITY,
        entity_id=record.nct_id,
        patient_id=None,
        before=canonical_json(stored.record.model_dump(mode="json")),
        after=after,
        reason=reason,
    )
    return TrialSaveOutcome(SaveStatus.REPLACED, record.nct_id, tx.version)


def load_trials(
    connection: Connection, *, status: RecruitmentStatus | None = None
) -> list[StoredTrial]:
    """Every stored trial (or those with overall ``status``), ordered by NCT number."""
    query = select(TRIALS)
    if status is not None:
        query = query.where(TRIALS.c.overall_status == status.value)
    rows = connection.execute(query.order_by(TRIALS.c.nct_id)).mappings()
    return [_unflatten(row) for row in rows]


def load_trial(connection: Connection, nct_id: str) -> StoredTrial:
    """The stored trial ``nct_id``; :class:`NotFoundError` when there is none."""
    row = connection.execute(select(TRIALS).where(TRIALS.c.nct_id == nct_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"no trial {nct_id} is stored: import it with `spsreg trials import`")
    return _unflatten(row)


def _require_not_older(stored: TrialRecord, incoming: TrialRecord) -> None:
    before, after = stored.last_update_posted, incoming.last_update_posted
    if before is not None and after is not None and after < before:
        raise ConflictError(
            f"trial {incoming.nct_id} was not replaced: this record was last updated on CT.gov on "
            f"{after.isoformat()}, the stored one on {before.isoformat()} (import a newer download)"
        )


def _flatten(record: TrialRecord, document: str, version: int) -> dict[str, Any]:
    return {
        "nct_id": record.nct_id,
        "overall_status": None if record.overall_status is None else record.overall_status.value,
        "phase": record.phase_label,
        "intervention_model": (
            None
            if record.design.intervention_model is None
            else record.design.intervention_model.value
        ),
        "last_update_posted": record.last_update_posted,
        "record": document,
        "row_version": version,
    }


def _unflatten(row: Row) -> StoredTrial:
    return StoredTrial(TrialRecord.model_validate(row["record"]), int(row["row_version"]))
