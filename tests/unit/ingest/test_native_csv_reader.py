"""The CSV reader: rows regrouped into records; every problem located by file, line and column."""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from domain_strategies import example_record, example_sites

from spsreg.export.native_csv import write_native_csv
from spsreg.ingest.batch import NativeBatch, ParsedRecord
from spsreg.ingest.errors import RecordError
from spsreg.ingest.native_csv import read_native_csv

Rows = list[list[str]]
UNITS = "'mg', 'mcg', 'g', 'g/kg', 'mg/kg', 'mg/m2', 'IU', 'U', 'mL' or 'cells'"


def export(directory: Path) -> Path:
    records = [example_record("p-0001"), example_record("p-0002", "SITE-B")]
    write_native_csv(directory, example_sites(), records)
    return directory


def read_rows(path: Path) -> Rows:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def edit(
    directory: Path, file: str, change: Callable[[Rows], object], *, recount: bool = True
) -> None:
    """Change a table's rows in place (and its row count in the manifest, unless told not to)."""
    path = directory / file
    rows = read_rows(path)
    change(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)
    if recount:
        manifest_path = directory / "manifest.json"
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        for entry in manifest["tables"]:
            if entry["file"] == file:
                entry["rows"] = len(rows) - 1
        manifest_path.write_text(json.dumps(manifest), encoding="utf-8")


def set_cell(row_index: int, column: str, value: str) -> Callable[[Rows], object]:
    def change(rows: Rows) -> None:
        rows[row_index][rows[0].index(column)] = value

    return change


def parsed_ids(batch: NativeBatch) -> list[str]:
    return [item.record.patient.id for item in batch if isinstance(item, ParsedRecord)]


def located(batch: NativeBatch) -> list[tuple[str, int, str, str, str | None]]:
    return [
        (Path(e.file).name, e.line, e.field, e.reason, e.patient_id)
        for e in batch
        if isinstance(e, RecordError)
    ]


def _append(row: list[str]) -> Callable[[Rows], object]:
    return lambda rows: rows.append(row)


def _stop_before_start(rows: Rows) -> None:
    set_cell(2, "stop_date", "2019-12-01")(rows)
    set_cell(2, "stop_reason", "other")(rows)


def _add_column(rows: Rows) -> None:
    for row in rows:
        row.append("x")


def _repeat_last_column(rows: Rows) -> None:
    for row in rows:
        row.append(row[-1])


ROW_SCENARIOS: list[
    tuple[
        str, str, Callable[[Rows], object], list[tuple[str, int, str, str, str | None]], list[str]
    ]
] = [
    (
        "row of an unknown patient",
        "lab_results.csv",
        _append(
            [
                "p-9999",
                "l9",
                "gad65_antibody",
                "2020-01-01",
                "serum",
                "ria",
                "1.0",
                "nmol/L",
                "",
                "",
                "",
            ]
        ),
        [("lab_results.csv", 6, "patient_id", "patient 'p-9999' is not in patients.csv", "p-9999")],
        ["p-0001", "p-0002"],
    ),
    (
        "wrong type",
        "adverse_events.csv",
        set_cell(1, "grade", "high"),
        [
            (
                "adverse_events.csv",
                2,
                "grade",
                "Input should be a valid integer, unable to parse string as an integer (got 'high')",
                "p-0001",
            )
        ],
        ["p-0002"],
    ),
    (
        "unit alias with a suggestion",
        "medication_courses.csv",
        set_cell(5, "dose_unit", "µg"),
        [
            (
                "medication_courses.csv",
                6,
                "dose_unit",
                f"Input should be {UNITS} (got 'µg'; did you mean 'mcg'?)",
                "p-0002",
            )
        ],
        ["p-0001"],
    ),
    (
        "stop before start",
        "medication_courses.csv",
        _stop_before_start,
        [
            (
                "medication_courses.csv",
                3,
                "-",
                "stop_date (2019-12-01) is before start_date (2020-01-01)",
                "p-0001",
            )
        ],
        ["p-0002"],
    ),
    (
        "empty required cell",
        "visits.csv",
        set_cell(2, "visit_date", ""),
        [("visits.csv", 3, "visit_date", "required, but the cell is empty", "p-0001")],
        ["p-0002"],
    ),
    (
        "child of a missing parent",
        "assessments.csv",
        set_cell(3, "visit_id", "p-0002.v9"),
        [
            (
                "assessments.csv",
                4,
                "visit_id",
                "no row in visits.csv for p-0002.v9 of patient 'p-0002'",
                "p-0002",
            )
        ],
        ["p-0001"],
    ),
    (
        "repeated id",
        "consents.csv",
        set_cell(2, "consent_id", "p-0001.c1"),
        [
            (
                "consents.csv",
                3,
                "consent_id",
                "consent_id 'p-0001.c1' appears twice for this patient (first on line 2)",
                "p-0001",
            )
        ],
        ["p-0002"],
    ),
    (
        "wrong number of cells",
        "procedures.csv",
        lambda rows: rows[2].pop(),
        [("procedures.csv", 3, "-", "the row has 6 cells but the header has 7", "p-0002")],
        ["p-0001"],
    ),
    (
        "bad value_type",
        "assessment_responses.csv",
        set_cell(1, "value_type", "number"),
        [
            (
                "assessment_responses.csv",
                2,
                "value_type",
                "value_type must be one of 'integer', 'decimal', 'text', 'missing' (got 'number')",
                "p-0001",
            )
        ],
        ["p-0002"],
    ),
    (
        "integer response that is not whole",
        "assessment_responses.csv",
        set_cell(1, "value", "1.5"),
        [
            (
                "assessment_responses.csv",
                2,
                "value",
                "value_type 'integer' needs a whole number (got '1.5')",
                "p-0001",
            )
        ],
        ["p-0002"],
    ),
    (
        "scale that disagrees with its assessment",
        "assessment_responses.csv",
        set_cell(1, "scale_version", "2"),
        [
            (
                "assessment_responses.csv",
                2,
                "scale_version",
                "'2' does not match assessments.csv ('1')",
                "p-0001",
            )
        ],
        ["p-0002"],
    ),
    (
        "unknown trigger code",
        "diary_triggers.csv",
        set_cell(1, "trigger", "Emotional stress"),
        [
            (
                "diary_triggers.csv",
                2,
                "trigger",
                "Input should be 'noise', 'touch', 'emotional_stress', 'cold' or 'other' "
                "(got 'Emotional stress'; did you mean 'emotional_stress'?)",
                "p-0001",
            )
        ],
        ["p-0002"],
    ),
    (
        "repeated patient",
        "patients.csv",
        lambda rows: rows.append(list(rows[1])),
        [
            (
                "patients.csv",
                4,
                "patient_id",
                "patient 'p-0001' appears twice (first on line 2)",
                "p-0001",
            )
        ],
        ["p-0002"],
    ),
]


@pytest.mark.parametrize(
    ("file", "change", "expected", "parsed"),
    [scenario[1:] for scenario in ROW_SCENARIOS],
    ids=[scenario[0] for scenario in ROW_SCENARIOS],
)
def test_a_row_problem_rejects_only_its_patient(
    tmp_path: Path,
    file: str,
    change: Callable[[Rows], object],
    expected: list[tuple[str, int, str, str, str | None]],
    parsed: list[str],
) -> None:
    directory = export(tmp_path)
    edit(directory, file, change)
    batch = read_native_csv(directory)
    assert batch.file_errors == ()
    assert located(batch) == expected
    assert parsed_ids(batch) == parsed


def _manifest(directory: Path, **changes: object) -> None:
    path = directory / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    manifest.update(changes)
    path.write_text(json.dumps(manifest), encoding="utf-8")


def _drop_column(name: str) -> Callable[[Rows], object]:
    def change(rows: Rows) -> None:
        index = rows[0].index(name)
        for row in rows:
            del row[index]

    return change


LAYOUT_SCENARIOS: list[tuple[str, Callable[[Path], object], list[tuple[str, int, str, str]]]] = [
    (
        "unknown column",
        lambda d: edit(d, "visits.csv", _add_column),
        [
            (
                "visits.csv",
                1,
                "x",
                "unknown column 'x': visits.csv has the columns patient_id, visit_id, visit_date, kind, weight_kg",
            )
        ],
    ),
    (
        "missing required column",
        lambda d: edit(d, "consents.csv", _drop_column("status")),
        [("consents.csv", 1, "status", "a required column is missing")],
    ),
    (
        "repeated column",
        lambda d: edit(d, "visits.csv", _repeat_last_column),
        [("visits.csv", 1, "weight_kg", "the column appears twice")],
    ),
    (
        "row count differs from the manifest",
        lambda d: edit(d, "lab_results.csv", lambda rows: rows.pop(), recount=False),
        [
            (
                "lab_results.csv",
                0,
                "-",
                "the manifest says 4 rows but the table has 3: it may be truncated; if it was "
                "edited on purpose, correct the row count in manifest.json",
            )
        ],
    ),
    (
        "missing manifest",
        lambda d: (d / "manifest.json").unlink(),
        [
            (
                "manifest.json",
                0,
                "-",
                "missing manifest.json: a native CSV directory names its format, version and "
                "tables in it (an export that was interrupted has none)",
            )
        ],
    ),
    (
        "unsupported version",
        lambda d: _manifest(d, format_version=3),
        [
            (
                "manifest.json",
                1,
                "format_version",
                "format_version 3 is not supported: this version of spsreg reads format_version 1 "
                "(a newer file needs a newer spsreg)",
            )
        ],
    ),
    (
        "unknown format",
        lambda d: _manifest(d, format="spsreg-native"),
        [
            (
                "manifest.json",
                1,
                "format",
                "unknown format 'spsreg-native': expected 'spsreg-native-csv'",
            )
        ],
    ),
    (
        "listed table missing",
        lambda d: (d / "diary_doses.csv").unlink(),
        [("diary_doses.csv", 0, "-", "diary_doses.csv is listed in manifest.json but missing")],
    ),
    (
        "misspelt table",
        lambda d: (d / "lab_result.csv").write_text("patient_id\r\n", encoding="utf-8"),
        [
            (
                "lab_result.csv",
                0,
                "-",
                "unknown table lab_result.csv: the tables are sites.csv, patients.csv, "
                "patient_identifiers.csv, consents.csv, lab_results.csv, comorbidities.csv, "
                "genetic_markers.csv, visits.csv, assessments.csv, assessment_responses.csv, "
                "medication_courses.csv, administrations.csv, itb_pumps.csv, itb_pump_refills.csv, "
                "procedures.csv, non_drug_therapies.csv, adverse_events.csv, "
                "adverse_event_suspected_courses.csv, diary_entries.csv, diary_triggers.csv, "
                "diary_doses.csv",
            )
        ],
    ),
    (
        "table not encoded as UTF-8",
        lambda d: (d / "sites.csv").write_bytes(b"site_id,name,country\r\nS1,Z\xfcrich,CH\r\n"),
        [("sites.csv", 2, "-", "not valid UTF-8 (byte 0xfc); save the table as UTF-8 CSV")],
    ),
    (
        "invalid site",
        lambda d: edit(d, "sites.csv", set_cell(2, "country", "Germany")),
        [("sites.csv", 3, "country", "String should match pattern '^[A-Z]{2}$' (got 'Germany')")],
    ),
    (
        "empty table file",
        lambda d: (d / "visits.csv").write_bytes(b""),
        [
            (
                "visits.csv",
                1,
                "-",
                "empty file: the first row must name the columns (patient_id, visit_id, "
                "visit_date, kind, weight_kg)",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [scenario[1:] for scenario in LAYOUT_SCENARIOS],
    ids=[scenario[0] for scenario in LAYOUT_SCENARIOS],
)
def test_a_layout_problem_rejects_the_whole_batch(
    tmp_path: Path, change: Callable[[Path], object], expected: list[tuple[str, int, str, str]]
) -> None:
    directory = export(tmp_path)
    change(directory)
    batch = read_native_csv(directory)
    assert not batch.accepted
    assert [(Path(e.file).name, e.line, e.field, e.reason) for e in batch.file_errors] == expected
    assert list(batch) == list(batch.file_errors)
    assert batch.sites == ()


def test_a_byte_order_mark_blank_rows_and_missing_optional_columns_are_accepted(
    tmp_path: Path,
) -> None:
    directory = export(tmp_path)
    path = directory / "patients.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    edit(directory, "visits.csv", lambda rows: rows.insert(2, ["", "", "", "", ""]), recount=False)
    edit(directory, "comorbidities.csv", _drop_column("resolved_on"))
    batch = read_native_csv(directory)
    assert located(batch) == []
    assert [item.record for item in batch if isinstance(item, ParsedRecord)] == [
        example_record("p-0001"),
        example_record("p-0002", "SITE-B"),
    ]


def test_a_missing_optional_table_means_no_rows(tmp_path: Path) -> None:
    directory = export(tmp_path)
    manifest = json.loads((directory / "manifest.json").read_text(encoding="utf-8"))
    manifest["tables"] = [
        t for t in manifest["tables"] if t["file"] in ("patients.csv", "sites.csv")
    ]
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for path in directory.glob("*.csv"):
        if path.name not in ("patients.csv", "sites.csv", "data_dictionary.csv"):
            path.unlink()
    batch = read_native_csv(directory)
    [first, second] = [item.record for item in batch if isinstance(item, ParsedRecord)]
    assert first.patient == example_record("p-0001").patient
    assert first.consents == () and second.identifiers is None


def test_line_numbers_count_line_breaks_inside_quoted_cells(tmp_path: Path) -> None:
    directory = export(tmp_path)
    # row 7 of assessment_responses.csv ("stiff\r\nmorning") spans lines 7-8; the next row is line 9
    edit(directory, "assessment_responses.csv", set_cell(7, "value_type", "number"))
    errors = [e for e in read_native_csv(directory) if isinstance(e, RecordError)]
    assert [(e.line, e.field) for e in errors] == [(9, "value_type")]


def test_a_missing_directory_raises_a_clear_oserror(tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError, match="cannot read the native CSV directory"):
        read_native_csv(tmp_path / "nowhere")
