"""The CSV layout and its data dictionary cover the domain model exactly."""

from __future__ import annotations

from enum import Enum
from typing import Any, get_args, get_origin

from pydantic import BaseModel

from spsreg.domain import PatientRecord, Site
from spsreg.export.data_dictionary import data_dictionary
from spsreg.export.field_descriptions import FIELD_DESCRIPTIONS
from spsreg.export.native_tables import TABLES, TableKind


def _model_in(annotation: Any) -> type[BaseModel] | None:
    candidates = [annotation, *get_args(annotation)]
    for candidate in candidates:
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _domain_paths(model: type[BaseModel], prefix: str) -> set[str]:
    """Every leaf field of ``model`` as a domain path (``visits[].assessments[].scale_id``)."""
    paths: set[str] = set()
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation = info.annotation
        nested = _model_in(annotation)
        if get_origin(annotation) is dict:
            paths |= {f"{path} (item id)", f"{path} (response)"}
        elif get_origin(annotation) is tuple and nested is not None:
            paths |= _domain_paths(nested, f"{path}[].")
        elif get_origin(annotation) is tuple:
            paths.add(f"{path}[]")
        elif nested is not None:
            paths |= _domain_paths(nested, f"{path}.")
        else:
            paths.add(path)
    return paths


def _models(model: type[BaseModel]) -> set[type[BaseModel]]:
    found = {model}
    for info in model.model_fields.values():
        for candidate in (info.annotation, *get_args(info.annotation)):
            nested = _model_in(candidate)
            if nested is not None and nested not in found:
                found |= _models(nested)
    return found


def test_every_domain_field_has_exactly_one_column() -> None:
    expected = _domain_paths(PatientRecord, "") | {f"sites[].{name}" for name in Site.model_fields}
    own_columns = [
        column.path
        for table in TABLES
        for column in table.columns
        if not (column.key and column.source is None)  # keys inherited from a parent repeat its id
        and not (
            table.kind is TableKind.RESPONSES
            and column.name in ("scale_id", "scale_version", "value_type")
        )
    ]
    assert sorted(own_columns) == sorted(expected)


def test_column_names_are_unique_within_each_table_and_tables_are_named_once() -> None:
    for table in TABLES:
        assert len(set(table.header)) == len(table.header), table.name
    assert len({table.file for table in TABLES}) == len(TABLES)
    for table in TABLES:
        if table.parent is not None:
            parent_index = [t.name for t in TABLES].index(table.parent)
            assert parent_index < TABLES.index(table), "a parent table must come first"


def test_every_field_has_a_description_and_no_description_is_stale() -> None:
    fields = {
        f"{model.__name__}.{name}"
        for model in _models(PatientRecord) | {Site}
        if model is not PatientRecord
        for name, info in model.model_fields.items()
        if _model_in(info.annotation) is None  # a nested object is described by its own fields
    }
    assert set(FIELD_DESCRIPTIONS) == fields


def test_dictionary_entries_are_complete_and_match_the_enums() -> None:
    entries = list(data_dictionary())
    assert len(entries) == sum(len(table.columns) for table in TABLES)
    for entry in entries:
        assert entry.description and entry.type and entry.domain_path, entry
    by_column = {(e.table, e.column): e for e in entries}
    unit = by_column[("medication_courses.csv", "dose_unit")]
    assert unit.type == "code" and unit.required
    assert unit.permitted_values == (
        "mg",
        "mcg",
        "g",
        "g/kg",
        "mg/kg",
        "mg/m2",
        "IU",
        "U",
        "mL",
        "cells",
    )
    assert by_column[("medication_courses.csv", "dose_value")].unit == "as given in dose_unit"
    assert by_column[("visits.csv", "weight_kg")].unit == "kg"
    assert by_column[("visits.csv", "weight_kg")].constraints == "> 0 and <= 400"
    assert by_column[("itb_pump_refills.csv", "daily_dose_mcg")].unit == "mcg/day"
    assert by_column[("itb_pump_refills.csv", "concentration_mcg_per_ml")].unit == "mcg/mL"
    assert by_column[("adverse_events.csv", "grade")].constraints == "from 1 to 5"
    assert by_column[("adverse_events.csv", "serious")].default == "false"
    assert by_column[("patients.csv", "birth_year_month")].type == "year-month"
    assert by_column[("patients.csv", "vital_status")].required is False
    assert by_column[("visits.csv", "patient_id")].description.startswith(
        "Patient the row belongs to"
    )
    assert by_column[("itb_pump_refills.csv", "pump_id")].description.startswith(
        "Row of itb_pumps.csv"
    )
    for entry in entries:
        if entry.type == "code" and entry.column != "value_type":
            assert entry.permitted_values, entry.column


def test_codes_list_every_member_of_their_enum() -> None:
    entries = {(e.table, e.column): e for e in data_dictionary()}
    for table in TABLES:
        for column in table.columns:
            if column.owner is None or column.field is None:
                continue
            annotation = column.owner.model_fields[column.field].annotation
            members = [
                arg
                for arg in (annotation, *get_args(annotation))
                if isinstance(arg, type) and issubclass(arg, Enum)
            ]
            if members and table.kind is not TableKind.RESPONSES:
                values = tuple(str(member.value) for member in members[0])
                assert entries[(table.file, column.name)].permitted_values == values
