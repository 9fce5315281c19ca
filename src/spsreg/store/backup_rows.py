"""Registry rows in a backend-independent canonical form: backup files and the content hash.

Every table of :data:`~spsreg.store.tables.metadata` is read in dependency order, its rows in
primary-key order (plain character-code order for text keys on both databases), and each row is
written as one line of canonical JSON (sorted keys, no spaces) with its values encoded by column
type:

* dates as ``YYYY-MM-DD``; timestamps in UTC with their offset (``2025-06-01T09:00:00+00:00``;
  SQLite stores the UTC wall time without a zone, PostgreSQL returns the session's zone);
* JSON columns as the JSON value itself (restored as compact JSON text: equal as values, not
  necessarily byte for byte);
* floating-point columns as JSON numbers (``NaN`` and infinities as the strings ``"NaN"``,
  ``"Infinity"`` and ``"-Infinity"``), binary columns as base64 text, the rest as they are.

The same lines are the lines of a logical backup file and the input of :func:`content_hash`, so
SQLite and PostgreSQL holding the same registry give the same hash.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    LargeBinary,
    String,
    select,
)
from sqlalchemy import Table as SqlTable
from sqlalchemy.sql.elements import ColumnElement

from spsreg.store.audit import canonical_json
from spsreg.store.config import read_only
from spsreg.store.tables import JSONText, metadata

__all__ = [
    "ContentDigest",
    "content_hash",
    "decode_row",
    "encode_row",
    "iter_encoded_lines",
    "registry_tables",
    "scan_content",
]

_BATCH = 1000
_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def registry_tables() -> list[SqlTable]:
    """Every registry table, parents before children (the order of backups and the hash)."""
    return list(metadata.sorted_tables)


def _encode_value(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, JSON | JSONText):
        return value
    if isinstance(kind, DateTime):
        moment: datetime = value
        utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return utc.isoformat()
    if isinstance(kind, Date):
        day: date = value
        return day.isoformat()
    if isinstance(kind, Float):
        number = float(value)
        if math.isfinite(number):
            return number
        return "NaN" if math.isnan(number) else ("Infinity" if number > 0 else "-Infinity")
    if isinstance(kind, LargeBinary):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _decode_value(column: Column[Any], value: Any) -> Any:
    if value is None:
        return None
    kind = column.type
    if isinstance(kind, JSONText):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    if isinstance(kind, JSON):
        return value
    if isinstance(kind, DateTime):
        return datetime.fromisoformat(value).astimezone(UTC)
    if isinstance(kind, Date):
        return date.fromisoformat(value)
    if isinstance(kind, Float):
        return _NON_FINITE[value] if isinstance(value, str) else float(value)
    if isinstance(kind, LargeBinary):
        return base64.b64decode(value.encode("ascii"), validate=True)
    return value


def encode_row(table: SqlTable, row: Mapping[Any, Any]) -> str:
    """One stored row as its canonical JSON line (without the newline)."""
    return canonical_json(
        {column.name: _encode_value(column, row[column.name]) for column in table.c}
    )


def decode_row(table: SqlTable, line: str) -> dict[str, Any]:
    """The insert parameters of a canonical line; refuses a line whose columns do not fit."""
    values = json.loads(line)
    if not isinstance(values, dict) or set(values) != set(table.c.keys()):
        raise ValueError(f"a row of {table.name} does not have the columns of that table")
    return {column.name: _decode_value(column, values[column.name]) for column in table.c}


def _primary_key_order(connection: Connection, table: SqlTable) -> list[ColumnElement[Any]]:
    order: list[ColumnElement[Any]] = []
    for column in table.primary_key.columns:
        if connection.dialect.name == "postgresql" and isinstance(column.type, String):
            order.append(column.collate("C"))  # byte order, as SQLite sorts text
        else:
            order.append(column)
    return order


def iter_encoded_lines(connection: Connection, table: SqlTable) -> Iterator[str]:
    """The rows of ``table`` as canonical lines in primary-key order (streamed in batches)."""
    query = (
        select(table)
        .order_by(*_primary_key_order(connection, table))
        .execution_options(yield_per=_BATCH)
    )
    for row in connection.execute(query).mappings():
        yield encode_row(table, row)


class ContentDigest:
    """The content hash being computed: feed it tables in order and their lines in order."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()
        self.row_counts: dict[str, int] = {}

    def start_table(self, name: str) -> None:
        self._hash.update(f"table {name}\n".encode())
        self.row_counts[name] = 0

    def add_line(self, name: str, line: str) -> None:
        self._hash.update(line.encode("utf-8") + b"\n")
        self.row_counts[name] += 1

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def scan_content(connection: Connection) -> ContentDigest:
    """Row counts and content hash of the registry seen by ``connection`` (one pass)."""
    digest = ContentDigest()
    for table in registry_tables():
        digest.start_table(table.name)
        for line in iter_encoded_lines(connection, table):
            digest.add_line(table.name, line)
    return digest


def content_hash(engine: Engine) -> str:
    """SHA-256 (hex) of the whole registry in canonical form, read as one consistent snapshot.

    Backend-independent: the same data on SQLite and PostgreSQL give the same hash; a change to
    any stored value, an added or a removed row changes it.
    """
    with engine.connect() as connection:
        reader = read_only(connection)
        with reader.begin():
            return scan_content(reader).hexdigest()
