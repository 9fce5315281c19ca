"""The declarative mapping between domain classes and tables (no database needed)."""

from __future__ import annotations

import types
from enum import Enum
from typing import Any, Union, get_args, get_origin

import annotated_types
import pytest
from pydantic import BaseModel
from sqlalchemy import Column, Date, Integer, MetaData, String, Table
from sqlalchemy.types import String as StringType

from spsreg.domain import RECORD_SECTIONS, Consent
from spsreg.store.mapping import MAPPINGS, SECTION_KINDS, SITE_MAPPING, RecordMapping


def test_section_kinds_follow_the_record_sections() -> None:
    assert [kind.value for kind in SECTION_KINDS] == list(RECORD_SECTIONS)


def test_a_field_without_a_column_fails_at_definition() -> None:
    table = Table(
        "consents_missing",
        MetaData(),
        Column("id", String(64), primary_key=True),
        Column("patient_id", String(64)),
        Column("position", Integer),
        Column("row_version", Integer),
        Column("kind", String(32)),
        Column("status", String(32)),
        Column("recorded_on", Date),
    )
    with pytest.raises(TypeError, match=r"no column for Consent\.withdrawn_on"):
        RecordMapping("consents", Consent, table)


def test_a_column_without_a_field_fails_at_definition() -> None:
    table = Table(
        "consents_extra",
        MetaData(),
        Column("id", String(64), primary_key=True),
        Column("patient_id", String(64)),
        Column("position", Integer),
        Column("row_version", Integer),
        Column("kind", String(32)),
        Column("status", String(32)),
        Column("recorded_on", Date),
        Column("withdrawn_on", Date),
        Column("colour", String(10)),
    )
    with pytest.raises(TypeError, match="not fields of Consent: colour"):
        RecordMapping("consents", Consent, table)


def _plain(annotation: Any) -> list[Any]:
    """The concrete types inside an annotation (Optional and unions unwrapped)."""
    if get_origin(annotation) in (Union, types.UnionType):
        return [t for arg in get_args(annotation) for t in _plain(arg)]
    if hasattr(annotation, "__metadata__"):
        return _plain(get_args(annotation)[0])
    return [annotation]


# Text fields bounded by a pattern rather than max_length: RecordId (1-64 characters) and these.
PATTERN_LIMITS = {"pseudonym": 32, "birth_year_month": 7, "country": 2}


def _limit(model: type[BaseModel], name: str) -> int | None:
    field = model.model_fields[name]
    limits = [m.max_length for m in field.metadata if isinstance(m, annotated_types.MaxLen)]
    if limits:
        return int(limits[0])
    if name in PATTERN_LIMITS:
        return PATTERN_LIMITS[name]
    if name == "id" or name.endswith("_id"):
        return 64
    return None


def _string_columns(
    model: type[BaseModel], table: Table, prefix: str = ""
) -> list[tuple[str, int | None, str]]:
    """(column, domain maximum length, description) for every text-valued field."""
    found = []
    for name, field in model.model_fields.items():
        column = f"{prefix}{name}"
        for plain in _plain(field.annotation):
            if isinstance(plain, type) and issubclass(plain, Enum):
                longest = max(len(str(member.value)) for member in plain)
                found.append((column, longest, f"{plain.__name__} values"))
            elif isinstance(plain, type) and issubclass(plain, BaseModel):
                found += _string_columns(plain, table, prefix=f"{name}_")
            elif plain is str and column in table.c:
                found.append((column, _limit(model, name), f"{model.__name__}.{name}"))
    return found


@pytest.mark.parametrize("mapping", [SITE_MAPPING, *MAPPINGS.values()], ids=lambda m: str(m.kind))
def test_text_columns_hold_every_value_the_domain_allows(mapping: RecordMapping[Any]) -> None:
    for column_name, longest, what in _string_columns(mapping.model, mapping.table):
        column_type = mapping.table.c[column_name].type
        assert isinstance(column_type, StringType)
        if column_type.length is None:
            continue  # unbounded text
        assert longest is not None, f"{column_name} is limited but {what} is not"
        assert column_type.length >= longest, f"{column_name} too short for {what}"
