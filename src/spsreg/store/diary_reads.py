"""A patient's diary entries with their row versions, read in one scoped query.

The diary pages and the diary API need the entries of a window of days together with the versions
that a replacement must name; loading the whole record (and a ``get`` per entry for its version)
would cost a query per entry. Diary entries hold no identifiers, so these reads are not
access-logged. A patient outside the actor's scope raises :class:`NotFoundError`.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from spsreg.domain import DiaryEntry
from spsreg.store.edits import Versioned, scoped_patient
from spsreg.store.mapping import MAPPINGS, RecordKind
from spsreg.store.scope import Actor
from spsreg.store.transactions import read_transaction

if TYPE_CHECKING:
    from spsreg.store.registry import Registry

__all__ = ["diary_entry_on", "list_diary_entries", "recent_diary_rows"]

DiaryRow = tuple[str, date, int | None, int | None]
"""(patient, day, stiffness, spasm count): the analysis rows' diary columns."""


def list_diary_entries(
    registry: Registry,
    actor: Actor,
    patient_id: str,
    *,
    date_from: date | None = None,
    date_to: date | None = None,
    latest: int | None = None,
) -> list[Versioned[DiaryEntry]]:
    """The patient's entries from ``date_from`` to ``date_to`` inclusive (None: unbounded), oldest
    first; with ``latest`` only the newest ``latest`` of them."""
    if latest is not None and latest < 1:
        raise ValueError("latest must be at least 1")
    mapping = MAPPINGS[RecordKind.DIARY_ENTRIES]
    table = mapping.table
    query = select(table).where(table.c.patient_id == patient_id)
    if date_from is not None:
        query = query.where(table.c.entry_date >= date_from)
    if date_to is not None:
        query = query.where(table.c.entry_date <= date_to)
    query = query.order_by(table.c.entry_date.desc())
    if latest is not None:
        query = query.limit(latest)
    with read_transaction(registry.engine) as connection:
        scoped_patient(connection, actor, patient_id)
        rows = connection.execute(query).mappings().all()
    entries = [
        Versioned(mapping.unflatten(row), int(row["row_version"]), patient_id) for row in rows
    ]
    entries.reverse()
    return entries


def diary_entry_on(
    registry: Registry, actor: Actor, patient_id: str, day: date
) -> Versioned[DiaryEntry] | None:
    """The patient's entry of ``day`` (whatever its id), or None when that day has none."""
    found = list_diary_entries(registry, actor, patient_id, date_from=day, date_to=day)
    return found[0] if found else None


def recent_diary_rows(
    registry: Registry, actor: Actor, patient_id: str, first: date, last: date
) -> tuple[list[DiaryRow], date | None]:
    """The patient's diary rows from ``first`` to ``last`` (oldest first) and the day of their
    latest entry on or before ``last`` (None: none), read in one scoped transaction: a summary of
    the recent weeks need not read years of entries."""
    table = MAPPINGS[RecordKind.DIARY_ENTRIES].table
    with read_transaction(registry.engine) as connection:
        scoped_patient(connection, actor, patient_id)
        rows: list[DiaryRow] = [
            (str(row[0]), row[1], row[2], row[3])
            for row in connection.execute(
                select(
                    table.c.patient_id, table.c.entry_date, table.c.stiffness, table.c.spasm_count
                )
                .where(
                    table.c.patient_id == patient_id,
                    table.c.entry_date >= first,
                    table.c.entry_date <= last,
                )
                .order_by(table.c.entry_date)
            )
        ]
        if rows:
            return rows, rows[-1][1]
        latest = connection.execute(
            select(func.max(table.c.entry_date)).where(
                table.c.patient_id == patient_id, table.c.entry_date <= last
            )
        ).scalar()
    return rows, latest
