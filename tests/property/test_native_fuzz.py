"""Damaged input never makes a native reader raise: every problem is a located RecordError."""

from __future__ import annotations

import csv
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from domain_strategies import example_record, example_sites
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spsreg.export.native_csv import write_native_csv
from spsreg.export.native_jsonl import header_line, record_line
from spsreg.export.native_tables import TABLES
from spsreg.ingest.batch import NativeBatch, ParsedRecord
from spsreg.ingest.errors import RecordError
from spsreg.ingest.native_csv import read_native_csv
from spsreg.ingest.native_jsonl import read_native_jsonl

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)

RECORD_LINES = [record_line(example_record(f"p-000{n}")) for n in range(1, 4)]
VALID_JSONL = "\n".join([header_line(example_sites()), *RECORD_LINES]).encode() + b"\n"


def _check(batch: NativeBatch, line_count: int) -> list[ParsedRecord | RecordError]:
    """Iterate the whole batch and check every error is located and printable."""
    items = list(batch)
    for item in items:
        assert isinstance(item, ParsedRecord | RecordError)
        if isinstance(item, RecordError):
            assert 0 <= item.line <= line_count + 1, item
            assert item.reason and item.field
            str(item).encode("utf-8")  # a report can always be written
    return items


def _read_jsonl(content: bytes) -> list[ParsedRecord | RecordError]:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.jsonl"
        path.write_bytes(content)
        batch = read_native_jsonl(path)
        items = _check(batch, content.count(b"\n"))
    for item in items:
        if isinstance(item, RecordError):
            assert item.line >= 1
    return items


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_never_raise(content: bytes) -> None:
    _read_jsonl(content)


@FUZZ
@given(st.binary(max_size=3000))
def test_random_bytes_after_a_valid_header_never_raise(body: bytes) -> None:
    _read_jsonl(header_line(example_sites()).encode() + b"\n" + body)


@st.composite
def _mutated_line(draw: st.DrawFn) -> tuple[int, bytes]:
    """(index of the record line, its damaged bytes): one line changed, its line ending kept."""
    index = draw(st.integers(0, len(RECORD_LINES) - 1))
    line = RECORD_LINES[index].encode()
    start = draw(st.integers(0, len(line)))
    end = draw(st.integers(start, min(len(line), start + 40)))
    inserted = draw(st.binary(max_size=20).map(lambda b: b.replace(b"\n", b"")))
    return index, line[:start] + inserted + line[end:]


@FUZZ
@given(_mutated_line())
def test_a_damaged_line_affects_only_itself(mutation: tuple[int, bytes]) -> None:
    index, damaged = mutation
    lines = [line.encode() for line in RECORD_LINES]
    lines[index] = damaged
    content = header_line(example_sites()).encode() + b"\n" + b"\n".join(lines) + b"\n"
    items = _read_jsonl(content)
    damaged_line = index + 2
    for item in items:
        if isinstance(item, RecordError):
            assert item.line == damaged_line
    parsed = {item.line for item in items if isinstance(item, ParsedRecord)}
    assert parsed | {damaged_line} == {2, 3, 4}


@pytest.fixture(scope="module")
def valid_export() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        directory = Path(folder) / "export"
        write_native_csv(
            directory, example_sites(), [example_record("p-0001"), example_record("p-0002")]
        )
        yield directory


def _copy(source: Path, folder: str) -> Path:
    return Path(shutil.copytree(source, Path(folder) / "copy"))


_FILES = ["manifest.json", *(table.file for table in TABLES)]


@FUZZ
@given(
    st.sampled_from(_FILES),
    st.integers(0, 10_000),
    st.integers(0, 60),
    st.binary(max_size=30),
)
def test_damaged_csv_files_never_raise(
    valid_export: Path, file: str, position: int, removed: int, inserted: bytes
) -> None:
    with tempfile.TemporaryDirectory() as folder:
        directory = _copy(valid_export, folder)
        path = directory / file
        content = path.read_bytes()
        position = min(position, len(content))
        damaged = content[:position] + inserted + content[position + removed :]
        path.write_bytes(damaged)
        longest = max(
            p.read_bytes().count(b"\n") + p.read_bytes().count(b"\r") for p in directory.iterdir()
        )
        _check(read_native_csv(directory), longest)


_CELL_TABLES = [table for table in TABLES if table.name not in ("sites", "patients")]


@FUZZ
@given(
    st.sampled_from(_CELL_TABLES),
    st.data(),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
)
def test_a_damaged_cell_rejects_at_most_its_own_patient(
    valid_export: Path, table: object, data: st.DataObject, text: str
) -> None:
    from spsreg.export.native_tables import Table

    assert isinstance(table, Table)
    with tempfile.TemporaryDirectory() as folder:
        directory = _copy(valid_export, folder)
        path = directory / table.file
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        p1_rows = [n for n, row in enumerate(rows) if n > 0 and row[0] == "p-0001"]
        row = data.draw(st.sampled_from(p1_rows))
        column = data.draw(st.integers(1, len(rows[0]) - 1))  # any cell but patient_id
        rows[row][column] = text
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\r\n").writerows(rows)
        batch = read_native_csv(directory)
        items = _check(batch, 10_000)
        assert batch.file_errors == ()
        parsed = [item.record.patient.id for item in items if isinstance(item, ParsedRecord)]
        assert "p-0002" in parsed
        for item in items:
            if isinstance(item, RecordError):
                assert item.patient_id == "p-0001"
