"""The files of a native CSV directory: its manifest and each table's header and rows.

Everything here is about the layout of the directory, not about patients: a problem found here
(a missing or unlisted table, an unknown or missing column, text that is not UTF-8 or not CSV, a
row count that disagrees with the manifest) means the directory as a whole cannot be trusted, so
the reader rejects it before looking at any patient.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from spsreg.export.data_dictionary import DATA_DICTIONARY_FILE, data_dictionary
from spsreg.export.native_csv import MANIFEST_FILE
from spsreg.export.native_format import (
    CSV_FORMAT_NAME,
    SUPPORTED_FORMAT_VERSIONS,
    supported_versions_text,
)
from spsreg.export.native_tables import TABLES, Table
from spsreg.ingest.errors import WHOLE_LINE, RecordError
from spsreg.ingest.strict_json import BadJson, json_kind, load_json

__all__ = [
    "CsvRow",
    "CsvSyntaxError",
    "Manifest",
    "TableText",
    "data_rows",
    "read_manifest",
    "read_table",
    "unlisted_tables",
    "unreadable",
]

_TABLES_BY_FILE = {table.file: table for table in TABLES}
_MANIFEST_KEYS = ("format", "format_version", "tables", "data_dictionary")
_REQUIRED_COLUMNS: dict[str, frozenset[str]] = {
    table.file: frozenset(
        entry.column for entry in data_dictionary() if entry.table == table.file and entry.required
    )
    for table in TABLES
}


def unreadable(path: Path, exc: OSError) -> OSError:
    """The same kind of OSError, saying which native file could not be read."""
    if exc.errno is None:
        return OSError(f"cannot read the native CSV file {path}: {exc}")
    return type(exc)(exc.errno, f"cannot read the native CSV file: {exc.strerror}", str(path))


@dataclass(frozen=True)
class Manifest:
    format_version: int
    rows: dict[str, int | None]  # listed table file -> row count given in the manifest, if any


def _manifest_problem(path: Path, reason: str, field: str = WHOLE_LINE) -> list[RecordError]:
    return [RecordError(str(path), 1, field, reason)]


def read_manifest(directory: Path) -> Manifest | list[RecordError]:
    """The manifest of ``directory``, or the problems that make the directory unreadable."""
    path = directory / MANIFEST_FILE
    if not path.is_file():
        return [
            RecordError(
                str(path),
                0,
                WHOLE_LINE,
                f"missing {MANIFEST_FILE}: a native CSV directory names its format, "
                "version and tables in it (an export that was interrupted has none)",
            )
        ]
    try:
        data = load_json(path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise unreadable(path, exc) from exc
    except UnicodeDecodeError:
        return _manifest_problem(path, "not valid UTF-8")
    except BadJson as exc:
        return _manifest_problem(path, str(exc))
    if not isinstance(data, dict):
        return _manifest_problem(path, f"must be a JSON object, got {json_kind(data)}")
    if data.get("format") != CSV_FORMAT_NAME:
        return _manifest_problem(
            path, f"unknown format {data.get('format')!r}: expected {CSV_FORMAT_NAME!r}", "format"
        )
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        return _manifest_problem(path, "format_version must be a whole number", "format_version")
    if version not in SUPPORTED_FORMAT_VERSIONS:
        return _manifest_problem(
            path,
            f"format_version {version} is not supported: this version of spsreg reads "
            f"format_version {supported_versions_text()} (a newer file needs a newer spsreg)",
            "format_version",
        )
    errors = [
        RecordError(
            str(path), 1, key, f"unknown manifest field: expected {', '.join(_MANIFEST_KEYS)}"
        )
        for key in data
        if key not in _MANIFEST_KEYS
    ]
    rows = _listed_tables(path, data.get("tables"), errors)
    return errors if errors else Manifest(version, rows)


def _listed_tables(path: Path, tables: Any, errors: list[RecordError]) -> dict[str, int | None]:
    def problem(field: str, reason: str) -> None:
        errors.append(RecordError(str(path), 1, field, reason))

    rows: dict[str, int | None] = {}
    if not isinstance(tables, list):
        problem("tables", 'must be a list of {"file": ..., "rows": ...} objects')
        return rows
    for index, entry in enumerate(tables):
        field = f"tables[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("file"), str):
            problem(field, "must be an object with a 'file' name")
            continue
        file, count = entry["file"], entry.get("rows")
        if set(entry) - {"file", "rows"}:
            problem(field, "a table entry has only 'file' and 'rows'")
        elif file not in _TABLES_BY_FILE:
            problem(
                f"{field}.file",
                f"unknown table {file!r}: the tables are {', '.join(_TABLES_BY_FILE)}",
            )
        elif file in rows:
            problem(f"{field}.file", f"{file} is listed twice")
        elif count is not None and (
            not isinstance(count, int) or isinstance(count, bool) or count < 0
        ):
            problem(f"{field}.rows", "rows must be a whole number of data rows")
        else:
            rows[file] = count
    if "patients.csv" not in rows and not errors:
        problem("tables", "patients.csv must be listed: it holds the patients")
    return rows


def unlisted_tables(directory: Path, manifest: Manifest) -> list[RecordError]:
    """CSV files in the directory that the manifest does not list (a misspelt table name, say)."""
    errors: list[RecordError] = []
    for path in sorted(directory.glob("*.csv")):
        if path.name == DATA_DICTIONARY_FILE or path.name in manifest.rows:
            continue
        reason = (
            f"{path.name} is not listed in {MANIFEST_FILE}"
            if path.name in _TABLES_BY_FILE
            else f"unknown table {path.name}: the tables are {', '.join(_TABLES_BY_FILE)}"
        )
        errors.append(RecordError(str(path), 0, WHOLE_LINE, reason))
    return errors


class CsvSyntaxError(ValueError):
    """Text that the CSV parser cannot read, with the line it stopped at."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line


@dataclass(frozen=True)
class CsvRow:
    """One data row: the physical line it starts on and its cells by column (stripped).

    ``problem`` says why the row cannot be used as it is (a wrong number of cells); the cells that
    could be read are kept so that the row can still be attributed to its patient.
    """

    line: int
    cells: dict[str, str]
    problem: str | None = None


@dataclass(frozen=True)
class TableText:
    """A table whose layout is valid, ready to yield its rows."""

    table: Table
    file: str
    header: tuple[str, ...]
    text: str

    def rows(self) -> Iterator[CsvRow]:
        """The non-blank data rows; raises :class:`CsvSyntaxError` for text that is not CSV."""
        reader = csv.reader(io.StringIO(self.text, newline=""))
        next(reader, None)  # the header
        yield from data_rows(reader, self.header)


class LineReader(Protocol):
    """A ``csv.reader``: rows of cells, and the physical line it has read up to."""

    line_num: int

    def __next__(self) -> list[str]: ...


def data_rows(reader: LineReader, header: tuple[str, ...]) -> Iterator[CsvRow]:
    """The non-blank data rows of a ``csv.reader`` positioned after ``header``, each with the
    physical line it starts on (a quoted cell may span lines); raises :class:`CsvSyntaxError`
    for text that is not CSV."""
    previous_line = reader.line_num
    while True:
        try:
            raw = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise CsvSyntaxError(max(reader.line_num, previous_line + 1), str(exc)) from exc
        line, previous_line = previous_line + 1, reader.line_num
        cells = [cell.strip() for cell in raw]
        if not any(cells):
            continue  # a blank row (spreadsheets leave them) carries no data
        by_column = dict(zip(header, cells, strict=False))
        problem = None
        if len(cells) != len(header):
            problem = f"the row has {len(cells)} cells but the header has {len(header)}"
        yield CsvRow(line, by_column, problem)


def read_table(directory: Path, file: str) -> TableText | list[RecordError]:
    """Read one table and check its header; return the problems instead when it is unusable."""
    table = _TABLES_BY_FILE[file]
    path = directory / file
    if not path.is_file():
        return [
            RecordError(
                str(path), 0, WHOLE_LINE, f"{file} is listed in {MANIFEST_FILE} but missing"
            )
        ]
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise unreadable(path, exc) from exc
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return [
            RecordError(
                str(path),
                line,
                WHOLE_LINE,
                f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the table as UTF-8 CSV",
            )
        ]
    try:
        header_row = next(csv.reader(io.StringIO(text, newline="")), None)
    except csv.Error as exc:
        return [RecordError(str(path), 1, WHOLE_LINE, f"the header row is not valid CSV: {exc}")]
    if header_row is None:
        return [
            RecordError(
                str(path),
                1,
                WHOLE_LINE,
                f"empty file: the first row must name the columns ({', '.join(table.header)})",
            )
        ]
    header = tuple(name.strip() for name in header_row)
    errors = _header_problems(table, str(path), header)
    return errors if errors else TableText(table, str(path), header, text)


def _header_problems(table: Table, file: str, header: tuple[str, ...]) -> list[RecordError]:
    errors: list[RecordError] = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(RecordError(file, 1, name or WHOLE_LINE, "the column appears twice"))
        elif name not in table.header:
            errors.append(
                RecordError(
                    file,
                    1,
                    name or WHOLE_LINE,
                    f"unknown column {name!r}: {table.file} has the columns "
                    f"{', '.join(table.header)}",
                )
            )
        seen.add(name)
    errors.extend(
        RecordError(file, 1, name, "a required column is missing")
        for name in table.header
        if name in _REQUIRED_COLUMNS[table.file] and name not in seen
    )
    return errors
