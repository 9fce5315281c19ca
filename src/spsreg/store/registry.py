"""The registry's data-access service: every read and write of patient data goes through here.

Each method takes the :class:`~spsreg.store.scope.Actor` on whose behalf it runs; site scope is
applied to every query here, once (see :mod:`spsreg.store.scope`). Each write is one transaction
with one audit entry; a whole patient record is saved all-or-nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlalchemy import ColumnElement, Connection, Engine, func, or_, select

from spsreg.domain import (
    AlertAcknowledgement,
    PatientIdentifiers,
    PatientRecord,
    Phenotype,
    Sex,
    Site,
    VitalStatus,
)
from spsreg.domain.trials import RecruitmentStatus, TrialRecord
from spsreg.store import (
    access_log,
    accounts,
    acknowledgements,
    analysis_rows,
    api_tokens,
    randomization,
    sessions,
    timeline_rows,
    trial_screening,
    trials,
)
from spsreg.store.access_log import AccessEntry
from spsreg.store.accounts import Account, LoginRefusal, RefusalReason
from spsreg.store.api_tokens import ApiToken
from spsreg.store.audit import AuditAction, AuditEntry, canonical_json, iter_audit_entries
from spsreg.store.config import create_engine_for, database_url_from_env
from spsreg.store.edits import (
    Versioned,
    add_item,
    delete_item,
    get_item,
    scoped_patient,
    update_item,
)
from spsreg.store.errors import ConflictError, ScopeError, StoreError
from spsreg.store.mapping import CHILD_KINDS, MAPPINGS, SECTION_KINDS, SITE_MAPPING, RecordKind
from spsreg.store.migrate import migrate
from spsreg.store.passwords import check_password_policy, hash_password
from spsreg.store.randomization import Allocation, ListEntry, RandomizationSetup
from spsreg.store.records import (
    delete_patient_rows,
    insert_record,
    load_records,
    record_summary,
)
from spsreg.store.save_plan import OnExisting, SaveStatus, plan_save
from spsreg.store.scope import CROSS_SITE_ROLES, Actor, Role, patient_scope, site_filter
from spsreg.store.sessions import ActiveSession, NewSession, SessionPolicy, WrongPasswordError
from spsreg.store.statistics import refresh_statistics
from spsreg.store.tables import AUDIT_LOG, PATIENT_IDENTIFIERS, PATIENTS, SITES
from spsreg.store.timeline_rows import AssessmentRead, PatientTimelineRows
from spsreg.store.transactions import Clock, read_transaction, utc_now, write_transaction
from spsreg.store.trial_screening import CriteriaSaveOutcome, Enrolment, StoredCriteria
from spsreg.store.trials import StoredTrial, TrialSaveOutcome

__all__ = [
    "OnExisting",
    "PatientSummary",
    "Registry",
    "RegistryStatistics",
    "SaveOutcome",
    "SaveStatus",
    "WrongPasswordError",
    "open_registry",
]

_Batch = TypeVar("_Batch")

PATIENT_RECORD_ENTITY = "patient_record"
"""Audit entity kind of a whole-record save, replace or delete."""


@dataclass(frozen=True)
class SaveOutcome:
    """What :meth:`Registry.save_patient_record` did.

    ``version`` is the row version written (``None`` when nothing was written);
    ``changed_sections`` names what a replacement changed.
    """

    status: SaveStatus
    patient_id: str
    version: int | None
    changed_sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class PatientSummary:
    """One line of a patient list (no identifiable data)."""

    patient_id: str
    pseudonym: str
    site_id: str
    sex: Sex
    birth_year_month: str
    vital_status: VitalStatus
    phenotype: Phenotype | None
    diagnosis_date: date | None
    version: int


@dataclass(frozen=True)
class RegistryStatistics:
    """Row counts within the actor's scope.

    ``per_table``: every table (``sites`` and ``audit_log`` included; a site actor counts the
    audit entries of its own patients). ``per_site``: site id -> patient-level table -> rows.
    """

    per_table: dict[str, int] = field(default_factory=dict)
    per_site: dict[str, dict[str, int]] = field(default_factory=dict)


class Registry:
    """Scoped, audited access to the registry database behind ``engine``."""

    def __init__(self, engine: Engine, *, clock: Clock = utc_now) -> None:
        self.engine = engine
        self._clock = clock

    def close(self) -> None:
        """Close the database connections (the registry can be used again; it reconnects)."""
        self.engine.dispose()

    def __enter__(self) -> Registry:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # Sites

    def add_site(self, actor: Actor, site: Site, *, reason: str = "site registered") -> Site:
        """Register a site (admin or system). Adding an identical site again changes nothing."""
        if actor.role not in CROSS_SITE_ROLES:
            raise ScopeError(f"only admin and system actors register sites, not {actor.role.value}")
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            row = (
                tx.connection.execute(select(SITES).where(SITES.c.id == site.id)).mappings().first()
            )
            if row is not None:
                stored = SITE_MAPPING.unflatten(row)
                if stored != site:
                    raise ConflictError(f"site {site.id} is already registered as {stored.name!r}")
                return stored
            tx.connection.execute(SITES.insert(), [SITE_MAPPING.row(site, version=tx.version)])
            tx.audit(
                AuditAction.CREATE,
                entity_kind="site",
                entity_id=site.id,
                patient_id=None,
                before=None,
                after=canonical_json(site.model_dump(mode="json")),
                reason=reason,
            )
            return site

    def list_sites(self, actor: Actor) -> list[Site]:
        """All registered sites (names and countries are not patient data)."""
        with read_transaction(self.engine) as connection:
            rows = connection.execute(select(SITES).order_by(SITES.c.id)).mappings()
            return [SITE_MAPPING.unflatten(row) for row in rows]

    # Accounts (spsreg.store.accounts): only an administrator manages them

    def add_user(
        self,
        actor: Actor,
        name: str,
        role: Role | str,
        password: str,
        *,
        site_id: str | None = None,
        patient_id: str | None = None,
        reason: str = "account created",
    ) -> Account:
        """Create an account with an argon2id-hashed password (policy in spsreg.store.passwords)."""
        accounts.require_admin(actor)
        reason = _require_reason(reason)
        account = accounts.account_actor(name, role, site_id, patient_id)
        password_hash = hash_password(password)
        with write_transaction(self.engine, actor, self._clock) as tx:
            return accounts.add_account(tx, account, password_hash, reason)

    def list_users(self, actor: Actor) -> list[Account]:
        """Every account, by name, without password hashes."""
        accounts.require_admin(actor)
        with read_transaction(self.engine) as connection:
            return accounts.list_accounts(connection)

    def disable_user(self, actor: Actor, name: str, *, reason: str = "account disabled") -> Account:
        """Disable an account (its logins and API tokens are refused from now on; its web
        sessions end)."""
        accounts.require_admin(actor)
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            disabled = accounts.disable_account(tx, name, reason)
            sessions.end_sessions_of(tx.connection, name)
            return disabled

    def reset_password(
        self, actor: Actor, name: str, password: str, *, reason: str = "password reset"
    ) -> Account:
        """Give an account a new password; its recorded failed logins are cleared and its web
        sessions end."""
        accounts.require_admin(actor)
        reason = _require_reason(reason)
        password_hash = hash_password(password)
        with write_transaction(self.engine, actor, self._clock) as tx:
            account = accounts.replace_password(tx, name, password_hash, reason)
            sessions.end_sessions_of(tx.connection, name)
            return account

    def verify_login(
        self, name: str, password: str, *, now: datetime | None = None
    ) -> Actor | LoginRefusal:
        """The actor of account ``name`` if ``password`` is right, else why the login is refused
        (lockout: spsreg.store.accounts). ``now`` defaults to the registry's clock."""
        moment = self._clock() if now is None else now
        return accounts.verify_login(self.engine, name, password, moment, self._clock)

    def change_own_password(
        self, actor: Actor, current_password: str, new_password: str, *, now: datetime
    ) -> None:
        """An account changes its own password: ``current_password`` is checked like a login (a
        wrong one counts toward the lockout; :class:`WrongPasswordError`), the new one must meet
        the policy; audited without secrets. Every web session of the account ends."""
        check_password_policy(new_password)
        checked = accounts.verify_login(self.engine, actor.user, current_password, now, self._clock)
        if isinstance(checked, LoginRefusal):
            if checked.reason is RefusalReason.WRONG_CREDENTIALS:
                raise WrongPasswordError("the current password is not right")
            raise WrongPasswordError(checked.message)
        password_hash = hash_password(new_password)
        with write_transaction(self.engine, actor, self._clock) as tx:
            accounts.replace_own_password(tx, password_hash, "password changed by its owner")
            sessions.end_sessions_of(tx.connection, actor.user)

    # Web sessions (spsreg.store.sessions)

    def start_session(self, actor: Actor, *, now: datetime, policy: SessionPolicy) -> NewSession:
        """A new web session for ``actor`` (just logged in); the login is in the access log."""
        return sessions.start_session(self.engine, actor, now, policy)

    def resume_session(
        self, token: str, *, now: datetime, policy: SessionPolicy
    ) -> ActiveSession | None:
        """The session of a cookie's ``token`` if still valid (actor rebuilt from the account)."""
        return sessions.resume_session(self.engine, token, now, policy)

    def end_session(self, token: str) -> None:
        """Log out: the session of ``token`` ends."""
        sessions.end_session(self.engine, token)

    def end_sessions_of(self, user_name: str) -> int:
        """End every web session of ``user_name``; how many were ended."""
        with self.engine.begin() as connection:
            return sessions.end_sessions_of(connection, user_name)

    # API tokens (spsreg.store.api_tokens)

    def create_api_token(
        self,
        actor: Actor,
        user_name: str,
        label: str,
        *,
        now: datetime,
        expires_at: datetime | None = None,
    ) -> tuple[str, ApiToken]:
        """Make an API token for ``user_name`` (admin: any account; others: their own), audited;
        the token text is returned once and never stored."""
        with write_transaction(self.engine, actor, self._clock) as tx:
            return api_tokens.create_token(tx, user_name, label, now, expires_at)

    def resolve_api_token(self, token: str, *, now: datetime) -> Actor | None:
        """The actor an API token works as, or None when it does not (any text is safe)."""
        return api_tokens.resolve_token(self.engine, token, now)

    def list_api_tokens(self, actor: Actor, user_name: str | None = None) -> list[ApiToken]:
        """API tokens (admin: all, or of ``user_name``; others: their own), without secrets."""
        with read_transaction(self.engine) as connection:
            return api_tokens.list_tokens(connection, actor, user_name)

    def revoke_api_token(self, actor: Actor, token_id: str, *, now: datetime) -> ApiToken:
        """Revoke an API token (admin: any; others: their own), audited."""
        with write_transaction(self.engine, actor, self._clock) as tx:
            return api_tokens.revoke_token(tx, token_id, now)

    # The access log of identifiable reads (spsreg.store.access_log)

    def access_trail(self, actor: Actor, patient_id: str) -> list[AccessEntry]:
        """Who read a patient's identifiable data, oldest first (administrators, or staff of the
        patient's site; never researchers or patients)."""
        access_log.require_may_read_trail(actor)
        with read_transaction(self.engine) as connection:
            scoped_patient(connection, actor, patient_id)
            return access_log.load_access_trail(connection, patient_id)

    def _record_access(
        self, actor: Actor, patient_ids: Collection[str], what: str, channel: str
    ) -> None:
        access_log.record_access_now(self.engine, actor, patient_ids, what, channel, self._clock())

    # Whole patient records

    def save_patient_record(
        self,
        actor: Actor,
        record: PatientRecord,
        *,
        reason: str,
        on_existing: OnExisting | str = OnExisting.REJECT,
    ) -> SaveOutcome:
        """Save a whole record in one transaction (bulk inserts); see :class:`OnExisting`.

        An actor who cannot see the patient's identifiers (another site, or no site) cannot erase
        them by omission: a record saved by them without identifiers keeps the stored ones.
        """
        mode = OnExisting(on_existing)
        reason = _require_reason(reason)
        patient_id = record.patient.id
        actor.may_write_patient(patient_id, record.patient.site_id)
        with write_transaction(self.engine, actor, self._clock) as tx:
            connection = tx.connection
            plan = plan_save(connection, actor, record, mode)
            if plan.status is SaveStatus.UNCHANGED:
                return SaveOutcome(SaveStatus.UNCHANGED, patient_id, None)
            if plan.existing is None:
                insert_record(connection, record, tx.version)
                tx.audit(
                    AuditAction.CREATE,
                    entity_kind=PATIENT_RECORD_ENTITY,
                    entity_id=patient_id,
                    patient_id=patient_id,
                    before=None,
                    after=canonical_json(record_summary(record)),
                    reason=reason,
                )
                return SaveOutcome(SaveStatus.CREATED, patient_id, tx.version)
            delete_patient_rows(connection, patient_id)
            insert_record(connection, plan.incoming, tx.version)
            tx.audit(
                AuditAction.REPLACE,
                entity_kind=PATIENT_RECORD_ENTITY,
                entity_id=patient_id,
                patient_id=patient_id,
                before=canonical_json(record_summary(plan.existing)),
                after=canonical_json(
                    {**record_summary(plan.incoming), "changed_sections": list(plan.changed)}
                ),
                reason=reason,
            )
            return SaveOutcome(SaveStatus.REPLACED, patient_id, tx.version, plan.changed)

    def check_save(
        self,
        actor: Actor,
        record: PatientRecord,
        *,
        on_existing: OnExisting | str = OnExisting.REJECT,
    ) -> SaveStatus:
        """What :meth:`save_patient_record` would do with ``record``, without writing anything.

        Raises exactly what the save would raise (:class:`ScopeError`, :class:`NotFoundError` for an
        unregistered site, :class:`ConflictError`), so a batch can be checked before any of it is
        written. A concurrent writer may still change the answer before the real save.
        """
        mode = OnExisting(on_existing)
        actor.may_write_patient(record.patient.id, record.patient.site_id)
        with read_transaction(self.engine) as connection:
            return plan_save(connection, actor, record, mode).status

    def load_patient_record(
        self, actor: Actor, patient_id: str, *, channel: str = "store"
    ) -> PatientRecord:
        """The whole record; identifiers only for the patient's own site (access-logged)."""
        access_log.require_channel(channel)
        with read_transaction(self.engine) as connection:
            row = scoped_patient(connection, actor, patient_id)
            visible = {patient_id} if actor.sees_identifiers_of(row["site_id"]) else set()
            record = load_records(connection, [row], with_identifiers=visible)[0]
        if record.identifiers is not None:
            self._record_access(actor, [patient_id], "patient_record", channel)
        return record

    def iter_patient_records(
        self,
        actor: Actor,
        site_id: str | None = None,
        batch_size: int = 200,
        *,
        channel: str = "store",
    ) -> Iterator[PatientRecord]:
        """Every record in scope, ordered by pseudonym, loaded ``batch_size`` patients at a time.

        Memory stays bounded by the batch. Each batch is read in its own short transaction (a
        long export does not hold the database); every record is internally consistent, but
        records saved while the iteration runs may or may not be included. Each batch's records
        with identifiers are access-logged before the batch is handed out.
        """
        access_log.require_channel(channel)
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        site = site_filter(actor, site_id)
        pseudonym = _pseudonym_order(self.engine)
        after: str | None = None
        while True:
            with read_transaction(self.engine) as connection:
                query = select(PATIENTS).where(patient_scope(actor))
                if site is not None:
                    query = query.where(PATIENTS.c.site_id == site)
                if after is not None:
                    query = query.where(pseudonym > after)
                rows = (
                    connection.execute(query.order_by(pseudonym).limit(batch_size)).mappings().all()
                )
                visible = {row["id"] for row in rows if actor.sees_identifiers_of(row["site_id"])}
                records = load_records(connection, rows, with_identifiers=visible)
            self._record_access(
                actor,
                [record.patient.id for record in records if record.identifiers is not None],
                "patient_record",
                channel,
            )
            yield from records
            if len(rows) < batch_size:
                return
            after = rows[-1]["pseudonym"]

    def list_patients(
        self,
        actor: Actor,
        site_id: str | None = None,
        phenotype: Phenotype | str | None = None,
        search: str | None = None,
        *,
        channel: str = "store",
    ) -> list[PatientSummary]:
        """Patients in scope, ordered by pseudonym.

        ``search`` matches part of the pseudonym or patient id, case-insensitively; staff of a
        site also find their own patients by name or hospital number (such a search is
        access-logged for every patient it returns).
        """
        access_log.require_channel(channel)
        site = site_filter(actor, site_id)
        query = select(PATIENTS).where(patient_scope(actor))
        if site is not None:
            query = query.where(PATIENTS.c.site_id == site)
        if phenotype is not None:
            query = query.where(PATIENTS.c.phenotype == Phenotype(phenotype).value)
        term = (search or "").strip()
        searched_identifiers = False
        if term:
            matches = [
                PATIENTS.c.pseudonym.icontains(term, autoescape=True),
                PATIENTS.c.id.icontains(term, autoescape=True),
            ]
            if actor.site_id is not None and actor.sees_identifiers_of(actor.site_id):
                # Only the actor's own site is in scope here, so its staff may search identifiers.
                query = query.outerjoin(
                    PATIENT_IDENTIFIERS, PATIENT_IDENTIFIERS.c.patient_id == PATIENTS.c.id
                )
                matches += [
                    PATIENT_IDENTIFIERS.c.given_name.icontains(term, autoescape=True),
                    PATIENT_IDENTIFIERS.c.family_name.icontains(term, autoescape=True),
                    PATIENT_IDENTIFIERS.c.hospital_number.icontains(term, autoescape=True),
                ]
                searched_identifiers = True
            query = query.where(or_(*matches))
        with read_transaction(self.engine) as connection:
            rows = (
                connection.execute(query.order_by(_pseudonym_order(self.engine))).mappings().all()
            )
        if searched_identifiers:
            self._record_access(actor, [row["id"] for row in rows], "patient_search", channel)
        return [
            PatientSummary(
                patient_id=row["id"],
                pseudonym=row["pseudonym"],
                site_id=row["site_id"],
                sex=Sex(row["sex"]),
                birth_year_month=row["birth_year_month"],
                vital_status=VitalStatus(row["vital_status"]),
                phenotype=None if row["phenotype"] is None else Phenotype(row["phenotype"]),
                diagnosis_date=row["diagnosis_date"],
                version=row["row_version"],
            )
            for row in rows
        ]

    # Single records

    def get(
        self, actor: Actor, kind: RecordKind | str, record_id: str, *, channel: str = "store"
    ) -> Versioned[Any]:
        """One record with its row version (``record_id`` is the patient id for identifiers;
        reading identifiers is access-logged)."""
        access_log.require_channel(channel)
        wanted = RecordKind(kind)
        with read_transaction(self.engine) as connection:
            item = get_item(connection, actor, wanted, record_id)
        if wanted is RecordKind.IDENTIFIERS:
            self._record_access(actor, [record_id], "identifiers", channel)
        return item

    def identifiers_of(
        self, actor: Actor, patient_ids: Sequence[str], *, channel: str = "store"
    ) -> dict[str, PatientIdentifiers]:
        """The identifiers of those of ``patient_ids`` whose identifiers ``actor`` may see (own-site
        staff), in one read and one access-trail write; patients without identifiers, outside
        the scope or of another site are simply absent."""
        access_log.require_channel(channel)
        wanted = sorted(set(patient_ids))
        if not wanted or actor.site_id is None or not actor.sees_identifiers_of(actor.site_id):
            return {}
        mapping = MAPPINGS[RecordKind.IDENTIFIERS]
        with read_transaction(self.engine) as connection:
            rows = connection.execute(
                select(PATIENT_IDENTIFIERS)
                .join(PATIENTS, PATIENTS.c.id == PATIENT_IDENTIFIERS.c.patient_id)
                .where(patient_scope(actor), PATIENTS.c.site_id == actor.site_id)
                .where(PATIENT_IDENTIFIERS.c.patient_id.in_(wanted))
            ).mappings()
            found: dict[str, PatientIdentifiers] = {
                row["patient_id"]: mapping.unflatten(row) for row in rows
            }
        self._record_access(actor, sorted(found), "identifiers", channel)
        return found

    def add(
        self,
        actor: Actor,
        patient_id: str,
        kind: RecordKind | str,
        record: BaseModel,
        reason: str,
        *,
        parent_id: str | None = None,
    ) -> Versioned[Any]:
        """Add one record to a patient (``parent_id``: the visit of an assessment, the pump of a
        refill). Adding kind ``patient`` creates a patient with an empty record."""
        kind = RecordKind(kind)
        _check_type(kind, record)
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            return add_item(tx, kind, patient_id, record, reason, parent_id)

    def update(
        self,
        actor: Actor,
        kind: RecordKind | str,
        record: BaseModel,
        expected_version: int,
        reason: str,
        *,
        patient_id: str | None = None,
    ) -> Versioned[Any]:
        """Replace one record if it is still at ``expected_version``; else :class:`ConflictError`.

        Identifiers have no id of their own: pass ``patient_id`` for them.
        """
        kind = RecordKind(kind)
        _check_type(kind, record)
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            return update_item(tx, kind, record, expected_version, reason, patient_id)

    def delete(
        self,
        actor: Actor,
        kind: RecordKind | str,
        record_id: str,
        expected_version: int,
        reason: str,
    ) -> None:
        """Delete one record (with its nested records; kind ``patient`` deletes the whole record)."""
        kind = RecordKind(kind)
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            delete_item(tx, kind, record_id, expected_version, reason)

    # Overview

    def refresh_planner_statistics(self) -> None:
        """Refresh the database's query-planner statistics after bulk changes (changes no data;
        see :mod:`spsreg.store.statistics`)."""
        refresh_statistics(self.engine)

    def statistics(self, actor: Actor) -> RegistryStatistics:
        """Row counts per table and, for patient-level tables, per site, within scope."""
        per_site: dict[str, dict[str, int]] = {}
        per_table: dict[str, int] = {}
        patient_tables = [
            ("patients", PATIENTS, PATIENTS.c.id),
            ("patient_identifiers", PATIENT_IDENTIFIERS, PATIENT_IDENTIFIERS.c.patient_id),
        ] + [
            (MAPPINGS[kind].table.name, MAPPINGS[kind].table, MAPPINGS[kind].table.c.patient_id)
            for kind in (*SECTION_KINDS, *CHILD_KINDS)
        ]
        with read_transaction(self.engine) as connection:
            for name, table, patient_column in patient_tables:
                source = (
                    PATIENTS
                    if table is PATIENTS
                    else table.join(PATIENTS, patient_column == PATIENTS.c.id)
                )
                query = (
                    select(PATIENTS.c.site_id, func.count())
                    .select_from(source)
                    .where(patient_scope(actor))
                    .group_by(PATIENTS.c.site_id)
                )
                per_table[name] = 0
                for site_id, count in connection.execute(query):
                    per_site.setdefault(site_id, {})[name] = count
                    per_table[name] += count
            per_table["sites"] = connection.execute(
                select(func.count()).select_from(SITES)
            ).scalar_one()
            audit = select(func.count()).select_from(AUDIT_LOG)
            if not actor.sees_all_sites or actor.patient_id is not None:
                audit = audit.join(PATIENTS, AUDIT_LOG.c.patient_id == PATIENTS.c.id).where(
                    patient_scope(actor)
                )
            per_table["audit_log"] = connection.execute(audit).scalar_one()
        for counts in per_site.values():
            for name, _, _ in patient_tables:
                counts.setdefault(name, 0)
        return RegistryStatistics(per_table=per_table, per_site=per_site)

    def audit_trail(self, actor: Actor, patient_id: str) -> list[AuditEntry]:
        """The audit entries of one patient in scope, oldest first."""
        with read_transaction(self.engine) as connection:
            scoped_patient(connection, actor, patient_id)
            return list(iter_audit_entries(connection, patient_id=patient_id))

    # Alert acknowledgements and snoozes (spsreg.store.acknowledgements)

    def acknowledge_alert(
        self, actor: Actor, acknowledgement: AlertAcknowledgement, *, reason: str | None = None
    ) -> Versioned[AlertAcknowledgement]:
        """Record a clinician's decision about an alert (staff of the patient's site, in their own
        name), audited; ``reason`` for the audit entry defaults to the decision's own reason."""
        acknowledgements.require_may_acknowledge(actor)
        audit_reason = _require_reason(acknowledgement.reason if reason is None else reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            return acknowledgements.record_acknowledgement(tx, acknowledgement, audit_reason)

    def list_acknowledgements(
        self, actor: Actor, patient_ids: Collection[str] | None = None
    ) -> list[AlertAcknowledgement]:
        """Decisions about the patients in scope (or only ``patient_ids``), for
        :func:`spsreg.domain.is_silenced`."""
        acknowledgements.require_may_read(actor)
        with read_transaction(self.engine) as connection:
            return acknowledgements.load_acknowledgements(connection, actor, patient_ids)

    # Trial records (public ClinicalTrials.gov studies; spsreg.store.trials)

    def save_trial(self, actor: Actor, record: TrialRecord, reason: str) -> TrialSaveOutcome:
        """Insert or replace a trial record by NCT number (administrator or coordinator), in one
        audited transaction; an identical record is ``unchanged`` and writes nothing."""
        trials.require_may_write_trials(actor)
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            return trials.save_trial(tx, record, reason)

    def list_trials(
        self, actor: Actor, *, status: RecruitmentStatus | str | None = None
    ) -> list[StoredTrial]:
        """The stored trials (public: every actor may read them), ordered by NCT number."""
        wanted = None if status is None else RecruitmentStatus(status)
        with read_transaction(self.engine) as connection:
            return trials.load_trials(connection, status=wanted)

    def get_trial(self, actor: Actor, nct_id: str) -> StoredTrial:
        """One stored trial; :class:`NotFoundError` when it is not stored."""
        with read_transaction(self.engine) as connection:
            return trials.load_trial(connection, nct_id)

    # Trial criteria, enrolment and randomization (spsreg.store.trial_screening, .randomization)

    def save_trial_criteria(
        self,
        actor: Actor,
        nct_id: str,
        document_text: str,
        document: dict[str, Any],
        reason: str,
    ) -> CriteriaSaveOutcome:
        """Attach or replace a stored trial's criteria document (administrator or coordinator;
        ``document`` is the validated criteria as JSON data), audited; identical: unchanged."""
        trials.require_may_write_trials(actor)
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            return trial_screening.save_criteria_document(
                tx, nct_id, document_text, document, reason
            )

    def get_trial_criteria(self, actor: Actor, nct_id: str) -> StoredCriteria:
        """A trial's criteria document (public, like the trial); :class:`NotFoundError` if none."""
        with read_transaction(self.engine) as connection:
            return trial_screening.load_criteria_document(connection, nct_id)

    def enrol_in_trial(
        self,
        actor: Actor,
        nct_id: str,
        patient_id: str,
        *,
        screened_on: date,
        criteria_version: int,
        enrolled_on: date,
        reason: str,
    ) -> Enrolment:
        """Record a patient's enrolment (staff of the patient's site or an administrator; the
        caller has screened the patient eligible on ``screened_on``), audited."""
        trial_screening.require_may_enrol(actor)
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            return trial_screening.enrol_patient(
                tx,
                nct_id,
                patient_id,
                screened_on=screened_on,
                criteria_version=criteria_version,
                enrolled_on=enrolled_on,
                reason=reason,
            )

    def withdraw_from_trial(
        self, actor: Actor, nct_id: str, patient_id: str, *, withdrawn_on: date, reason: str
    ) -> Enrolment:
        """Mark an enrolled patient withdrawn (the enrolment and any allocation are kept)."""
        trial_screening.require_may_enrol(actor)
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            return trial_screening.withdraw_patient(
                tx, nct_id, patient_id, withdrawn_on=withdrawn_on, reason=reason
            )

    def list_enrolments(self, actor: Actor, nct_id: str) -> list[Enrolment]:
        """The trial's enrolments of patients in scope, by patient id."""
        trial_screening.require_may_enrol(actor)
        with read_transaction(self.engine) as connection:
            return trial_screening.load_enrolments(connection, actor, nct_id)

    def create_randomization_list(
        self,
        actor: Actor,
        nct_id: str,
        scheme: dict[str, Any],
        entries: Sequence[ListEntry],
        seed: bytes,
        reason: str,
    ) -> RandomizationSetup:
        """Store a trial's whole generated list (administrator only, once); returns no entry."""
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            return randomization.create_list(tx, nct_id, scheme, entries, seed, reason)

    def allocate(self, actor: Actor, nct_id: str, patient_id: str, reason: str) -> Allocation:
        """Reveal and take the next unused entry of an enrolled patient's stratum, atomically and
        audited (staff of the patient's site or an administrator); see
        :mod:`spsreg.store.randomization` for the concealment and its limits."""
        randomization.require_may_allocate(actor)
        reason = _require_reason(reason)
        with write_transaction(self.engine, actor, self._clock) as tx:
            return randomization.allocate_patient(tx, nct_id, patient_id, reason)

    def list_allocations(self, actor: Actor, nct_id: str) -> list[Allocation]:
        """The used entries of patients in scope, in allocation order (never an unused one)."""
        randomization.require_may_allocate(actor)
        with read_transaction(self.engine) as connection:
            return randomization.load_allocations(connection, actor, nct_id)

    # The monitoring rules' view of patients (spsreg.store.timeline_rows)

    def iter_timeline_rows(
        self,
        actor: Actor,
        *,
        site_id: str | None = None,
        patient_ids: Collection[str] | None = None,
        diary_from: date | None = None,
        diary_to: date | None = None,
        lab_analytes: Collection[str] | None = None,
        assessment_reads: Sequence[AssessmentRead] | None = None,
        assessments_to: date | None = None,
        batch_size: int = 500,
    ) -> Iterator[list[PatientTimelineRows]]:
        """What the monitoring rules read about every patient in scope (or only ``patient_ids``),
        as plain rows, ``batch_size`` patients per batch ordered by patient id; the diary only from
        ``diary_from`` to ``diary_to``, labs only of ``lab_analytes``, assessments only as
        ``assessment_reads`` ask on or before ``assessments_to`` (None: all; see
        :func:`spsreg.store.timeline_rows.load_timeline_rows`). No identifiers are read. Each
        batch is one query per table in its own short read transaction. Patient ids outside the
        scope are simply absent."""
        for batch in self._scoped_batches(
            actor,
            site_id,
            patient_ids,
            batch_size,
            timeline_rows.scoped_patient_rows,
            lambda connection, rows: timeline_rows.load_timeline_rows(
                connection,
                rows,
                diary_from=diary_from,
                diary_to=diary_to,
                lab_analytes=lab_analytes,
                assessment_reads=assessment_reads,
                assessments_to=assessments_to,
            ),
        ):
            if batch:
                yield batch

    # The analytics' view of patients (spsreg.store.analysis_rows)

    def iter_analysis_rows(
        self,
        actor: Actor,
        *,
        as_of: date,
        scale_ids: Collection[str],
        lab_analytes: Collection[str],
        site_id: str | None = None,
        patient_ids: Collection[str] | None = None,
        batch_size: int = 500,
        with_diary: bool = True,
    ) -> Iterator[analysis_rows.AnalysisRows]:
        """What outcome analytics read about every patient in scope (or only ``patient_ids``), as
        plain de-identified rows, ``batch_size`` patients per batch ordered by patient id: no fact
        dated after ``as_of``, assessments of ``scale_ids`` and labs of ``lab_analytes`` only (see
        :func:`spsreg.store.analysis_rows.load_analysis_rows`). No identifiers or free text are
        read, for any actor. Each batch is one query per table in its own short read
        transaction. Patient ids outside the scope are simply absent."""
        for batch in self._scoped_batches(
            actor,
            site_id,
            patient_ids,
            batch_size,
            analysis_rows.scoped_analysis_patients,
            lambda connection, rows: analysis_rows.load_analysis_rows(
                connection,
                rows,
                as_of=as_of,
                scale_ids=scale_ids,
                lab_analytes=lab_analytes,
                with_diary=with_diary,
            ),
        ):
            if batch.patients:
                yield batch

    def _scoped_batches(
        self,
        actor: Actor,
        site_id: str | None,
        patient_ids: Collection[str] | None,
        batch_size: int,
        select_patients: Callable[..., Sequence[Any]],
        load: Callable[[Connection, Any], _Batch],
    ) -> Iterator[_Batch]:
        """The patients in scope (or only ``patient_ids``) in batches ordered by patient id: each
        batch's patient rows (``select_patients``, keyset-paginated) and what ``load`` reads about
        them, in one short read transaction per batch."""
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        site = site_filter(actor, site_id)
        wanted = sorted(set(patient_ids)) if patient_ids is not None else None
        after: str | None = None
        offset = 0
        while True:
            with read_transaction(self.engine) as connection:
                if wanted is not None:
                    chunk = wanted[offset : offset + batch_size]
                    if not chunk:
                        return
                    offset += batch_size
                    rows = select_patients(connection, actor, site_id=site, patient_ids=chunk)
                else:
                    rows = select_patients(
                        connection, actor, site_id=site, after=after, limit=batch_size
                    )
                batch = load(connection, rows)
            yield batch
            if wanted is None:
                if len(rows) < batch_size:
                    return
                after = rows[-1][0]


def open_registry(
    url: str | None = None, *, upgrade: bool = True, clock: Clock = utc_now
) -> Registry:
    """A registry on ``url`` (default :func:`database_url_from_env`), migrated to head if asked."""
    engine = create_engine_for(url or database_url_from_env())
    if upgrade:
        migrate(engine)
    return Registry(engine, clock=clock)


def _pseudonym_order(engine: Engine) -> ColumnElement[str]:
    """Pseudonyms in plain character-code order on both databases (PostgreSQL would otherwise
    sort by the database's locale, where '-' may be ignored)."""
    if engine.dialect.name == "postgresql":
        return PATIENTS.c.pseudonym.collate("C")
    return PATIENTS.c.pseudonym


def _require_reason(reason: str) -> str:
    cleaned = reason.strip()
    if not cleaned:
        raise StoreError("every change needs a reason for the audit trail")
    return cleaned


def _check_type(kind: RecordKind, record: BaseModel) -> None:
    expected = MAPPINGS[kind].model
    if not isinstance(record, expected):
        raise StoreError(
            f"a {kind.value} record must be a {expected.__name__}, not {type(record).__name__}"
        )
