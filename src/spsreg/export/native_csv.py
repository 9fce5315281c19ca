"""Writer of the native CSV tables, version 1: a directory of long, tidy tables.

The directory holds ``manifest.json`` (format, version, tables and their row counts),
``data_dictionary.csv``, ``sites.csv``, ``patients.csv`` and one table per record section (see
:mod:`spsreg.export.native_tables`). Records are written one at a time, every table's rows as the
record is met, so memory stays bounded; output is deterministic (rows in the order given, columns
fixed by the dictionary, UTF-8 without BOM). Rows end in CRLF as RFC 4180 asks: Python's CSV
writer quotes a cell holding a line-break character only when that character is part of the row
ending, so CRLF endings are what keep a stray carriage return inside a text cell intact.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spsreg.domain.patient import Site
from spsreg.domain.record import PatientRecord
from spsreg.export.data_dictionary import (
    DATA_DICTIONARY_FILE,
    DATA_DICTIONARY_HEADER,
    data_dictionary_rows,
)
from spsreg.export.native_cells import rows_of, site_row
from spsreg.export.native_format import CSV_FORMAT_NAME, FORMAT_VERSION
from spsreg.export.native_tables import TABLES, TableKind

__all__ = ["MANIFEST_FILE", "CsvExportSummary", "manifest_text", "write_native_csv"]

MANIFEST_FILE = "manifest.json"


@dataclass(frozen=True)
class CsvExportSummary:
    """What was written: the directory, the number of patient records and rows per table file."""

    directory: Path
    records: int
    rows: dict[str, int]


def _open_csv(stack: ExitStack, path: Path) -> Any:
    handle = stack.enter_context(path.open("w", encoding="utf-8", newline=""))
    return csv.writer(handle, lineterminator="\r\n")


def manifest_text(rows: dict[str, int]) -> str:
    """The manifest naming the format, its version and each table with its row count.

    Laid out one table per line so that a person editing a table can find and correct its count.
    """
    tables = ",\n".join(
        f'    {{"file": {json.dumps(table.file)}, "rows": {rows[table.file]}}}' for table in TABLES
    )
    return (
        "{\n"
        f'  "format": {json.dumps(CSV_FORMAT_NAME)},\n'
        f'  "format_version": {FORMAT_VERSION},\n'
        f'  "data_dictionary": {json.dumps(DATA_DICTIONARY_FILE)},\n'
        f'  "tables": [\n{tables}\n  ]\n'
        "}\n"
    )


def write_native_csv(
    directory: Path, sites: Iterable[Site], records: Iterable[PatientRecord]
) -> CsvExportSummary:
    """Write the tables into ``directory`` (created if needed; earlier tables are replaced).

    The manifest is removed first and written last, so an interrupted export is never mistaken
    for a complete one: the reader refuses a directory without a manifest.
    """
    directory.mkdir(parents=True, exist_ok=True)
    (directory / MANIFEST_FILE).unlink(missing_ok=True)
    rows = {table.file: 0 for table in TABLES}
    count = 0
    with ExitStack() as stack:
        writers = {table.name: _open_csv(stack, directory / table.file) for table in TABLES}
        for table in TABLES:
            writers[table.name].writerow(table.header)
        for site in sites:
            writers["sites"].writerow(site_row(site))
            rows["sites.csv"] += 1
        record_tables = [table for table in TABLES if table.kind is not TableKind.SITES]
        for record in records:
            for table in record_tables:
                for row in rows_of(table, record):
                    writers[table.name].writerow(row)
                    rows[table.file] += 1
            count += 1
    with ExitStack() as stack:
        writer = _open_csv(stack, directory / DATA_DICTIONARY_FILE)
        writer.writerow(DATA_DICTIONARY_HEADER)
        writer.writerows(data_dictionary_rows())
    with (directory / MANIFEST_FILE).open("w", encoding="utf-8", newline="\n") as handle:
        handle.write(manifest_text(rows))
    return CsvExportSummary(directory, count, rows)
