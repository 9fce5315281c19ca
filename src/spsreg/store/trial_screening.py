"""A trial's structured eligibility criteria and its enrolments, stored and audited.

**Criteria** (``trial_criteria``, one document per trial): the document exactly as given (YAML or
JSON, for the reviewer) and its validated form as canonical JSON (what screening runs). Writing is
for the roles that write trial records (administrator, coordinator); attaching a document to a
trial that is not stored is :class:`NotFoundError`. A changed document replaces the old one and
its ``version`` goes up by one; an identical one changes nothing. Audited as entity kind
``trial_criteria`` with the canonical document before and after.

**Enrolments** (``trial_enrolments``, one row per trial and patient): recorded by staff of the
patient's site (clinician, coordinator, or an administrator), with the date the patient was
screened eligible and the criteria version it was screened against, which the caller (the
screening service) has checked. A patient is enrolled once; a withdrawn patient stays withdrawn
(the row is kept for the trial's records). Audited as entity kind ``trial_enrolment`` with the
patient. Deleting a patient who has an enrolment is refused at commit (the foreign key), as an
enrolment is part of a trial's record.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, select

from spsreg.store.audit import AuditAction, canonical_json
from spsreg.store.edits import scoped_patient
from spsreg.store.errors import ConflictError, NotFoundError, ScopeError
from spsreg.store.mapping import Row
from spsreg.store.save_plan import SaveStatus
from spsreg.store.scope import Actor, Role, patient_scope
from spsreg.store.tables import PATIENTS, TRIAL_CRITERIA, TRIAL_ENROLMENTS
from spsreg.store.transactions import WriteTransaction
from spsreg.store.trials import load_trial, require_may_write_trials

__all__ = [
    "CRITERIA_ENTITY",
    "ENROLLING_ROLES",
    "ENROLMENT_ENTITY",
    "CriteriaSaveOutcome",
    "Enrolment",
    "EnrolmentStatus",
    "StoredCriteria",
    "enrol_patient",
    "load_criteria_document",
    "load_enrolments",
    "require_may_enrol",
    "save_criteria_document",
    "withdraw_patient",
]

CRITERIA_ENTITY = "trial_criteria"
ENROLMENT_ENTITY = "trial_enrolment"
ENROLLING_ROLES = frozenset({Role.ADMIN, Role.CLINICIAN, Role.COORDINATOR})
"""Roles that may enrol (and withdraw) patients of their own scope."""


class EnrolmentStatus(StrEnum):
    ENROLLED = "enrolled"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class StoredCriteria:
    """A trial's criteria document as stored (``document`` is the validated canonical form)."""

    nct_id: str
    document_text: str
    document: dict[str, Any]
    version: int
    recorded_by: str
    recorded_at: datetime
    row_version: int


@dataclass(frozen=True)
class CriteriaSaveOutcome:
    status: SaveStatus
    nct_id: str
    criteria_version: int


@dataclass(frozen=True)
class Enrolment:
    nct_id: str
    patient_id: str
    site_id: str
    status: EnrolmentStatus
    screened_on: date
    criteria_version: int
    enrolled_on: date
    enrolled_by: str
    withdrawn_on: date | None
    row_version: int

    def to_document(self) -> dict[str, Any]:
        return {
            "nct_id": self.nct_id,
            "patient_id": self.patient_id,
            "site_id": self.site_id,
            "status": self.status.value,
            "screened_on": self.screened_on.isoformat(),
            "criteria_version": self.criteria_version,
            "enrolled_on": self.enrolled_on.isoformat(),
            "enrolled_by": self.enrolled_by,
            "withdrawn_on": None if self.withdrawn_on is None else self.withdrawn_on.isoformat(),
        }


def save_criteria_document(
    tx: WriteTransaction, nct_id: str, document_text: str, document: dict[str, Any], reason: str
) -> CriteriaSaveOutcome:
    """Attach (or replace) the criteria of a stored trial; the caller has validated ``document``."""
    require_may_write_trials(tx.actor)
    connection = tx.connection
    load_trial(connection, nct_id)
    stored = _criteria_row(connection, nct_id)
    canonical = canonical_json(document)
    if (
        stored is not None
        and stored.document_text == document_text
        and (canonical_json(stored.document) == canonical)
    ):
        return CriteriaSaveOutcome(SaveStatus.UNCHANGED, nct_id, stored.version)
    version = 1 if stored is None else stored.version + 1
    row = {
        "nct_id": nct_id,
        "document_text": document_text,
        "document": canonical,
        "version": version,
        "recorded_by": tx.actor.user,
        "recorded_at": datetime.fromisoformat(tx.recorded_at.replace("Z", "+00:00")),
        "row_version": tx.version,
    }
    if stored is None:
        connection.execute(TRIAL_CRITERIA.insert(), [row])
    else:
        connection.execute(
            TRIAL_CRITERIA.update().where(TRIAL_CRITERIA.c.nct_id == nct_id).values(row)
        )
    tx.audit(
        AuditAction.CREATE if stored is None else AuditAction.REPLACE,
        entity_kind=CRITERIA_ENTITY,
        entity_id=nct_id,
        patient_id=None,
        before=None if stored is None else _audited(stored.document, stored.version),
        after=_audited(document, version),
        reason=reason,
    )
    status = SaveStatus.CREATED if stored is None else SaveStatus.REPLACED
    return CriteriaSaveOutcome(status, nct_id, version)


def load_criteria_document(connection: Connection, nct_id: str) -> StoredCriteria:
    """The stored criteria of ``nct_id``; :class:`NotFoundError` when it has none."""
    load_trial(connection, nct_id)
    stored = _criteria_row(connection, nct_id)
    if stored is None:
        raise NotFoundError(
            f"trial {nct_id} has no structured eligibility criteria: attach them with "
            "`spsreg trials criteria`"
        )
    return stored


def require_may_enrol(actor: Actor) -> None:
    """Raise :class:`ScopeError` unless ``actor``'s role may ever enrol patients."""
    if actor.role not in ENROLLING_ROLES:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) cannot enrol patients in trials: only staff of "
            "the patient's site or an administrator can"
        )


def enrol_patient(
    tx: WriteTransaction,
    nct_id: str,
    patient_id: str,
    *,
    screened_on: date,
    criteria_version: int,
    enrolled_on: date,
    reason: str,
) -> Enrolment:
    """Record the enrolment of a patient in scope (screened eligible on ``screened_on``)."""
    connection, actor = tx.connection, tx.actor
    require_may_enrol(actor)
    load_trial(connection, nct_id)
    patient = scoped_patient(connection, actor, patient_id)
    actor.may_write_at(patient["site_id"])
    existing = _enrolment_row(connection, nct_id, patient_id)
    if existing is not None:
        raise ConflictError(
            f"patient {patient_id} is already {existing['status']} in trial {nct_id} "
            f"(enrolled on {existing['enrolled_on'].isoformat()})"
        )
    enrolment = Enrolment(
        nct_id,
        patient_id,
        patient["site_id"],
        EnrolmentStatus.ENROLLED,
        screened_on,
        criteria_version,
        enrolled_on,
        actor.user,
        None,
        tx.version,
    )
    connection.execute(TRIAL_ENROLMENTS.insert(), [_flatten(enrolment)])
    tx.audit(
        AuditAction.CREATE,
        entity_kind=ENROLMENT_ENTITY,
        entity_id=nct_id,
        patient_id=patient_id,
        before=None,
        after=canonical_json(enrolment.to_document()),
        reason=reason,
    )
    return enrolment


def withdraw_patient(
    tx: WriteTransaction, nct_id: str, patient_id: str, *, withdrawn_on: date, reason: str
) -> Enrolment:
    """Mark an enrolled patient in scope as withdrawn (the enrolment and any allocation stay)."""
    connection, actor = tx.connection, tx.actor
    require_may_enrol(actor)
    patient = scoped_patient(connection, actor, patient_id)
    actor.may_write_at(patient["site_id"])
    row = _enrolment_row(connection, nct_id, patient_id)
    if row is None:
        raise NotFoundError(f"patient {patient_id} is not enrolled in trial {nct_id}")
    before = _unflatten(row)
    if before.status is EnrolmentStatus.WITHDRAWN:
        raise ConflictError(f"patient {patient_id} was already withdrawn from trial {nct_id}")
    if withdrawn_on < before.enrolled_on:
        raise ConflictError(f"{withdrawn_on} is before the enrolment on {before.enrolled_on}")
    connection.execute(
        TRIAL_ENROLMENTS.update()
        .where(TRIAL_ENROLMENTS.c.nct_id == nct_id, TRIAL_ENROLMENTS.c.patient_id == patient_id)
        .values(
            status=EnrolmentStatus.WITHDRAWN.value,
            withdrawn_on=withdrawn_on,
            row_version=tx.version,
        )
    )
    after = replace(
        before, status=EnrolmentStatus.WITHDRAWN, withdrawn_on=withdrawn_on, row_version=tx.version
    )
    tx.audit(
        AuditAction.UPDATE,
        entity_kind=ENROLMENT_ENTITY,
        entity_id=nct_id,
        patient_id=patient_id,
        before=canonical_json(before.to_document()),
        after=canonical_json(after.to_document()),
        reason=reason,
    )
    return after


def load_enrolments(connection: Connection, actor: Actor, nct_id: str) -> list[Enrolment]:
    """The enrolments of ``nct_id`` whose patients are in ``actor``'s scope, by patient id."""
    require_may_enrol(actor)
    query = (
        select(TRIAL_ENROLMENTS)
        .join(PATIENTS, PATIENTS.c.id == TRIAL_ENROLMENTS.c.patient_id)
        .where(TRIAL_ENROLMENTS.c.nct_id == nct_id, patient_scope(actor))
        .order_by(TRIAL_ENROLMENTS.c.patient_id)
    )
    return [_unflatten(row) for row in connection.execute(query).mappings()]


def _audited(document: dict[str, Any], version: int) -> str:
    return canonical_json({"criteria": document, "version": version})


def _criteria_row(connection: Connection, nct_id: str) -> StoredCriteria | None:
    row = (
        connection.execute(select(TRIAL_CRITERIA).where(TRIAL_CRITERIA.c.nct_id == nct_id))
        .mappings()
        .first()
    )
    if row is None:
        return None
    moment = row["recorded_at"]
    if moment.tzinfo is None:  # SQLite returns the stored UTC wall time without a zone
        moment = moment.replace(tzinfo=UTC)
    return StoredCriteria(
        nct_id=row["nct_id"],
        document_text=row["document_text"],
        document=row["document"],
        version=int(row["version"]),
        recorded_by=row["recorded_by"],
        recorded_at=moment,
        row_version=int(row["row_version"]),
    )


def _enrolment_row(connection: Connection, nct_id: str, patient_id: str) -> Row | None:
    return (
        connection.execute(
            select(TRIAL_ENROLMENTS).where(
                TRIAL_ENROLMENTS.c.nct_id == nct_id, TRIAL_ENROLMENTS.c.patient_id == patient_id
            )
        )
        .mappings()
        .first()
    )


def _flatten(enrolment: Enrolment) -> dict[str, Any]:
    return {**asdict(enrolment), "status": enrolment.status.value}


def _unflatten(row: Row) -> Enrolment:
    return Enrolment(
        nct_id=row["nct_id"],
        patient_id=row["patient_id"],
        site_id=row["site_id"],
        status=EnrolmentStatus(row["status"]),
        screened_on=row["screened_on"],
        criteria_version=int(row["criteria_version"]),
        enrolled_on=row["enrolled_on"],
        enrolled_by=row["enrolled_by"],
        withdrawn_on=row["withdrawn_on"],
        row_version=int(row["row_version"]),
    )
