"""The cells and rows of the native CSV tables.

Cells are text: empty means absent, dates are ISO 8601, booleans ``true``/``false``, codes their
value, numbers as Python writes them (the shortest text that reads back to the same number). An
assessment item response may be a whole number, a decimal, a text or unanswered, so it is written
with a ``value_type`` that keeps ``3``, ``3.0`` and ``"3"`` apart.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from datetime import date
from enum import Enum, StrEnum
from typing import Any

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.patient import Site
from spsreg.domain.record import PatientRecord
from spsreg.export.native_tables import TABLES_BY_NAME, Table, TableKind

__all__ = [
    "ResponseType",
    "decode_response",
    "encode_response",
    "format_cell",
    "rows_of",
    "site_row",
]


def format_cell(value: Any) -> str:
    """The text of one cell. Empty means absent (None)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"no cell format for {type(value).__name__}")


class ResponseType(StrEnum):
    """How the ``value`` cell of an item response is to be read."""

    INTEGER = "integer"
    DECIMAL = "decimal"
    TEXT = "text"
    MISSING = "missing"  # the item was not answered (the value cell is empty)


def encode_response(value: ItemResponse) -> tuple[str, str]:
    """(value_type, value) cells for one item response."""
    if value is None:
        return ResponseType.MISSING.value, ""
    if isinstance(value, str):
        return ResponseType.TEXT.value, value
    if isinstance(value, float):
        return ResponseType.DECIMAL.value, repr(value)
    return ResponseType.INTEGER.value, str(value)


_INTEGER = re.compile(r"^[+-]?[0-9]+$")
_DECIMAL = re.compile(r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$")


def decode_response(value_type: ResponseType, text: str) -> ItemResponse:
    """The item response written as (value_type, value); ValueError with a plain reason if invalid."""
    if value_type is ResponseType.MISSING:
        if text:
            raise ValueError(f"value_type 'missing' needs an empty value (got {text!r})")
        return None
    if value_type is ResponseType.TEXT:
        return text
    if value_type is ResponseType.INTEGER:
        if not _INTEGER.match(text):
            raise ValueError(f"value_type 'integer' needs a whole number (got {text!r})")
        return int(text)
    if not _DECIMAL.match(text) or not math.isfinite(number := float(text)):
        raise ValueError(f"value_type 'decimal' needs a finite decimal number (got {text!r})")
    return number


def _children(owner: Any, attribute: str) -> tuple[Any, ...]:
    value = getattr(owner, attribute)
    return tuple(value.items()) if isinstance(value, dict) else tuple(value)


def _objects(table: Table, record: PatientRecord) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(inherited key values, object) for each row of ``table`` in the record's own order."""
    if table.kind is TableKind.PATIENT:
        yield (), record.patient
    elif table.kind is TableKind.SINGLE:
        item = getattr(record, table.attribute)
        if item is not None:
            yield (record.patient.id,), item
    elif table.parent is None:
        for item in _children(record, table.attribute):
            yield (record.patient.id,), item
    else:
        for keys, parent in _objects(TABLES_BY_NAME[table.parent], record):
            for item in _children(parent, table.attribute):
                yield (*keys, parent.id), item


def _resolve(item: Any, source: tuple[str, ...]) -> Any:
    for attribute in source:
        item = getattr(item, attribute)
    return item


def site_row(site: Site) -> list[str]:
    """The row of ``sites.csv`` for one site."""
    columns = TABLES_BY_NAME["sites"].columns
    return [format_cell(_resolve(site, column.source or ())) for column in columns]


def rows_of(table: Table, record: PatientRecord) -> Iterator[list[str]]:
    """The rows of ``table`` holding part of ``record``, cells in column order."""
    if table.kind is TableKind.SITES:
        raise ValueError("sites are not part of a patient record: use site_row")
    if table.kind is TableKind.RESPONSES:
        assert table.parent is not None
        for keys, assessment in _objects(TABLES_BY_NAME[table.parent], record):
            for item_id, value in assessment.responses.items():
                value_type, text = encode_response(value)
                yield [
                    *keys,
                    assessment.id,
                    assessment.scale_id,
                    assessment.scale_version,
                    item_id,
                    value_type,
                    text,
                ]
        return
    inherited = len(table.inherited_keys)
    for keys, item in _objects(table, record):
        cells = list(keys)
        for column in table.columns[inherited:]:
            assert column.source is not None
            cells.append(format_cell(_resolve(item, column.source)))
        yield cells
