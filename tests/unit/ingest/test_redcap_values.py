"""One REDCap cell as a registry value: choice codes, value maps and raw-export dates."""

from __future__ import annotations

import pytest

from spsreg.ingest.redcap_dictionary import DataDictionary, DictionaryField
from spsreg.ingest.redcap_mapping import FieldMap
from spsreg.ingest.redcap_records import RedcapRow
from spsreg.ingest.redcap_values import Rejected, read_value


def _field(name: str, field_type: str, validation: str = "", **choices: str) -> DictionaryField:
    return DictionaryField(name, "form", field_type, name, dict(choices), validation, False, 2)


DICTIONARY = DataDictionary(
    "dictionary.csv",
    {
        "seen": _field("seen", "text", "datetime_ymd"),
        "born": _field("born", "text", "date_dmy"),
        "sex": _field("sex", "radio", **{"1": "Female", "2": "Male"}),
        "note": _field("note", "text"),
    },
    ("form",),
)


def _value(field: str, cell: str, values: dict[str, str] | None = None) -> object:
    row = RedcapRow(7, None, None, None, {field: cell})
    return read_value(DICTIONARY, row, FieldMap(field=field, to="x", values=values))


@pytest.mark.parametrize(
    ("field", "cell", "values", "expected"),
    [
        ("seen", "2024-05-06 10:30", None, "2024-05-06"),
        ("seen", "2024-05-06T10:30:15", None, "2024-05-06"),
        ("born", "1980-02-29", None, "1980-02-29"),  # raw exports write every date Y-M-D
        ("sex", "2", {"1": "female", "2": "male"}, "male"),
        ("sex", "1", None, "1"),
        ("note", "free text", None, "free text"),
        ("note", "", None, None),
    ],
)
def test_cells_become_registry_values(
    field: str, cell: str, values: dict[str, str] | None, expected: object
) -> None:
    assert _value(field, cell, values) == expected


@pytest.mark.parametrize(
    ("field", "cell", "values", "reason"),
    [
        ("born", "29/02/1980", None, "'29/02/1980' is not a date written YYYY-MM-DD"),
        ("born", "1981-02-29", None, "is not a date"),
        ("born", "20240506", None, "is not a date"),
        (
            "sex",
            "3",
            None,
            "unknown choice code '3': the data dictionary lists 1 (Female), 2 (Male)",
        ),
        ("sex", "2", {"1": "female"}, "'2' (Male) has no registry value in the mapping's values"),
        ("note", "maybe", {"yes": "x"}, "'maybe' has no registry value"),
    ],
)
def test_cells_that_do_not_fit_are_rejected_at_their_line_and_field(
    field: str, cell: str, values: dict[str, str] | None, reason: str
) -> None:
    with pytest.raises(Rejected) as rejected:
        _value(field, cell, values)
    assert (rejected.value.line, rejected.value.field_name) == (7, field)
    assert reason in rejected.value.reason
