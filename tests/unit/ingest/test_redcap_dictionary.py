"""The REDCap data dictionary parser: fields, choices, checkbox columns, identifier flags."""

from __future__ import annotations

from pathlib import Path

import pytest

from spsreg.ingest.errors import RecordError
from spsreg.ingest.redcap_dictionary import (
    DataDictionary,
    checkbox_column,
    parse_choices,
    read_data_dictionary,
)

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "redcap" / "data_dictionary.csv"
HEADER = (
    '"Variable / Field Name","Form Name","Section Header","Field Type","Field Label",'
    '"Choices, Calculations, OR Slider Labels","Field Note",'
    '"Text Validation Type OR Show Slider Number","Text Validation Min","Text Validation Max",'
    '"Identifier?"\n'
)


def _read(tmp_path: Path, body: str, header: str = HEADER) -> DataDictionary | list[RecordError]:
    path = tmp_path / "dictionary.csv"
    path.write_text(header + body, encoding="utf-8")
    return read_data_dictionary(path)


def test_the_example_dictionary_is_read_with_types_choices_and_identifier_flags() -> None:
    dictionary = read_data_dictionary(EXAMPLE)
    assert isinstance(dictionary, DataDictionary)
    assert dictionary.forms == (
        "demographics",
        "visit",
        "gad_antibody",
        "medications",
        "adverse_events",
    )
    sex = dictionary.fields["sex"]
    assert (sex.field_type, sex.choices, sex.identifier) == (
        "radio",
        {"1": "Female", "2": "Male", "3": "Other"},
        False,
    )
    assert dictionary.fields["dob"].identifier and dictionary.fields["dob"].is_date
    assert dictionary.fields["si_legs"].choices == {"1": "Yes", "0": "No"}
    assert dictionary.fields["comorbid"].export_columns() == (
        "comorbid___1",
        "comorbid___2",
        "comorbid___3",
        "comorbid___4",
    )
    assert dictionary.column_owner()["comorbid___3"] == "comorbid"
    assert dictionary.fields["visit_notes"].export_columns() == ("visit_notes",)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1, Female | 2, Male", {"1": "Female", "2": "Male"}),
        (
            "0, No symptoms|1, Slight, with a comma",
            {"0": "No symptoms", "1": "Slight, with a comma"},
        ),
        ("-1, Not known | 99, Other", {"-1": "Not known", "99": "Other"}),
    ],
)
def test_choices_are_parsed_into_codes_and_labels(text: str, expected: dict[str, str]) -> None:
    assert parse_choices(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "needs its choices"),
        ("1 Female | 2, Male", "is not written 'code, label'"),
        ("1, Female | 1, Male", "appears twice"),
    ],
)
def test_bad_choices_say_why(text: str, reason: str) -> None:
    result = parse_choices(text)
    assert isinstance(result, str) and reason in result


def test_checkbox_columns_follow_redcaps_naming() -> None:
    assert checkbox_column("comorbid", "1") == "comorbid___1"
    assert checkbox_column("comorbid", "-1") == "comorbid____1"
    assert checkbox_column("race", "Other.A") == "race___other_a"


def test_a_dictionary_without_its_required_columns_is_refused(tmp_path: Path) -> None:
    result = _read(
        tmp_path, "record_id,demo,text\n", header="Variable / Field Name,Form Name,Field Type\n"
    )
    assert isinstance(result, list)
    assert [error.field for error in result] == ["Field Label"]


def test_every_bad_row_is_reported_with_its_line(tmp_path: Path) -> None:
    body = (
        "record_id,demo,,text,Record ID,,,,,,\n"
        "Bad Name,demo,,text,Label,,,,,,\n"
        "sex,demo,,radio,Sex,,,,,,\n"
        "colour,demo,,hologram,Colour,,,,,,\n"
        "record_id,demo,,text,Again,,,,,,\n"
    )
    result = _read(tmp_path, body)
    assert isinstance(result, list)
    assert [(error.line, error.field) for error in result] == [
        (3, "Variable / Field Name"),
        (4, "Choices, Calculations, OR Slider Labels"),
        (5, "Field Type"),
        (6, "Variable / Field Name"),
    ]
    assert "defined twice" in result[-1].reason


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "empty"),
        (b"\xff\xfe\x00bad", "not valid UTF-8"),
        (HEADER.encode(), "defines no field"),
    ],
)
def test_unusable_dictionary_files_are_file_errors(
    tmp_path: Path, content: bytes, reason: str
) -> None:
    path = tmp_path / "dictionary.csv"
    path.write_bytes(content)
    result = read_data_dictionary(path)
    assert isinstance(result, list) and reason in result[0].reason
