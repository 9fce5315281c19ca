"""One cell of a REDCap records export as the value of a registry field.

Choice codes are checked against the data dictionary and translated by the mapping's ``values``;
dates must be written as REDCap's raw export writes them (``YYYY-MM-DD``; a datetime field's time
is dropped). Anything else is passed on as text for the domain model to check.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from spsreg.ingest.redcap_dictionary import DataDictionary
from spsreg.ingest.redcap_mapping import FieldMap
from spsreg.ingest.redcap_records import RedcapRow

__all__ = ["Rejected", "read_value"]


class Rejected(Exception):
    """A value that does not fit: reported at its line and REDCap field."""

    def __init__(self, line: int, field_name: str, reason: str) -> None:
        super().__init__(reason)
        self.line, self.field_name, self.reason = line, field_name, reason


def read_value(dictionary: DataDictionary, row: RedcapRow, entry: FieldMap) -> Any:
    """The registry value of ``entry`` in ``row``, None when the cell is empty; raises
    :class:`Rejected` for a code the dictionary or the mapping does not know, or a bad date."""
    raw = row.cells.get(entry.field, "")
    if not raw:
        return None
    spec = dictionary.fields[entry.field]
    if spec.coded and raw not in spec.choices:
        listed = ", ".join(f"{code} ({label})" for code, label in spec.choices.items())
        raise Rejected(
            row.line,
            entry.field,
            f"unknown choice code {raw!r}: the data dictionary lists {listed}",
        )
    if entry.values is not None:
        if raw not in entry.values:
            label = f" ({spec.choices[raw]})" if raw in spec.choices else ""
            raise Rejected(
                row.line,
                entry.field,
                f"{raw!r}{label} has no registry value in the mapping's values",
            )
        return entry.values[raw]
    if spec.is_date:
        return _date(row, entry.field, raw, spec.validation)
    return raw


def _date(row: RedcapRow, field_name: str, raw: str, validation: str) -> str:
    timed = validation.startswith("datetime") and len(raw) > 10 and raw[10] in " T"
    text = raw[:10] if timed else raw
    try:
        date.fromisoformat(text)
        valid = len(text) == 10
    except ValueError:
        valid = False
    if not valid:
        reason = f"{raw!r} is not a date written YYYY-MM-DD (REDCap's raw export)"
        raise Rejected(row.line, field_name, reason)
    return text
