"""The JSON-lines reader: every kind of bad content becomes a located, plain-language error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from domain_strategies import example_record, example_sites

from spsreg.domain import Patient, PatientRecord
from spsreg.export.native_format import canonical_json
from spsreg.export.native_jsonl import header_line, record_line
from spsreg.ingest.batch import NativeBatch, ParsedRecord
from spsreg.ingest.errors import RecordError
from spsreg.ingest.native_jsonl import read_native_jsonl

HEADER_EXAMPLE = '{"format":"spsreg-native","format_version":1,"sites":[...]}'
UNITS = "'mg', 'mcg', 'g', 'g/kg', 'mg/kg', 'mg/m2', 'IU', 'U', 'mL' or 'cells'"


def small_record(patient_id: str) -> PatientRecord:
    return PatientRecord(
        patient=Patient(
            id=patient_id,
            pseudonym=f"PS-{patient_id[-4:].upper()}",
            site_id="SITE-A",
            sex="male",
            birth_year_month="1980-01",
        )
    )


def record_data(patient_id: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(record_line(small_record(patient_id)))
    return data


def course(**changes: Any) -> dict[str, Any]:
    data = {
        "id": "c1",
        "drug_id": "diazepam",
        "route": "oral",
        "intent": "symptomatic",
        "schedule": "regular",
        "dose": {"value": 5, "unit": "mg"},
        "times_per_period": 3,
        "period_days": 1,
        "start_date": "2020-02-01",
    }
    data.update(changes)
    return data


def with_course(patient_id: str, **changes: Any) -> str:
    data = record_data(patient_id)
    data["medication_courses"] = [course(**changes)]
    return canonical_json(data)


def write(path: Path, lines: list[str], *, final_newline: bool = True) -> Path:
    path.write_bytes(("\n".join(lines) + ("\n" if final_newline else "")).encode("utf-8"))
    return path


def errors_of(batch: NativeBatch) -> list[RecordError]:
    return [item for item in batch if isinstance(item, RecordError)]


def parsed_lines(batch: NativeBatch) -> list[int]:
    return [item.line for item in batch if isinstance(item, ParsedRecord)]


HEADER = header_line(example_sites())
GOOD = [record_line(small_record(f"p-000{n}")) for n in range(1, 4)]


def _scenarios() -> list[tuple[str, list[str], bool, list[tuple[int, str, str]], list[int]]]:
    """(name, lines, final newline, expected (line, field, reason), lines parsed)."""
    return [
        (
            "bad JSON on line 3",
            [HEADER, GOOD[0], '{"patient": ', GOOD[2]],
            True,
            [(3, "-", "not valid JSON: Expecting value (column 13)")],
            [2, 4],
        ),
        (
            "unknown field",
            [HEADER, canonical_json({**record_data("p-0001"), "nickname": "x"}), GOOD[1]],
            True,
            [(2, "nickname", "unknown field: it is not part of this format (check the spelling)")],
            [3],
        ),
        (
            "stop before start",
            [HEADER, with_course("p-0001", stop_date="2020-01-01", stop_reason="other")],
            True,
            [
                (
                    2,
                    "medication_courses[0]",
                    "stop_date (2020-01-01) is before start_date (2020-02-01)",
                )
            ],
            [],
        ),
        (
            "unit alias with a suggestion",
            [HEADER, GOOD[0], with_course("p-0002", dose={"value": 5, "unit": "µg"})],
            True,
            [
                (
                    3,
                    "medication_courses[0].dose.unit",
                    f"Input should be {UNITS} (got 'µg'; did you mean 'mcg'?)",
                )
            ],
            [2],
        ),
        (
            "missing header",
            [GOOD[0], GOOD[1]],
            True,
            [
                (
                    1,
                    "-",
                    f"missing header: line 1 is a patient record; the file must start with {HEADER_EXAMPLE}",
                )
            ],
            [],
        ),
        (
            "unsupported version",
            [HEADER.replace('"format_version":1', '"format_version":2'), GOOD[0]],
            True,
            [
                (
                    1,
                    "format_version",
                    "format_version 2 is not supported: this version of spsreg reads "
                    "format_version 1 (a newer file needs a newer spsreg)",
                )
            ],
            [],
        ),
        (
            "blank line",
            [HEADER, GOOD[0], "", GOOD[1]],
            True,
            [(3, "-", "blank line: every line after the header must be one patient record")],
            [2, 4],
        ),
        (
            "truncated last line",
            [HEADER, GOOD[0], GOOD[1][:-10]],
            False,
            [
                (
                    3,
                    "-",
                    "not valid JSON: Unterminated string starting at (column "
                    f"{GOOD[1][:-10].rindex(chr(34)) + 1}) (the last line has no line ending: "
                    "the file may be truncated)",
                )
            ],
            [2],
        ),
    ]


@pytest.mark.parametrize(
    ("lines", "final_newline", "expected", "parsed"),
    [scenario[1:] for scenario in _scenarios()],
    ids=[scenario[0] for scenario in _scenarios()],
)
def test_error_scenarios_are_located_and_explained(
    tmp_path: Path,
    lines: list[str],
    final_newline: bool,
    expected: list[tuple[int, str, str]],
    parsed: list[int],
) -> None:
    path = write(tmp_path / "batch.jsonl", lines, final_newline=final_newline)
    batch = read_native_jsonl(path)
    errors = errors_of(batch)
    assert [(e.line, e.field, e.reason) for e in errors] == expected
    assert all(e.file == str(path) for e in errors)
    assert parsed_lines(batch) == parsed


def test_a_record_with_three_problems_gives_three_errors(tmp_path: Path) -> None:
    data = record_data("p-0001")
    data["patient"]["sex"] = "f"
    data["patient"]["birth_year_month"] = "1980-13"
    data["medication_courses"] = [course(route="by mouth")]
    path = write(tmp_path / "b.jsonl", [HEADER, canonical_json(data)])
    errors = errors_of(read_native_jsonl(path))
    assert [(e.field, e.patient_id) for e in errors] == [
        ("patient.sex", "p-0001"),
        ("patient.birth_year_month", "p-0001"),
        ("medication_courses[0].route", "p-0001"),
    ]
    assert errors[0].reason == ("Input should be 'female', 'male', 'other' or 'unknown' (got 'f')")
    assert (
        errors[1].reason == "must be a year and month written YYYY-MM, e.g. 1971-04 (got '1980-13')"
    )


def test_a_misspelt_code_suggests_the_permitted_one(tmp_path: Path) -> None:
    data = record_data("p-0001")
    data["patient"]["sex"] = "Female"
    path = write(tmp_path / "b.jsonl", [HEADER, canonical_json(data)])
    [error] = errors_of(read_native_jsonl(path))
    assert error.reason.endswith("(got 'Female'; did you mean 'female'?)")


def test_the_sites_of_the_header_are_read_at_once(tmp_path: Path) -> None:
    path = write(tmp_path / "b.jsonl", [HEADER, *GOOD])
    batch = read_native_jsonl(path)
    assert batch.sites == example_sites()
    assert batch.format_version == 1
    assert batch.accepted
    assert [item.record for item in batch if isinstance(item, ParsedRecord)] == [
        small_record(f"p-000{n}") for n in range(1, 4)
    ]


def _header_with(**changes: Any) -> str:
    data = json.loads(HEADER)
    data.update(changes)
    return canonical_json(data)


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", [(1, "-", f"the file is empty: line 1 must be the header {HEADER_EXAMPLE}")]),
        (
            b"\xef\xbb\xbf" + HEADER.encode() + b"\n",
            [
                (
                    1,
                    "-",
                    "the file starts with a byte-order mark (BOM): native files are UTF-8 "
                    "without a BOM; save it again without one",
                )
            ],
        ),
        (
            b"\n" + HEADER.encode(),
            [(1, "-", f"line 1 is blank: it must be the header {HEADER_EXAMPLE}")],
        ),
        (
            b"[1, 2]\n",
            [(1, "-", f"line 1 must be the header object {HEADER_EXAMPLE}, got an array")],
        ),
        (
            _header_with(format="other").encode(),
            [(1, "format", "unknown format 'other': expected 'spsreg-native'")],
        ),
        (
            _header_with(format_version="1").encode(),
            [(1, "format_version", 'format_version must be a whole number (got "1")')],
        ),
        (
            _header_with(exported_at="2024-01-01").encode(),
            [
                (
                    1,
                    "exported_at",
                    "unknown header field: the header has only format, format_version and sites",
                )
            ],
        ),
        (
            _header_with(sites=[{"id": "S1", "name": "n", "country": "France"}]).encode(),
            [(1, "sites[0].country", "String should match pattern '^[A-Z]{2}$' (got 'France')")],
        ),
        (
            _header_with(sites=[{"id": "S1", "name": "n", "country": "FR"}] * 2).encode(),
            [(1, "sites[1].id", "site 'S1' is listed twice")],
        ),
        (
            json.dumps({"format": "spsreg-native", "format_version": 1}).encode(),
            [(1, "sites", "required, but missing (write [] for none)")],
        ),
    ],
    ids=[
        "empty",
        "bom",
        "blank first line",
        "not an object",
        "unknown format",
        "version as text",
        "extra header field",
        "invalid site",
        "repeated site",
        "no sites",
    ],
)
def test_a_bad_header_rejects_the_whole_file(
    tmp_path: Path, content: bytes, expected: list[tuple[int, str, str]]
) -> None:
    path = tmp_path / "b.jsonl"
    path.write_bytes(content + b"\n" + GOOD[0].encode() + b"\n")
    if content == b"":
        path.write_bytes(b"")
    batch = read_native_jsonl(path)
    assert not batch.accepted
    assert batch.sites == ()
    assert [(e.line, e.field, e.reason) for e in batch.file_errors] == expected
    assert list(batch) == list(batch.file_errors)


@pytest.mark.parametrize(
    ("raw_line", "reason"),
    [
        (b"\xff\xfe{}", "not valid UTF-8 (byte 0xff at position 1); native files are UTF-8"),
        (
            b'{"patient": {"id": "a"}, "patient": {}}',
            "the key 'patient' appears twice in one object",
        ),
        (b'{"lab_results": NaN}', "NaN is not a JSON number"),
        (b"42", "expected a JSON object (one patient record), got a number"),
        (b"[" * 100_000, "not valid here: the JSON is nested too deeply"),
    ],
    ids=["not utf-8", "repeated key", "NaN", "not an object", "too deep"],
)
def test_a_bad_line_is_reported_and_reading_goes_on(
    tmp_path: Path, raw_line: bytes, reason: str
) -> None:
    path = tmp_path / "b.jsonl"
    path.write_bytes(HEADER.encode() + b"\n" + raw_line + b"\n" + GOOD[0].encode() + b"\n")
    items = list(read_native_jsonl(path))
    assert [(e.line, e.field, e.reason) for e in items if isinstance(e, RecordError)] == [
        (2, "-", reason)
    ]
    assert [item.line for item in items if isinstance(item, ParsedRecord)] == [3]


def test_a_repeated_patient_is_rejected_after_the_first(tmp_path: Path) -> None:
    path = write(tmp_path / "b.jsonl", [HEADER, GOOD[0], GOOD[1], GOOD[0]])
    items = list(read_native_jsonl(path))
    assert [type(item).__name__ for item in items] == [
        "ParsedRecord",
        "ParsedRecord",
        "RecordError",
    ]
    error = items[2]
    assert isinstance(error, RecordError)
    assert (error.line, error.patient_id, error.reason) == (
        4,
        "p-0001",
        "patient 'p-0001' already appeared on line 2: a patient appears once per file",
    )


def test_crlf_endings_and_a_missing_final_newline_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "b.jsonl"
    path.write_bytes(f"{HEADER}\r\n{GOOD[0]}\r\n{GOOD[1]}".encode())
    assert parsed_lines(read_native_jsonl(path)) == [2, 3]


def test_a_rich_record_reads_back_equal(tmp_path: Path) -> None:
    path = write(tmp_path / "b.jsonl", [HEADER, record_line(example_record())])
    [item] = list(read_native_jsonl(path))
    assert isinstance(item, ParsedRecord)
    assert item.record == example_record()


def test_records_are_read_lazily_while_iterating(tmp_path: Path) -> None:
    path = write(tmp_path / "b.jsonl", [HEADER, GOOD[0]])
    batch = read_native_jsonl(path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(GOOD[1] + "\n")  # appended after opening: still read, from disk
    assert parsed_lines(batch) == [2, 3]
    iterator = iter(batch)
    assert isinstance(next(iterator), ParsedRecord)
    del iterator  # an abandoned iteration closes its file (warnings are errors here)


def test_an_unreadable_file_raises_a_clear_oserror(tmp_path: Path) -> None:
    missing = tmp_path / "missing.jsonl"
    with pytest.raises(FileNotFoundError, match="cannot read the native file") as raised:
        read_native_jsonl(missing)
    assert raised.value.filename == str(missing)
    with pytest.raises(IsADirectoryError, match="cannot read the native file"):
        read_native_jsonl(tmp_path)
