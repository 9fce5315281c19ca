"""Concealed randomization lists and audited allocation.

A trial's list is generated whole at setup (by the caller, from a secret seed; see
:mod:`spsreg.trials.randomization`) and stored here: the scheme and seed in ``randomization_lists``,
every entry in ``allocations``. What keeps the list concealed:

* **No read of unused entries.** No function here (nor any :class:`~spsreg.store.registry.Registry`
  method or command) returns an entry that no patient has taken, the seed, or the block structure
  of the entries. Setting up returns only the scheme, the number of strata and entries and a
  commitment (SHA-256 of seed and list); reading allocations returns used entries only.
* **Allocation reveals exactly the next entry of the patient's stratum**, in one write transaction:
  the entry with the lowest unused sequence number is taken by a conditional update (``patient_id
  IS NULL``; a lost race is a :class:`ConflictError`, never a shared entry), with one audit entry
  (entity kind ``allocation``, the patient, who and when, stratum, sequence number, treatment).
  Write transactions are serialised besides (see :mod:`spsreg.store.transactions`), so concurrent
  allocations queue; each patient takes at most one entry per trial (a unique key).
* **Who**: only an administrator creates a list, and once created it can never be replaced (a
  re-draw until a liked list appears is impossible through the store). Allocation is for staff of
  the patient's site (clinician, coordinator) or an administrator, for an **enrolled** patient in
  their scope; researchers, patients and the system are refused.

Limits, stated plainly: anyone with SQL access to the database (a database administrator, a
backup) can read ``allocations`` and ``randomization_lists`` and so the whole list ahead. The store
protects the list from the application's users, not from the database's operators; separate those
roles, restrict database access and backups, and use the setup commitment (``list_digest``, also in
the audit trail) to show later that the list was not changed. Permuted blocks are predictable at
the end of a block for someone who knows the block sizes and the earlier allocations of the
stratum; random block sizes (never shown to site users) reduce that.
"""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Select, func, select

from spsreg.domain.patient import Sex
from spsreg.knowledge.vocabulary import Phenotype
from spsreg.store.audit import AuditAction, canonical_json
from spsreg.store.edits import scoped_patient
from spsreg.store.errors import ConflictError, NotFoundError, ScopeError
from spsreg.store.mapping import Row
from spsreg.store.scope import Actor, Role, patient_scope
from spsreg.store.tables import ALLOCATIONS, PATIENTS, RANDOMIZATION_LISTS, TRIAL_ENROLMENTS
from spsreg.store.transactions import WriteTransaction
from spsreg.store.trials import load_trial

__all__ = [
    "ALLOCATING_ROLES",
    "ALLOCATION_ENTITY",
    "NOT_RECORDED",
    "RANDOMIZATION_ENTITY",
    "STRATIFICATION_FACTORS",
    "Allocation",
    "ListEntry",
    "RandomizationSetup",
    "allocate_patient",
    "create_list",
    "load_allocations",
    "patient_stratum",
    "require_may_allocate",
    "strata_for",
]

RANDOMIZATION_ENTITY = "randomization_list"
ALLOCATION_ENTITY = "allocation"
ALLOCATING_ROLES = frozenset({Role.ADMIN, Role.CLINICIAN, Role.COORDINATOR})
STRATIFICATION_FACTORS = ("site", "phenotype", "sex")
"""What a list may be stratified by: the patient's site, phenotype and recorded sex."""
NOT_RECORDED = "not_recorded"
"""The stratum value of a patient whose phenotype is not recorded."""
WHOLE_TRIAL = "all"
"""The one stratum of an unstratified list."""


@dataclass(frozen=True)
class ListEntry:
    """One generated entry, as the setup stores it (never read back for anyone)."""

    stratum: str
    sequence: int
    block: int
    block_size: int
    treatment: str


@dataclass(frozen=True)
class RandomizationSetup:
    """What setting up a list tells: the scheme and sizes and a commitment, no entry."""

    nct_id: str
    scheme: dict[str, Any]
    strata: int
    entries: int
    list_digest: str
    created_by: str
    created_at: datetime


@dataclass(frozen=True)
class Allocation:
    """A used entry: the patient, the stratum, the entry's sequence number there and treatment."""

    nct_id: str
    patient_id: str
    stratum: str
    sequence: int
    treatment: str
    allocated_at: datetime
    allocated_by: str
    already_allocated: bool = False

    def to_document(self) -> dict[str, Any]:
        document = asdict(self)
        document["allocated_at"] = self.allocated_at.isoformat()
        del document["already_allocated"]
        return document


def _factor_values(factor: str, site_ids: Sequence[str]) -> list[str]:
    if factor == "site":
        return list(site_ids)
    if factor == "phenotype":
        return [phenotype.value for phenotype in Phenotype] + [NOT_RECORDED]
    if factor == "sex":
        return [sex.value for sex in Sex]
    raise ValueError(
        f"cannot stratify by {factor!r}: choose from {', '.join(STRATIFICATION_FACTORS)}"
    )


def strata_for(factors: Sequence[str], site_ids: Sequence[str]) -> list[str]:
    """Every stratum key of the factors (``site=SITE-A;phenotype=classic``), in a fixed order."""
    if len(set(factors)) != len(factors):
        raise ValueError("a stratification factor is named twice")
    if not factors:
        return [WHOLE_TRIAL]
    values = [_factor_values(factor, site_ids) for factor in factors]
    return [
        ";".join(f"{factor}={value}" for factor, value in zip(factors, combination, strict=True))
        for combination in itertools.product(*values)
    ]


def patient_stratum(factors: Sequence[str], patient: Row) -> str:
    """The stratum key of a ``patients`` row."""
    if not factors:
        return WHOLE_TRIAL
    values = {
        "site": patient["site_id"],
        "phenotype": patient["phenotype"] or NOT_RECORDED,
        "sex": patient["sex"],
    }
    return ";".join(f"{factor}={values[factor]}" for factor in factors)


def require_may_allocate(actor: Actor) -> None:
    if actor.role not in ALLOCATING_ROLES:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) cannot allocate patients: only staff of the "
            "patient's site or an administrator can"
        )


def create_list(
    tx: WriteTransaction,
    nct_id: str,
    scheme: dict[str, Any],
    entries: Sequence[ListEntry],
    seed: bytes,
    reason: str,
) -> RandomizationSetup:
    """Store a trial's whole list (administrator only, once per trial)."""
    connection, actor = tx.connection, tx.actor
    if actor.role is not Role.ADMIN:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) cannot set up randomization: only an "
            "administrator can"
        )
    load_trial(connection, nct_id)
    if connection.execute(
        select(RANDOMIZATION_LISTS.c.nct_id).where(RANDOMIZATION_LISTS.c.nct_id == nct_id)
    ).first():
        raise ConflictError(
            f"trial {nct_id} already has a randomization list: a list is never replaced"
        )
    if not entries:
        raise ValueError("a randomization list needs entries")
    digest = hashlib.sha256(
        seed.hex().encode("ascii") + canonical_json([asdict(e) for e in entries]).encode("utf-8")
    ).hexdigest()
    created_at = datetime.fromisoformat(tx.recorded_at.replace("Z", "+00:00"))
    connection.execute(
        RANDOMIZATION_LISTS.insert(),
        [
            {
                "nct_id": nct_id,
                "scheme": canonical_json(scheme),
                "seed": seed.hex(),
                "list_digest": digest,
                "created_by": actor.user,
                "created_at": created_at,
                "row_version": tx.version,
            }
        ],
    )
    connection.execute(
        ALLOCATIONS.insert(),
        [{**asdict(e), "nct_id": nct_id, "row_version": tx.version} for e in entries],
    )
    setup = RandomizationSetup(
        nct_id,
        scheme,
        len({e.stratum for e in entries}),
        len(entries),
        digest,
        actor.user,
        created_at,
    )
    tx.audit(
        AuditAction.CREATE,
        entity_kind=RANDOMIZATION_ENTITY,
        entity_id=nct_id,
        patient_id=None,
        before=None,
        after=canonical_json(
            {
                "scheme": scheme,
                "strata": setup.strata,
                "entries": setup.entries,
                "list_digest": digest,
            }
        ),
        reason=reason,
    )
    return setup


def allocate_patient(tx: WriteTransaction, nct_id: str, patient_id: str, reason: str) -> Allocation:
    """Give an enrolled patient the next unused entry of their stratum (or their own entry again,
    ``already_allocated``, without a new audit entry)."""
    connection, actor = tx.connection, tx.actor
    require_may_allocate(actor)
    patient = scoped_patient(connection, actor, patient_id)
    actor.may_write_at(patient["site_id"])
    status = connection.execute(
        select(TRIAL_ENROLMENTS.c.status).where(
            TRIAL_ENROLMENTS.c.nct_id == nct_id, TRIAL_ENROLMENTS.c.patient_id == patient_id
        )
    ).scalar()
    if status != "enrolled":
        raise ConflictError(
            f"patient {patient_id} is not enrolled in trial {nct_id}"
            + ("" if status is None else f" (status {status})")
            + ": only enrolled patients are randomized"
        )
    scheme = connection.execute(
        select(RANDOMIZATION_LISTS.c.scheme).where(RANDOMIZATION_LISTS.c.nct_id == nct_id)
    ).scalar()
    if scheme is None:
        raise NotFoundError(
            f"trial {nct_id} has no randomization list: an administrator sets it up"
        )
    used = _used(nct_id).where(ALLOCATIONS.c.patient_id == patient_id)
    existing = connection.execute(used).mappings().first()
    if existing is not None:
        return _allocation(existing, already_allocated=True)
    stratum = patient_stratum(scheme["factors"], patient)
    unused = (ALLOCATIONS.c.nct_id == nct_id, ALLOCATIONS.c.stratum == stratum)
    sequence = connection.execute(
        select(func.min(ALLOCATIONS.c.sequence)).where(*unused, ALLOCATIONS.c.patient_id.is_(None))
    ).scalar()
    if sequence is None:
        raise ConflictError(
            f"the randomization list of trial {nct_id} has no unused entry for stratum {stratum} "
            "(used up, or a site registered after the list was set up)"
        )
    allocated_at = datetime.fromisoformat(tx.recorded_at.replace("Z", "+00:00"))
    taken = connection.execute(
        ALLOCATIONS.update()
        .where(*unused, ALLOCATIONS.c.sequence == sequence, ALLOCATIONS.c.patient_id.is_(None))
        .values(
            patient_id=patient_id,
            allocated_at=allocated_at,
            allocated_by=actor.user,
            row_version=tx.version,
        )
    )
    if taken.rowcount != 1:
        raise ConflictError("the entry was taken by a concurrent allocation: allocate again")
    row = connection.execute(used).mappings().one()
    allocation = _allocation(row)
    tx.audit(
        AuditAction.CREATE,
        entity_kind=ALLOCATION_ENTITY,
        entity_id=nct_id,
        patient_id=patient_id,
        before=None,
        after=canonical_json(allocation.to_document()),
        reason=reason,
    )
    return allocation


def load_allocations(connection: Connection, actor: Actor, nct_id: str) -> list[Allocation]:
    """The used entries of ``nct_id`` whose patients are in ``actor``'s scope, in the order they
    were allocated; unused entries are never read."""
    require_may_allocate(actor)
    query = (
        _used(nct_id)
        .join(PATIENTS, PATIENTS.c.id == ALLOCATIONS.c.patient_id)
        .where(patient_scope(actor))
        .order_by(ALLOCATIONS.c.row_version, ALLOCATIONS.c.stratum, ALLOCATIONS.c.sequence)
    )
    return [_allocation(row) for row in connection.execute(query).mappings()]


def _used(nct_id: str) -> Select[Any]:
    """The columns of used entries only (never ``block`` or ``block_size``)."""
    return select(
        ALLOCATIONS.c.nct_id,
        ALLOCATIONS.c.patient_id,
        ALLOCATIONS.c.stratum,
        ALLOCATIONS.c.sequence,
        ALLOCATIONS.c.treatment,
        ALLOCATIONS.c.allocated_at,
        ALLOCATIONS.c.allocated_by,
    ).where(ALLOCATIONS.c.nct_id == nct_id, ALLOCATIONS.c.patient_id.is_not(None))


def _allocation(row: Row, *, already_allocated: bool = False) -> Allocation:
    moment = row["allocated_at"]
    if moment.tzinfo is None:  # SQLite returns the stored UTC wall time without a zone
        moment = moment.replace(tzinfo=UTC)
    return Allocation(
        nct_id=row["nct_id"],
        patient_id=row["patient_id"],
        stratum=row["stratum"],
        sequence=int(row["sequence"]),
        treatment=row["treatment"],
        allocated_at=moment,
        allocated_by=row["allocated_by"],
        already_allocated=already_allocated,
    )
