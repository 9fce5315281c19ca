"""Reading the CSV files of a REDCap project (records export, data dictionary) into rows.

REDCap writes UTF-8 CSV (often with a byte-order mark) with a header row of column names. A file
that is not UTF-8 or not CSV, or has no header, cannot be interpreted at all: those problems are
returned as file errors. A row with the wrong number of cells is kept, marked with its problem,
so that it can still be given to its patient (whose import it then rejects).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from spsreg.ingest.csv_files import CsvRow, CsvSyntaxError, data_rows
from spsreg.ingest.errors import WHOLE_LINE, RecordError

__all__ = ["CsvTable", "read_csv_table"]


@dataclass(frozen=True)
class CsvTable:
    file: str
    header: tuple[str, ...]
    rows: tuple[CsvRow, ...]


def read_csv_table(path: Path, what: str) -> CsvTable | list[RecordError]:
    """The header and rows of ``path``, or the problems that make it unreadable as CSV.

    ``what`` names the file in messages ("records export", "data dictionary"). Raises
    :class:`OSError` only when the file cannot be read at all.
    """
    file = str(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        reason = (
            f"the {what} is not valid UTF-8 (byte 0x{data[exc.start]:02x}); export it again as CSV"
        )
        return [RecordError(file, line, WHOLE_LINE, reason)]
    if "\x00" in text:
        line = text.count("\n", 0, text.index("\x00")) + 1
        return [RecordError(file, line, WHOLE_LINE, f"the {what} holds a NUL character: not CSV")]
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header_row = next(reader, None)
    except csv.Error as exc:
        return [
            RecordError(
                file, 1, WHOLE_LINE, f"the header row of the {what} is not valid CSV: {exc}"
            )
        ]
    if header_row is None or not any(cell.strip() for cell in header_row):
        return [
            RecordError(
                file, 1, WHOLE_LINE, f"the {what} is empty: the first row must name the columns"
            )
        ]
    header = tuple(cell.strip() for cell in header_row)
    seen: set[str] = set()
    problems = []
    for name in header:
        if name in seen:
            problems.append(RecordError(file, 1, name or WHOLE_LINE, "the column appears twice"))
        seen.add(name)
    if problems:
        return problems
    try:
        rows = tuple(data_rows(reader, header))
    except CsvSyntaxError as exc:
        return [RecordError(file, exc.line, WHOLE_LINE, f"the {what} is not valid CSV: {exc}")]
    return CsvTable(file, header, rows)
