"""The mapping file: validated as a whole, every problem at its line in the file."""

from __future__ import annotations

from pathlib import Path

import pytest

from spsreg.ingest.errors import RecordError
from spsreg.ingest.redcap_mapping import LoadedMapping, load_mapping

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "redcap" / "mapping.yaml"

MINIMAL = """\
patient:
  fields:
    - {field: sex, to: sex, values: {1: female, 2: male}}
    - {field: birth, to: birth_year_month}
"""


def _load(tmp_path: Path, text: str) -> LoadedMapping | list[RecordError]:
    path = tmp_path / "mapping.yaml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path)


def _problems(tmp_path: Path, text: str) -> list[tuple[int, str, str]]:
    result = _load(tmp_path, text)
    assert isinstance(result, list), result
    return [(error.line, error.field, error.reason) for error in result]


def test_the_example_mapping_loads() -> None:
    loaded = load_mapping(EXAMPLE)
    assert isinstance(loaded, LoadedMapping)
    mapping = loaded.mapping
    assert mapping.record_id == "record_id"
    assert mapping.patient.fields[0].values == {"1": "female", "2": "male", "3": "other"}
    assert [visit.event for visit in mapping.visits] == ["baseline_arm_1", "month6_arm_1"]
    assert mapping.visits[1].assessments == mapping.visits[0].assessments  # a YAML alias
    assert mapping.medication_courses[0].instrument == "medications"
    assert loaded.line(("medication_courses", 0, "fields", 3)) == 67  # med_unit


def test_a_minimal_mapping_has_the_defaults(tmp_path: Path) -> None:
    loaded = _load(tmp_path, MINIMAL)
    assert isinstance(loaded, LoadedMapping)
    assert loaded.mapping.record_id == "record_id" and loaded.mapping.visits == ()


def test_a_target_the_section_does_not_have_is_reported_at_its_line(tmp_path: Path) -> None:
    text = (
        MINIMAL
        + "medication_courses:\n  - instrument: meds\n    fields:\n      - {field: d, to: drug}\n"
    )
    problems = _problems(tmp_path, text)
    assert problems[0][:2] == (8, "medication_courses[0].fields[0].to")
    assert "'drug' is not a field of this section" in problems[0][2]
    assert any("'drug_id' must be given" in reason for _, _, reason in problems)


def test_a_value_that_is_no_registry_value_is_reported_at_its_line(tmp_path: Path) -> None:
    text = MINIMAL.replace("2: male", "2: man")
    assert _problems(tmp_path, text) == [
        (
            3,
            'patient.fields[0].values["2"]',
            "'man' is not a registry value of sex: use one of female, male, other, unknown",
        )
    ]


def test_unknown_keys_and_yaml_syntax_errors_have_lines(tmp_path: Path) -> None:
    typo = _problems(tmp_path, MINIMAL + "visit:\n  - event: x\n")
    assert typo[0][:2] == (5, "visit")
    assert "unknown field" in typo[0][2]
    broken = _problems(tmp_path, MINIMAL + "visits: [\n  {event: x\n")
    assert broken[0][0] >= 5 and "not valid YAML" in broken[0][2]


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (
            "patient:\n  fields:\n    - {field: birth, to: birth_year_month}\n",
            "'sex' must be given",
        ),
        (
            "patient:\n  constants: {sex: female}\n",
            "the birth year and month must come from somewhere",
        ),
        (
            "patient:\n  constants: {sex: female}\n  fields:\n    - {field: y, to: birth_year}\n",
            "birth_year and birth_month go together",
        ),
        ("- a list\n", "must be a YAML mapping"),
        ("version: 2\n" + MINIMAL, "Input should be 1"),
    ],
)
def test_incomplete_mappings_are_refused(tmp_path: Path, text: str, reason: str) -> None:
    assert any(reason in problem for _, _, problem in _problems(tmp_path, text))
