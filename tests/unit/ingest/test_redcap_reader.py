"""Reading a REDCap project (records export, data dictionary, mapping) into patient records."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

from spsreg.domain import DoseUnit, StopReason, VisitKind
from spsreg.ingest.batch import NativeBatch, ParsedRecord
from spsreg.ingest.errors import RecordError
from spsreg.ingest.redcap_reader import read_redcap_path

EXAMPLE = Path(__file__).parents[3] / "docs" / "examples" / "redcap"
Edit = Callable[[str], str]


def _project(
    tmp_path: Path,
    *,
    records: Edit = str,
    mapping: Edit = str,
    dictionary: Edit = str,
) -> tuple[Path, Path, Path]:
    """A copy of the example project with each file edited."""
    folder = tmp_path / "project"
    shutil.copytree(EXAMPLE, folder)
    paths = (folder / "records.csv", folder / "data_dictionary.csv", folder / "mapping.yaml")
    for path, edit in zip(paths, (records, dictionary, mapping), strict=True):
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return paths


def _read(tmp_path: Path, **edits: Edit) -> NativeBatch:
    records, dictionary, mapping = _project(tmp_path, **edits)
    return read_redcap_path(records, dictionary=dictionary, mapping=mapping, site_id="SITE-A")


def _parsed(batch: NativeBatch) -> dict[str, ParsedRecord]:
    return {item.record.patient.id: item for item in batch if isinstance(item, ParsedRecord)}


def _errors(batch: NativeBatch) -> list[RecordError]:
    return [item for item in batch if isinstance(item, RecordError)]


def _line(number: int, old: str, new: str) -> Edit:
    """Replace ``old`` by ``new`` once, on physical line ``number`` only."""

    def edit(text: str) -> str:
        lines = text.split("\n")
        assert old in lines[number - 1], (old, lines[number - 1])
        lines[number - 1] = lines[number - 1].replace(old, new, 1)
        return "\n".join(lines)

    return edit


def test_the_example_project_gives_one_patient_per_record(tmp_path: Path) -> None:
    batch = _read(tmp_path)
    assert batch.accepted and batch.sites == ()
    parsed = _parsed(batch)
    assert list(parsed) == ["rc-SITE-A-101", "rc-SITE-A-102"]
    first = parsed["rc-SITE-A-101"]
    assert (first.file, first.line) == (str(tmp_path / "project" / "records.csv"), 2)
    record = first.record
    assert record.patient.sex == "female" and record.patient.birth_year_month == "1971-04"
    assert record.patient.onset_date == date(2016, 5, 1) and record.patient.phenotype == "classic"
    assert record.patient.pseudonym.startswith("RC-")
    assert record.identifiers is not None and record.identifiers.hospital_number == "MRN-0101"
    assert [(v.kind, v.visit_date) for v in record.visits] == [
        (VisitKind.BASELINE, date(2018, 12, 3)),
        (VisitKind.ROUTINE, date(2019, 6, 3)),
    ]
    stiffness = record.visits[0].assessments[0]
    assert stiffness.scale_id == "stiffness_index" and stiffness.responses["lower_trunk"] == 1
    assert record.visits[1].assessments[1].responses == {"grade": 2}
    courses = record.medication_courses
    assert [(c.drug_id, c.dose.value, c.dose.unit, c.times_per_period) for c in courses] == [
        ("diazepam", 5.0, DoseUnit.MG, 3),
        ("diazepam", 10.0, DoseUnit.MG, 3),
    ]
    assert courses[0].stop_reason is StopReason.DOSE_CHANGED and courses[1].stop_date is None
    assert [(e.term, e.grade, e.serious) for e in record.adverse_events] == [
        ("Somnolence", 2, False)
    ]
    assert [lab.value for lab in record.lab_results] == [254.3]
    assert [c.kind for c in record.comorbidities] == ["type_1_diabetes"]


def test_record_ids_are_the_same_on_every_read(tmp_path: Path) -> None:
    first = [parsed.record for parsed in _parsed(_read(tmp_path / "a")).values()]
    second = [parsed.record for parsed in _parsed(_read(tmp_path / "b")).values()]
    assert first == second
    ids = [record_id for record in first for _, record_id in record.record_ids()]
    assert len(ids) == len(set(ids))
    assert "rc-SITE-A-101-med-baseline_arm_1-medications-2" in ids


def test_every_unused_field_is_reported_once_with_its_first_line(tmp_path: Path) -> None:
    batch = _read(tmp_path)
    unmapped = {(item.item, item.line) for item in batch.unmapped}
    assert unmapped == {
        ("referral_source", 2),
        ("demographics_complete", 2),
        ("visit_notes", 2),
        ("visit_complete", 2),
        ("gad_antibody_complete", 2),
        ("medications_complete", 3),
        ("adverse_events_complete", 5),
    }
    assert {item.category for item in batch.unmapped} == {"redcap-field"}
    notes = next(item for item in batch.unmapped if item.item == "visit_notes")
    assert notes.reason == "not used by the mapping (form visit: Visit notes)"


def test_an_unmapped_checkbox_is_reported_once(tmp_path: Path) -> None:
    batch = _read(
        tmp_path, mapping=lambda t: t.split("comorbidities:")[0] + "visits:" + t.split("visits:")[1]
    )
    assert [item.item for item in batch.unmapped].count("comorbid") == 1
    assert all(not item.item.startswith("comorbid___") for item in batch.unmapped)


def test_a_bad_date_rejects_its_whole_patient_only(tmp_path: Path) -> None:
    batch = _read(tmp_path, records=_line(2, "2016-05-01", "2016-05-41"))
    errors = _errors(batch)
    assert [(e.line, e.field, e.patient_id) for e in errors] == [(2, "onset_date", "rc-SITE-A-101")]
    assert errors[0].file.endswith("records.csv")
    assert "'2016-05-41' is not a date written YYYY-MM-DD" in errors[0].reason
    assert list(_parsed(batch)) == ["rc-SITE-A-102"]


def test_an_unknown_choice_code_names_the_choices(tmp_path: Path) -> None:
    batch = _read(tmp_path, records=_line(7, "1965-11-02,2,", "1965-11-02,7,"))
    [error] = _errors(batch)
    assert (error.line, error.field, error.patient_id) == (7, "sex", "rc-SITE-A-102")
    assert error.reason == (
        "unknown choice code '7': the data dictionary lists 1 (Female), 2 (Male), 3 (Other)"
    )
    assert list(_parsed(batch)) == ["rc-SITE-A-101"]


def test_a_dose_that_is_not_a_number_is_reported_at_its_row_and_field(tmp_path: Path) -> None:
    batch = _read(tmp_path, records=_line(4, ",1,1,10,1,3,", ",1,1,ten,1,3,"))
    [error] = _errors(batch)
    assert (error.line, error.field, error.patient_id) == (4, "med_dose", "rc-SITE-A-101")
    assert "valid number" in error.reason and "'ten'" in error.reason


def test_a_rule_across_fields_is_reported_at_the_row(tmp_path: Path) -> None:
    batch = _read(tmp_path, records=_line(3, "2019-03-01,2019-09-01", "2019-10-01,2019-09-01"))
    [error] = _errors(batch)
    assert (error.line, error.field) == (3, "medication_courses[0]")
    assert "stop_date (2019-09-01) is before start_date (2019-10-01)" in error.reason


def test_a_choice_the_mapping_does_not_translate_is_a_record_error(tmp_path: Path) -> None:
    batch = _read(
        tmp_path,
        mapping=lambda t: t.replace("2: clonazepam, ", ""),
        records=_line(8, ",3,1,10,", ",2,1,10,"),
    )
    [error] = _errors(batch)
    assert (error.line, error.field) == (8, "med_drug")
    assert error.reason == "'2' (Clonazepam) has no registry value in the mapping's values"


def test_a_ticked_checkbox_without_a_kind_is_a_record_error(tmp_path: Path) -> None:
    batch = _read(
        tmp_path,
        mapping=lambda t: t.replace(", 4: epilepsy", ""),
        records=_line(2, ",1,0,0,0,GP", ",1,0,0,1,GP"),
    )
    [error] = _errors(batch)
    assert (error.line, error.field) == (2, "comorbid___4")
    assert "choice 4 (Epilepsy) has no comorbidity kind" in error.reason


def test_rows_that_cannot_be_used_reject_their_patient(tmp_path: Path) -> None:
    batch = _read(
        tmp_path,
        records=lambda t: (
            t.replace(
                "\n102,baseline_arm_1,medications,1,", "\n102,baseline_arm_1,medications,1,extra,"
            )
            + ",month6_arm_1,,,,,\n"
        ),
    )
    errors = _errors(batch)
    assert [(e.line, e.field, e.patient_id) for e in errors] == [
        (9, "record_id", None),
        (8, "-", "rc-SITE-A-102"),
    ]
    assert list(_parsed(batch)) == ["rc-SITE-A-101"]


def test_a_mapping_field_missing_from_the_dictionary_is_a_file_error_at_its_line(
    tmp_path: Path,
) -> None:
    batch = _read(
        tmp_path, mapping=lambda t: t.replace("{field: dx_date,", "{field: diagnosis_dt,")
    )
    [error] = batch.file_errors
    assert error.file.endswith("mapping.yaml")
    assert (error.line, error.field) == (10, "patient.fields[2].field")
    assert error.reason == "field 'diagnosis_dt' is not in the data dictionary"
    assert list(batch) == [error]


def test_a_mapping_field_missing_from_the_export_is_a_file_error(tmp_path: Path) -> None:
    def drop_weight(text: str) -> str:
        rows = [line.split(",") for line in text.split("\n")]
        column = rows[0].index("weight_kg")
        return "\n".join(
            ",".join(r[:column] + r[column + 1 :]) if len(r) > column else ",".join(r) for r in rows
        )

    records, dictionary, mapping = _project(tmp_path)
    text = records.read_text(encoding="utf-8").replace(
        '"Walks with a stick; ""falls"" twice a month"', "notes"
    )
    records.write_text(drop_weight(text), encoding="utf-8")
    batch = read_redcap_path(records, dictionary=dictionary, mapping=mapping, site_id="SITE-A")
    assert [(e.line, e.reason) for e in batch.file_errors] == [
        (33, "field 'weight_kg' is not in the records export")
    ]


def test_an_identifier_field_may_map_only_to_identifiers(tmp_path: Path) -> None:
    edit = _line(
        10, "    - {field: dx_date, to: diagnosis_date}", "    - {field: dob, to: diagnosis_date}"
    )
    batch = _read(tmp_path, mapping=edit)
    [error] = batch.file_errors
    assert (error.line, error.field) == (10, "patient.fields[2].field")
    assert "Identifier? = y" in error.reason and "may map only to identifiers" in error.reason


def test_places_the_project_does_not_have_are_file_errors(tmp_path: Path) -> None:
    batch = _read(
        tmp_path,
        mapping=lambda t: t.replace("instrument: medications", "instrument: drugs").replace(
            "event: month6_arm_1", "event: month12_arm_1"
        ),
    )
    reasons = [e.reason for e in batch.file_errors]
    assert any(r.startswith("'drugs' is not a form of the data dictionary") for r in reasons)
    assert any(
        "is on form 'medications', not on the repeating instrument 'drugs'" in r for r in reasons
    )


FLAT_DICTIONARY = """\
Variable / Field Name,Form Name,Section Header,Field Type,Field Label,"Choices, Calculations, OR Slider Labels",Field Note,Text Validation Type OR Show Slider Number,Text Validation Min,Text Validation Max,Identifier?
record_id,patient,,text,Record ID,,,,,,
sex,patient,,radio,Sex,"1, Female | 2, Male",,,,,
birth_year,patient,,text,Year of birth,,,integer,,,
birth_month,patient,,text,Month of birth,,,integer,,,
visit_date,patient,,text,Visit date,,,date_ymd,,,
mrs_grade,patient,,radio,mRS,"0, 0 | 1, 1 | 2, 2 | 3, 3 | 4, 4 | 5, 5 | 6, 6",,,,,
"""

FLAT_MAPPING = """\
patient:
  fields:
    - {field: sex, to: sex, values: {1: female, 2: male}}
    - {field: birth_year, to: birth_year}
    - {field: birth_month, to: birth_month}
visits:
  - fields: [{field: visit_date, to: visit_date}]
    assessments: [{scale: mrs, version: 1, items: [{field: mrs_grade, to: grade}]}]
"""


def test_an_event_no_section_reads_is_reported_and_a_missing_one_is_no_error(
    tmp_path: Path,
) -> None:
    def edit(text: str) -> str:
        text = text.replace("- field: comorbid\n", "- field: comorbid\n    event: baseline_arm_1\n")
        return text.replace("event: month6_arm_1", "event: month12_arm_1")

    batch = _read(tmp_path, mapping=edit)
    assert batch.accepted
    [event] = [item for item in batch.unmapped if item.category == "redcap-event"]
    assert (event.item, event.line) == ("month6_arm_1", 6)
    assert [len(p.record.visits) for p in _parsed(batch).values()] == [1, 1]


def test_a_flat_project_without_events_is_read(tmp_path: Path) -> None:
    (tmp_path / "dictionary.csv").write_text(FLAT_DICTIONARY, encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text(FLAT_MAPPING, encoding="utf-8")
    (tmp_path / "records.csv").write_text(
        "record_id,sex,birth_year,birth_month,visit_date,mrs_grade\n"
        "A-1,2,1980,2,2024-05-06,1\n"
        "A 2,1,1990,12,,\n"
        "A-3,1,1990,13,,\n",
        encoding="utf-8",
    )
    batch = read_redcap_path(
        tmp_path / "records.csv",
        dictionary=tmp_path / "dictionary.csv",
        mapping=tmp_path / "mapping.yaml",
        site_id="SITE-B",
    )
    assert batch.file_errors == () and batch.unmapped == ()
    parsed = _parsed(batch)
    first = parsed["rc-SITE-B-A-1"].record
    assert first.patient.birth_year_month == "1980-02" and first.identifiers is None
    assert [(v.visit_date, v.assessments[0].responses) for v in first.visits] == [
        (date(2024, 5, 6), {"grade": 1})
    ]
    # a record id that is not a valid registry id gets a stable digest instead
    [second] = [p for p in parsed.values() if p.line == 3]
    assert second.record.patient.id.startswith("rc-") and second.record.visits == ()
    [error] = _errors(batch)
    assert (error.line, error.field) == (4, "birth_month")
    assert error.reason == "'13' is not a birth month (1-12)"
