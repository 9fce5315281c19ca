"""The data dictionary of the native CSV tables, generated from the domain model.

For every column: its table, type, whether it is required, its permitted values (enum members) and
constraints (ranges, lengths, patterns), default, unit, a plain-language description and the domain
field it holds. All of it except the description sentence is read from the pydantic models, so the
dictionary cannot drift from what the importer actually accepts.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from spsreg.domain.base import RecordId, YearMonth
from spsreg.export.field_descriptions import FIELD_DESCRIPTIONS
from spsreg.export.native_cells import ResponseType, format_cell
from spsreg.export.native_tables import TABLES, Column, Table, TableKind

__all__ = [
    "DATA_DICTIONARY_FILE",
    "DATA_DICTIONARY_HEADER",
    "DictionaryEntry",
    "data_dictionary",
    "data_dictionary_rows",
    "render_data_dictionary_markdown",
]

DATA_DICTIONARY_FILE = "data_dictionary.csv"

DATA_DICTIONARY_HEADER = (
    "table",
    "column",
    "type",
    "required",
    "key",
    "permitted_values",
    "constraints",
    "default",
    "unit",
    "description",
    "domain_path",
)


@dataclass(frozen=True)
class DictionaryEntry:
    table: str
    column: str
    type: str
    required: bool
    key: bool
    permitted_values: tuple[str, ...]
    constraints: str
    default: str
    unit: str
    description: str
    domain_path: str

    def cells(self) -> list[str]:
        return [
            self.table,
            self.column,
            self.type,
            "yes" if self.required else "no",
            "yes" if self.key else "no",
            ", ".join(self.permitted_values),
            self.constraints,
            self.default,
            self.unit,
            self.description,
            self.domain_path,
        ]


_ID_RULE = "1-64 characters: letters, digits, '.', '_', ':' or '-', starting with a letter or digit"


@dataclass(frozen=True)
class _FieldType:
    name: str
    permitted: tuple[str, ...]
    constraints: str


def _unwrap(annotation: Any, metadata: list[Any]) -> tuple[Any, list[Any]]:
    """The value type of a field (list element, non-None union member) and all its metadata."""
    metadata = list(metadata)
    if get_origin(annotation) is tuple:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            annotation = members[0]
    if get_origin(annotation) is Annotated:
        annotation, *extra = get_args(annotation)
        metadata.extend(extra)
    expanded: list[Any] = []
    for item in metadata:
        expanded.extend(item.metadata if isinstance(item, FieldInfo) else [item])
    return annotation, expanded


def _number_constraints(metadata: list[Any]) -> str:
    bounds = {
        name: getattr(item, name)
        for item in metadata
        for name in ("gt", "ge", "lt", "le")
        if getattr(item, name, None) is not None
    }
    if "ge" in bounds and "le" in bounds:
        return f"from {bounds['ge']} to {bounds['le']}"
    symbols = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
    return " and ".join(f"{symbols[name]} {value}" for name, value in bounds.items())


def _text_constraints(metadata: list[Any]) -> str:
    parts: list[str] = []
    lengths = {
        name: getattr(item, name)
        for item in metadata
        for name in ("min_length", "max_length")
        if getattr(item, name, None) is not None
    }
    if "max_length" in lengths:
        parts.append(f"{lengths.get('min_length', 0)} to {lengths['max_length']} characters")
    elif "min_length" in lengths:
        parts.append(f"at least {lengths['min_length']} characters")
    parts.extend(f"matches `{item.pattern}`" for item in metadata if getattr(item, "pattern", None))
    return "; ".join(parts)


def _field_type(info: FieldInfo) -> _FieldType:
    annotation, metadata = _unwrap(info.annotation, info.metadata)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _FieldType("code", tuple(str(member.value) for member in annotation), "")
    if annotation is bool:
        return _FieldType("boolean", ("true", "false"), "")
    if annotation is int:
        return _FieldType("integer", (), _number_constraints(metadata))
    if annotation is float:
        return _FieldType("decimal", (), _number_constraints(metadata))
    if annotation is date:
        return _FieldType("date", (), "YYYY-MM-DD")
    if any(item in get_args(RecordId)[1:] for item in metadata):
        return _FieldType("identifier", (), _ID_RULE)
    if any(item in get_args(YearMonth)[1:] for item in metadata):
        return _FieldType("year-month", (), "YYYY-MM, year 1900 to 2100")
    if annotation is str:
        return _FieldType("text", (), _text_constraints(metadata))
    raise TypeError(f"no dictionary type for {annotation!r}")


def _description(owner: type[Any], field: str, info: FieldInfo) -> str:
    text = FIELD_DESCRIPTIONS[f"{owner.__name__}.{field}"]
    if info.description:
        domain = info.description.rstrip(".")
        text = f"{text.rstrip('.')}: {domain}."
    return text


_UNIT_SUFFIXES = (
    ("_mcg_per_ml", "mcg/mL"),
    ("_ml", "mL"),
    ("_kg", "kg"),
    ("_mcg", "mcg"),
    ("_days", "days"),
    ("_per_month", "per month"),
)


def _unit(table: Table, column: Column) -> str:
    """The unit a column is measured in, read from the field's name (``weight_kg`` is in kg)."""
    prefix = column.name.removesuffix("value")
    if column.name.endswith("value") and f"{prefix}unit" in table.header:
        return f"as given in {prefix}unit"
    for suffix, unit in _UNIT_SUFFIXES:
        if column.name.endswith(suffix):
            return f"{unit}/day" if column.name.startswith("daily_") else unit
    return ""


def _response_entry(table: Table, column: Column) -> DictionaryEntry | None:
    """The item-response columns whose meaning comes from the encoding, not one domain field."""
    if column.name == "item_id":
        return DictionaryEntry(
            table.file,
            column.name,
            "text",
            True,
            True,
            (),
            "",
            "",
            "",
            "Id of the scale item answered.",
            column.path,
        )
    if column.name == "value_type":
        return DictionaryEntry(
            table.file,
            column.name,
            "code",
            True,
            False,
            tuple(member.value for member in ResponseType),
            "",
            "",
            "",
            "How to read value: a whole number, a decimal number, a text, or missing for an "
            "item that was not answered (value is then empty).",
            column.path,
        )
    if column.name == "value":
        return DictionaryEntry(
            table.file,
            column.name,
            "as value_type",
            False,
            False,
            (),
            "finite number when value_type is integer or decimal",
            "",
            "",
            FIELD_DESCRIPTIONS["Assessment.responses"],
            column.path,
        )
    return None


_TABLE_OF_ROW_ID = {f"{table.path}.id": table for table in TABLES}


def _inherited_key_description(column: Column) -> str:
    if column.name == "patient_id":
        return "Patient the row belongs to (patients.csv patient_id)."
    parent = _TABLE_OF_ROW_ID[column.path]
    return f"Row of {parent.file} this row belongs to ({parent.file} {column.name})."


def _entry(table: Table, column: Column) -> DictionaryEntry:
    if table.kind is TableKind.RESPONSES:
        special = _response_entry(table, column)
        if special is not None:
            return special
    assert column.owner is not None and column.field is not None
    info = column.owner.model_fields[column.field]
    inherited = column.key and column.source is None
    kind = _field_type(info)
    required = column.key or table.kind in (TableKind.VALUES, TableKind.RESPONSES)
    required = required or info.is_required()
    default = info.default
    shown_default = (
        ""
        if default is PydanticUndefined or default is None or isinstance(default, tuple)
        else format_cell(default)
    )
    return DictionaryEntry(
        table=table.file,
        column=column.name,
        type=kind.name,
        required=required,
        key=column.key,
        permitted_values=kind.permitted,
        constraints=kind.constraints,
        default=shown_default,
        unit=_unit(table, column),
        description=_inherited_key_description(column)
        if inherited
        else _description(column.owner, column.field, info),
        domain_path=column.path,
    )


def data_dictionary() -> Iterator[DictionaryEntry]:
    """Every column of every table, in file and column order."""
    for table in TABLES:
        for column in table.columns:
            yield _entry(table, column)


def data_dictionary_rows() -> Iterator[list[str]]:
    """The rows of ``data_dictionary.csv`` (without its header)."""
    for entry in data_dictionary():
        yield entry.cells()


_EXPLAINED_TYPES = frozenset({"identifier", "date", "year-month"})


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_data_dictionary_markdown() -> str:
    """One Markdown section per table: its meaning, keys and a row per column."""
    entries = list(data_dictionary())
    parts: list[str] = []
    for table in TABLES:
        keys = ", ".join(f"`{column.name}`" for column in table.columns if column.key)
        parts.append(f"### `{table.file}`\n\n{table.description} Keys: {keys}.\n")
        parts.append(
            "| column | type | required | permitted values / constraints | default | unit "
            "| description | domain path |"
        )
        parts.append("|---|---|---|---|---|---|---|---|")
        for entry in entries:
            if entry.table != table.file:
                continue
            permitted = ", ".join(f"`{value}`" for value in entry.permitted_values)
            # the formats of identifiers and dates are explained once, above the tables
            constraints = "" if entry.type in _EXPLAINED_TYPES else entry.constraints
            allowed = "; ".join(part for part in (permitted, constraints) if part)
            default = f"`{entry.default}`" if entry.default else ""
            cells = [
                f"`{entry.column}`",
                entry.type,
                "yes" if entry.required else "no",
                allowed,
                default,
                entry.unit,
                entry.description,
                f"`{entry.domain_path}`",
            ]
            parts.append("| " + " | ".join(_markdown_cell(cell) for cell in cells) + " |")
        parts.append("")
    return "\n".join(parts)
