"""Base class and shared value types for the domain model (pure, no I/O)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

__all__ = [
    "DomainModel",
    "RecordId",
    "YearMonth",
    "require_order",
]


class DomainModel(BaseModel):
    """Immutable, strictly validated domain object.

    Unknown fields are rejected (a misspelt field in an import is an error, not silently dropped)
    and instances are frozen: a change is a new object, written through the store with a row version.
    """

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


def _check_id(value: str) -> str:
    if not _ID_PATTERN.match(value):
        raise ValueError(
            "must be 1-64 characters: letters, digits, '.', '_', ':' or '-', starting with a letter or digit"
        )
    return value


RecordId = Annotated[str, AfterValidator(_check_id)]
"""Stable identifier of a record. Stable ids make re-imports idempotent."""

_YEAR_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


def _check_year_month(value: str) -> str:
    match = _YEAR_MONTH.match(value)
    if not match:
        raise ValueError("must be a year and month written YYYY-MM, e.g. 1971-04")
    if not 1900 <= int(match.group(1)) <= 2100:
        raise ValueError("year must be between 1900 and 2100")
    return value


YearMonth = Annotated[str, AfterValidator(_check_year_month)]
"""A year and month (YYYY-MM): the registry keeps birth dates at this precision."""

Score0to10 = Annotated[int, Field(ge=0, le=10)]


def require_order(start: date | None, end: date | None, start_name: str, end_name: str) -> None:
    """Raise a clear error when an interval ends before it starts."""
    if start is not None and end is not None and end < start:
        raise ValueError(
            f"{end_name} ({end.isoformat()}) is before {start_name} ({start.isoformat()})"
        )
