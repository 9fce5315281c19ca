"""What changed since a point in the audit trail, for caches of derived data (the worklist).

Every write appends one audit entry in the same transaction, with an increasing ``sequence``
(appends are serialised, so sequences become visible in order). A cache that remembers the
sequence its data reflect asks :func:`changed_patients_since` which patients changed after it and
re-derives those only. An entry naming no patient that may still affect patient-derived data (a
site registered or changed, or a kind this module does not know) makes the change registry-wide.

:func:`patient_pseudonyms` says which of some patients are in the actor's scope now, with their
pseudonyms: a patient deleted or moved to another site since is simply absent.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Engine, select

from spsreg.store.accounts import USER_ENTITY
from spsreg.store.api_tokens import API_TOKEN_ENTITY
from spsreg.store.audit import audit_head
from spsreg.store.mapping import RecordKind
from spsreg.store.randomization import RANDOMIZATION_ENTITY
from spsreg.store.registry import PATIENT_RECORD_ENTITY, Registry
from spsreg.store.scope import Actor, site_filter
from spsreg.store.tables import AUDIT_LOG, PATIENTS
from spsreg.store.timeline_rows import scoped_patient_rows
from spsreg.store.transactions import read_transaction
from spsreg.store.trial_screening import CRITERIA_ENTITY
from spsreg.store.trials import TRIAL_ENTITY

__all__ = ["audit_sequence", "changed_patients_since", "patient_pseudonyms"]

PATIENTLESS_KINDS_WITHOUT_EFFECT = frozenset(
    {USER_ENTITY, API_TOKEN_ENTITY, TRIAL_ENTITY, CRITERIA_ENTITY, RANDOMIZATION_ENTITY}
)
"""Entries naming no patient that never change what is derived from patients' data (accounts,
tokens, trial records). Any other patient-less entry is taken as registry-wide."""

MOVING_KINDS = frozenset({RecordKind.PATIENT.value, PATIENT_RECORD_ENTITY})
"""Entries that may move a patient to another site: kept whatever site the patient is at now,
so a cache of the old site learns that the patient left."""

_CHUNK = 500


def _engine(source: Registry | Engine) -> Engine:
    return source.engine if isinstance(source, Registry) else source


def audit_sequence(source: Registry | Engine) -> int:
    """The sequence of the last audit entry (0 for an empty trail)."""
    with read_transaction(_engine(source)) as connection:
        return audit_head(connection).sequence


def changed_patients_since(
    source: Registry | Engine,
    actor: Actor,
    after_sequence: int,
    *,
    site_id: str | None = None,
) -> tuple[int, frozenset[str], bool]:
    """``(head_sequence, patient ids, registry_wide)`` for the audit entries after
    ``after_sequence``.

    Patients are limited to the actor's scope (and ``site_id`` for a cross-site actor) where
    that is safe: another site's patient is left out, but a deleted patient, or a patient whose
    own row changed (possibly moved away), is kept. ``registry_wide`` is True when an entry names
    no patient and may affect alerts (e.g. a site), or when the trail is shorter than
    ``after_sequence`` (the database was replaced).
    """
    site = site_filter(actor, site_id)
    query = (
        select(
            AUDIT_LOG.c.sequence,
            AUDIT_LOG.c.patient_id,
            AUDIT_LOG.c.entity_kind,
            PATIENTS.c.site_id,
        )
        .outerjoin(PATIENTS, PATIENTS.c.id == AUDIT_LOG.c.patient_id)
        .where(AUDIT_LOG.c.sequence > after_sequence)
        .order_by(AUDIT_LOG.c.sequence)
    )
    with read_transaction(_engine(source)) as connection:
        rows = connection.execute(query).all()
        if not rows:
            head = audit_head(connection).sequence
            return head, frozenset(), head < after_sequence
    changed: set[str] = set()
    registry_wide = False
    for _sequence, patient_id, entity_kind, patient_site in rows:
        if patient_id is None:
            registry_wide = registry_wide or entity_kind not in PATIENTLESS_KINDS_WITHOUT_EFFECT
            continue
        if actor.patient_id is not None and patient_id != actor.patient_id:
            continue
        if (
            site is None
            or patient_site is None
            or patient_site == site
            or entity_kind in MOVING_KINDS
        ):
            changed.add(patient_id)
    return int(rows[-1][0]), frozenset(changed), registry_wide


def patient_pseudonyms(
    source: Registry | Engine,
    actor: Actor,
    patient_ids: Collection[str] | None = None,
    *,
    site_id: str | None = None,
) -> dict[str, str]:
    """Patient id -> pseudonym of the patients in the actor's scope (of ``site_id`` for a
    cross-site actor; only ``patient_ids`` when given). Ids out of scope or gone are absent."""
    site = site_filter(actor, site_id)
    columns = (PATIENTS.c.id, PATIENTS.c.pseudonym)
    found: dict[str, str] = {}
    with read_transaction(_engine(source)) as connection:
        if patient_ids is None:
            rows = scoped_patient_rows(connection, actor, site_id=site, columns=columns)
            return {str(row[0]): str(row[1]) for row in rows}
        wanted = sorted(set(patient_ids))
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = scoped_patient_rows(
                connection, actor, site_id=site, patient_ids=chunk, columns=columns
            )
            found.update((str(row[0]), str(row[1])) for row in rows)
    return found
