"""The CSV writer: tidy tables in dictionary order, a manifest, deterministic and streaming."""

from __future__ import annotations

import csv
import json
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from domain_strategies import example_record, example_sites

from spsreg.domain import Patient, PatientRecord
from spsreg.export.data_dictionary import DATA_DICTIONARY_HEADER, data_dictionary
from spsreg.export.native_csv import write_native_csv
from spsreg.export.native_tables import TABLES
from spsreg.ingest.batch import ParsedRecord
from spsreg.ingest.native_csv import read_native_csv


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def _tree(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_every_table_is_written_with_the_dictionary_columns(tmp_path: Path) -> None:
    summary = write_native_csv(tmp_path, example_sites(), [example_record()])
    assert summary.records == 1
    names = {path.name for path in tmp_path.iterdir()}
    assert names == {"manifest.json", "data_dictionary.csv", *(table.file for table in TABLES)}
    for table in TABLES:
        rows = _rows(tmp_path / table.file)
        expected = [entry.column for entry in data_dictionary() if entry.table == table.file]
        assert rows[0] == expected
        assert len(rows) - 1 == summary.rows[table.file], table.file
        assert summary.rows[table.file] > 0, f"the example leaves {table.file} empty"
    dictionary = _rows(tmp_path / "data_dictionary.csv")
    assert tuple(dictionary[0]) == DATA_DICTIONARY_HEADER
    assert len(dictionary) - 1 == len(list(data_dictionary()))


def test_the_manifest_names_format_version_and_row_counts(tmp_path: Path) -> None:
    summary = write_native_csv(tmp_path, example_sites(), [example_record(), example_record("p-2")])
    manifest = json.loads((tmp_path / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format"] == "spsreg-native-csv"
    assert manifest["format_version"] == 1
    assert manifest["data_dictionary"] == "data_dictionary.csv"
    assert manifest["tables"] == [{"file": file, "rows": n} for file, n in summary.rows.items()]
    assert summary.rows["patients.csv"] == 2


def test_a_course_flattens_its_dose_and_responses_keep_their_type(tmp_path: Path) -> None:
    write_native_csv(tmp_path, [], [example_record()])
    courses = _rows(tmp_path / "medication_courses.csv")
    header = courses[0]
    ivig = dict(zip(header, courses[3], strict=True))
    assert (ivig["dose_value"], ivig["dose_unit"], ivig["weight_kg"]) == ("2.0", "g/kg", "64.5")
    responses = {
        row[5]: (row[6], row[7]) for row in _rows(tmp_path / "assessment_responses.csv")[1:]
    }
    assert responses["lower_trunk"] == ("integer", "1")
    assert responses["upper_trunk"] == ("decimal", "1.0")
    assert responses["face"] == ("missing", "")
    assert responses["note"] == ("text", "3")
    assert responses["comment"] == ("text", "")
    assert responses['free text, with "quotes"'] == ("text", "stiff\r\nmorning")


def test_rich_records_round_trip_and_rewrite_byte_identical(tmp_path: Path) -> None:
    records = [example_record("p-0001"), example_record("p-0002", "SITE-B")]
    write_native_csv(tmp_path / "first", example_sites(), records)
    batch = read_native_csv(tmp_path / "first")
    assert batch.file_errors == ()
    assert batch.sites == example_sites()
    back = [item.record for item in batch if isinstance(item, ParsedRecord)]
    assert back == records
    write_native_csv(tmp_path / "second", batch.sites, back)
    assert _tree(tmp_path / "second") == _tree(tmp_path / "first")


def test_rows_end_in_crlf_and_text_is_utf8_without_bom(tmp_path: Path) -> None:
    write_native_csv(tmp_path, example_sites(), [example_record()])
    content = (tmp_path / "patient_identifiers.csv").read_bytes()
    assert not content.startswith(b"\xef\xbb\xbf")
    assert content.endswith(b"\r\n")
    assert "O'Brien-Łukasz".encode() in content


def test_an_interrupted_export_leaves_no_manifest(tmp_path: Path) -> None:
    write_native_csv(tmp_path, [], [example_record()])

    def failing() -> Iterator[PatientRecord]:
        yield example_record("p-2")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        write_native_csv(tmp_path, [], failing())
    assert not (tmp_path / "manifest.json").exists()
    assert [e.reason.split(":")[0] for e in read_native_csv(tmp_path).file_errors] == [
        "missing manifest.json"
    ]


def test_writing_streams_records_one_at_a_time(tmp_path: Path) -> None:
    produced: list[weakref.ref[PatientRecord]] = []

    def records() -> Iterator[PatientRecord]:
        for n in range(2000):
            if n >= 2:
                assert produced[n - 2]() is None, "the writer still holds an earlier record"
            record = PatientRecord(
                patient=Patient(
                    id=f"p-{n}",
                    pseudonym=f"PS-{n:04d}",
                    site_id="S",
                    sex="female",
                    birth_year_month="1970-01",
                )
            )
            produced.append(weakref.ref(record))
            yield record

    summary = write_native_csv(tmp_path, [], records())
    assert summary.records == 2000
    assert summary.rows["patients.csv"] == 2000
    assert len(produced) == 2000
