"""Cell text of the CSV tables: one spelling per value, read back to the same value."""

from __future__ import annotations

from datetime import date

import pytest

from spsreg.domain import DoseUnit, Sex
from spsreg.export.native_cells import ResponseType, decode_response, encode_response, format_cell


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (3, "3"),
        (0.1, "0.1"),
        (5.0, "5.0"),
        (1e-05, "1e-05"),
        (date(2020, 2, 29), "2020-02-29"),
        (DoseUnit.MCG, "mcg"),
        (Sex.FEMALE, "female"),
        ('a, "b"', 'a, "b"'),
    ],
)
def test_cells_are_spelt_one_way(value: object, text: str) -> None:
    assert format_cell(value) == text


@pytest.mark.parametrize(
    ("response", "cells"),
    [
        (3, ("integer", "3")),
        (-12, ("integer", "-12")),
        (3.0, ("decimal", "3.0")),
        (2.5e-07, ("decimal", "2.5e-07")),
        ("3", ("text", "3")),
        ("", ("text", "")),
        (None, ("missing", "")),
    ],
)
def test_responses_keep_their_type(
    response: int | float | str | None, cells: tuple[str, str]
) -> None:
    assert encode_response(response) == cells
    decoded = decode_response(ResponseType(cells[0]), cells[1])
    assert decoded == response and type(decoded) is type(response)


@pytest.mark.parametrize(
    ("value_type", "text", "reason"),
    [
        (ResponseType.INTEGER, "1.5", "value_type 'integer' needs a whole number (got '1.5')"),
        (ResponseType.INTEGER, "", "value_type 'integer' needs a whole number (got '')"),
        (
            ResponseType.DECIMAL,
            "nan",
            "value_type 'decimal' needs a finite decimal number (got 'nan')",
        ),
        (
            ResponseType.DECIMAL,
            "1e999",
            "value_type 'decimal' needs a finite decimal number (got '1e999')",
        ),
        (
            ResponseType.DECIMAL,
            "1_000.0",
            "value_type 'decimal' needs a finite decimal number (got '1_000.0')",
        ),
        (ResponseType.MISSING, "0", "value_type 'missing' needs an empty value (got '0')"),
    ],
)
def test_malformed_responses_are_refused_with_a_reason(
    value_type: ResponseType, text: str, reason: str
) -> None:
    with pytest.raises(ValueError) as raised:
        decode_response(value_type, text)
    assert str(raised.value) == reason
