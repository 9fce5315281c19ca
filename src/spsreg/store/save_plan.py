"""Deciding a whole-record save: the one place where ``on_existing`` is interpreted.

Both :meth:`Registry.save_patient_record` and its dry run :meth:`Registry.check_save` call
:func:`plan_save`, so a batch checked in advance meets exactly the rules of the real save.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import Connection, select

from spsreg.domain import PatientRecord
from spsreg.store.edits import require_site
from spsreg.store.errors import ConflictError
from spsreg.store.records import differing_sections, load_records, rebuild
from spsreg.store.scope import Actor
from spsreg.store.tables import PATIENTS

__all__ = ["OnExisting", "SavePlan", "SaveStatus", "plan_save"]


class OnExisting(StrEnum):
    """What to do when a saved record's patient id is already stored.

    * ``reject``: refuse (:class:`ConflictError`), even when the content is identical; for entry
      of new patients, where meeting an existing id means a mistake.
    * ``skip_identical``: identical content is ``unchanged``; different content is refused, naming
      the sections that differ; for re-running an import safely.
    * ``replace``: different content replaces the stored record in one transaction; identical
      content is ``unchanged``.
    """

    REJECT = "reject"
    REPLACE = "replace"
    SKIP_IDENTICAL = "skip_identical"


class SaveStatus(StrEnum):
    CREATED = "created"
    REPLACED = "replaced"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class SavePlan:
    """What saving a whole record will do: the one place where on_existing is decided."""

    status: SaveStatus
    incoming: PatientRecord
    existing: PatientRecord | None = None
    changed: tuple[str, ...] = ()


def plan_save(
    connection: Connection, actor: Actor, record: PatientRecord, mode: OnExisting
) -> SavePlan:
    """Decide a whole-record save, raising what refuses it (site, scope, on_existing)."""
    patient_id = record.patient.id
    require_site(connection, record.patient.site_id)
    existing_row = (
        connection.execute(select(PATIENTS).where(PATIENTS.c.id == patient_id)).mappings().first()
    )
    if existing_row is None:
        return SavePlan(SaveStatus.CREATED, record)
    if not actor.sees_patient(patient_id, existing_row["site_id"]):
        raise ConflictError(f"patient id {patient_id} is already in use")
    existing = load_records(connection, [existing_row], with_identifiers={patient_id})[0]
    incoming = record
    if record.identifiers is None and not actor.sees_identifiers_of(existing_row["site_id"]):
        # An actor who cannot see the identifiers cannot erase them by leaving them out.
        incoming = rebuild(record, identifiers=existing.identifiers)
    changed = tuple(differing_sections(existing, incoming))
    if mode is OnExisting.REJECT:
        content = f"with different {', '.join(changed)}" if changed else "with identical content"
        raise ConflictError(
            f"patient {patient_id} is already stored ({content}); on_existing='reject' "
            "refuses existing patients: use 'skip_identical' to accept an identical "
            "re-import or 'replace' to overwrite"
        )
    if not changed:
        return SavePlan(SaveStatus.UNCHANGED, incoming, existing)
    if mode is OnExisting.SKIP_IDENTICAL:
        raise ConflictError(
            f"patient {patient_id} is already stored with different content in: "
            f"{', '.join(changed)}; nothing was saved (use on_existing='replace' to overwrite)"
        )
    return SavePlan(SaveStatus.REPLACED, incoming, existing, changed)
