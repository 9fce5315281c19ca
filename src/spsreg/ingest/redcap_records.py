"""The rows of a REDCap records export, grouped by record (patient).

A flat (classic) project has one row per record. A longitudinal project has one row per record
and event (``redcap_event_name``); a repeating instrument or event adds rows numbered by
``redcap_repeat_instrument`` and ``redcap_repeat_instance``. All rows of one record belong to one
patient, who is imported whole or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from hashlib import sha256

from spsreg.domain.base import RecordId
from spsreg.ingest.errors import RecordError
from spsreg.ingest.redcap_csv import CsvTable

__all__ = [
    "EVENT",
    "REPEAT_INSTANCE",
    "REPEAT_INSTRUMENT",
    "SYSTEM_COLUMNS",
    "RedcapRow",
    "group_rows",
    "patient_id_for",
    "pseudonym_for",
    "stable_id",
]

EVENT = "redcap_event_name"
REPEAT_INSTRUMENT = "redcap_repeat_instrument"
REPEAT_INSTANCE = "redcap_repeat_instance"
SYSTEM_COLUMNS = frozenset({EVENT, REPEAT_INSTRUMENT, REPEAT_INSTANCE})
"""Columns that place a row (event, repeat); they are read, never reported as unmapped."""

_ID_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-")


@dataclass(frozen=True)
class RedcapRow:
    """One row of the export: its line, record, event, repeating instrument and instance."""

    line: int
    event: str | None
    instrument: str | None  # the repeating instrument, None for a non-repeating row
    instance: int | None
    cells: dict[str, str]


@dataclass
class RecordRows:
    """The rows of one REDCap record, and the problems that already reject it."""

    record: str
    line: int
    rows: list[RedcapRow]
    problems: list[tuple[int, str, str]]  # (line, column, reason)


def _valid_id(text: str) -> bool:
    return 0 < len(text) <= 64 and text[0].isalnum() and set(text) <= _ID_CHARACTERS


def _digest(*parts: str) -> str:
    return sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def patient_id_for(site_id: str, record: str) -> RecordId:
    """The registry id of REDCap record ``record`` at ``site_id``: ``rc-<site>-<record>``, or a
    digest of both when that is not a valid id (the same record always gets the same id)."""
    readable = f"rc-{site_id}-{record}"
    return readable if _valid_id(readable) else f"rc-{_digest(site_id, record)[:32]}"


def pseudonym_for(site_id: str, record: str) -> str:
    """A registry pseudonym derived from site and record alone (stable across re-imports)."""
    return "RC-" + _digest("pseudonym", site_id, record)[:12].upper()


def stable_id(patient_id: str, *parts: str | int | None) -> RecordId:
    """A record id from the patient id and where the record came from (section, event,
    instrument, instance): re-importing the same export gives the same ids."""
    shown = [str(part) for part in parts if part is not None]
    readable = "-".join([patient_id, *shown])
    return readable if _valid_id(readable) else f"rc-{_digest(patient_id, *shown)[:40]}"


def group_rows(table: CsvTable, record_field: str) -> tuple[list[RecordRows], list[RecordError]]:
    """The export's rows grouped by record in file order, and rows that name no record."""
    records: dict[str, RecordRows] = {}
    orphans: list[RecordError] = []
    seen: dict[tuple[str, str | None, str | None, int | None], int] = {}
    for row in table.rows:
        record = row.cells.get(record_field, "")
        if not record:
            orphans.append(
                RecordError(
                    table.file,
                    row.line,
                    record_field,
                    f"{record_field} is empty: the row belongs to no record",
                )
            )
            continue
        group = records.setdefault(record, RecordRows(record, row.line, [], []))
        if row.problem is not None:
            group.problems.append((row.line, "-", row.problem))
            continue
        event = row.cells.get(EVENT) or None
        instrument = row.cells.get(REPEAT_INSTRUMENT) or None
        instance_text = row.cells.get(REPEAT_INSTANCE, "")
        instance: int | None = None
        if instance_text:
            if not instance_text.isdigit() or int(instance_text) < 1:
                group.problems.append(
                    (
                        row.line,
                        REPEAT_INSTANCE,
                        f"{instance_text!r} is not a repeat instance number (1, 2, ...)",
                    )
                )
                continue
            instance = int(instance_text)
        elif instrument is not None:
            group.problems.append(
                (row.line, REPEAT_INSTANCE, "a repeating instrument row needs its instance number")
            )
            continue
        key = (record, event, instrument, instance)
        if key in seen:
            group.problems.append(
                (row.line, "-", f"the same record, event and instance is on line {seen[key]} too")
            )
            continue
        seen[key] = row.line
        group.rows.append(RedcapRow(row.line, event, instrument, instance, row.cells))
    return list(records.values()), orphans
