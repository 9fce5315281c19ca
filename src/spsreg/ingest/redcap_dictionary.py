"""The REDCap data dictionary: each field's form, type, choices and identifier flag.

The dictionary is the CSV REDCap downloads from "Data Dictionary"; its first columns are
``Variable / Field Name``, ``Form Name``, ``Section Header``, ``Field Type``, ``Field Label``,
``Choices, Calculations, OR Slider Labels``, ``Field Note``, ``Text Validation Type OR Show Slider
Number``, ``Text Validation Min``, ``Text Validation Max`` and ``Identifier?`` (then branching
logic, required flag and annotations, which the import does not need). Choices are written
``1, Female | 2, Male``; a checkbox field is exported as one ``field___code`` column per choice.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from spsreg.ingest.errors import WHOLE_LINE, RecordError
from spsreg.ingest.redcap_csv import CsvTable, read_csv_table

__all__ = [
    "CHOICE_TYPES",
    "DataDictionary",
    "DictionaryField",
    "checkbox_column",
    "parse_choices",
    "read_data_dictionary",
]

FIELD_NAME = "Variable / Field Name"
FORM_NAME = "Form Name"
FIELD_TYPE = "Field Type"
FIELD_LABEL = "Field Label"
CHOICES = "Choices, Calculations, OR Slider Labels"
VALIDATION = "Text Validation Type OR Show Slider Number"
IDENTIFIER = "Identifier?"
REQUIRED_COLUMNS = (FIELD_NAME, FORM_NAME, FIELD_TYPE, FIELD_LABEL)

CHOICE_TYPES = frozenset({"radio", "dropdown", "checkbox"})
"""Field types whose values are choice codes listed in the dictionary."""
_FIXED_CHOICES = {"yesno": {"1": "Yes", "0": "No"}, "truefalse": {"1": "True", "0": "False"}}
_FIELD_TYPES = frozenset(
    {
        "text",
        "notes",
        "calc",
        "descriptive",
        "slider",
        "file",
        "sql",
        *CHOICE_TYPES,
        *_FIXED_CHOICES,
    }
)
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class DictionaryField:
    """One field of the project, as the dictionary defines it."""

    name: str
    form: str
    field_type: str
    label: str
    choices: dict[str, str]  # code -> label; empty for fields without choices
    validation: str  # e.g. date_ymd, number, integer; empty when none
    identifier: bool
    line: int

    @property
    def coded(self) -> bool:
        """True when the export holds choice codes (radio, dropdown, checkbox, yes/no)."""
        return bool(self.choices)

    @property
    def is_date(self) -> bool:
        return self.validation.startswith("date")

    def export_columns(self) -> tuple[str, ...]:
        """The records-export columns that hold this field (one per choice for a checkbox)."""
        if self.field_type == "checkbox":
            return tuple(checkbox_column(self.name, code) for code in self.choices)
        return (self.name,)


@dataclass(frozen=True)
class DataDictionary:
    file: str
    fields: dict[str, DictionaryField]
    forms: tuple[str, ...]

    def column_owner(self) -> dict[str, str]:
        """Export column -> the dictionary field it belongs to."""
        return {column: f.name for f in self.fields.values() for column in f.export_columns()}


def checkbox_column(field: str, code: str) -> str:
    """The export column of one checkbox choice: ``field___code``, the code lower-cased with any
    character other than a letter or digit written as ``_`` (REDCap's rule)."""
    return f"{field}___{re.sub(r'[^a-z0-9]', '_', code.lower())}"


def parse_choices(text: str) -> dict[str, str] | str:
    """``1, Female | 2, Male`` as ``{"1": "Female", "2": "Male"}``, or the reason it cannot be read."""
    choices: dict[str, str] = {}
    for part in text.split("|"):
        if not part.strip():
            continue
        code, comma, label = part.partition(",")
        code = code.strip()
        if not comma or not code:
            return f"choice {part.strip()!r} is not written 'code, label'"
        if code in choices:
            return f"choice code {code!r} appears twice"
        choices[code] = label.strip()
    if not choices:
        return "a choice field needs its choices ('1, Female | 2, Male')"
    return choices


def read_data_dictionary(path: Path) -> DataDictionary | list[RecordError]:
    """The data dictionary at ``path``, or every problem that makes it unusable."""
    table = read_csv_table(path, "data dictionary")
    if isinstance(table, list):
        return table
    missing = [column for column in REQUIRED_COLUMNS if column not in table.header]
    if missing:
        return [
            RecordError(
                table.file,
                1,
                column,
                "a data dictionary column is missing (download the project's data dictionary "
                "from REDCap as CSV)",
            )
            for column in missing
        ]
    return _fields(table)


def _fields(table: CsvTable) -> DataDictionary | list[RecordError]:
    errors: list[RecordError] = []
    fields: dict[str, DictionaryField] = {}
    forms: list[str] = []

    def problem(line: int, column: str, reason: str) -> None:
        errors.append(RecordError(table.file, line, column, reason))

    for row in table.rows:
        if row.problem is not None:
            problem(row.line, WHOLE_LINE, row.problem)
            continue
        cells = row.cells
        name, field_type = cells.get(FIELD_NAME, ""), cells.get(FIELD_TYPE, "").lower()
        if not _NAME.match(name):
            problem(row.line, FIELD_NAME, f"{name!r} is not a REDCap field name")
            continue
        if name in fields:
            problem(row.line, FIELD_NAME, f"field {name!r} is defined twice")
            continue
        if field_type not in _FIELD_TYPES:
            problem(row.line, FIELD_TYPE, f"unknown field type {field_type!r}")
            continue
        choices: dict[str, str] = dict(_FIXED_CHOICES.get(field_type, {}))
        if field_type in CHOICE_TYPES:
            parsed = parse_choices(cells.get(CHOICES, ""))
            if isinstance(parsed, str):
                problem(row.line, CHOICES, f"field {name}: {parsed}")
                continue
            choices = parsed
        form = cells.get(FORM_NAME, "")
        if form and form not in forms:
            forms.append(form)
        fields[name] = DictionaryField(
            name=name,
            form=form,
            field_type=field_type,
            label=cells.get(FIELD_LABEL, ""),
            choices=choices,
            validation=cells.get(VALIDATION, "").lower(),
            identifier=cells.get(IDENTIFIER, "").lower() in ("y", "yes"),
            line=row.line,
        )
    if not errors and not fields:
        problem(1, WHOLE_LINE, "the data dictionary defines no field")
    return errors if errors else DataDictionary(table.file, fields, tuple(forms))
