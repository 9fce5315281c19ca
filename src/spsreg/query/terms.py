"""Shared terms of the criteria model: comparators, time windows and the evaluation date.

A window is always resolved against the evaluation date (``as_of``) to two concrete days before
any engine sees it, so every engine compares the same dates and calendar arithmetic (months,
leap days) is done once, here.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "Comparator",
    "QueryModel",
    "ResolvedWindow",
    "Window",
    "add_months",
    "resolve_window",
    "years_before",
]


class QueryModel(BaseModel):
    """Immutable, strictly validated part of a criteria document (unknown fields are errors)."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Comparator(StrEnum):
    LT = "<"
    LE = "<="
    GT = ">"
    GE = ">="
    EQ = "=="

    def holds(self, value: float, threshold: float) -> bool:
        """Whether ``value <comparator> threshold``."""
        if self is Comparator.LT:
            return value < threshold
        if self is Comparator.LE:
            return value <= threshold
        if self is Comparator.GT:
            return value > threshold
        if self is Comparator.GE:
            return value >= threshold
        return value == threshold


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months; the day is clamped to the target month's end."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (29 February becomes 28 February when needed)."""
    return add_months(day, -12 * years)


class ResolvedWindow(BaseModel):
    """A window as two concrete days, both inclusive (``first`` None: no lower bound)."""

    model_config = ConfigDict(frozen=True)

    first: date | None
    last: date

    def contains(self, day: date) -> bool:
        return (self.first is None or self.first <= day) and day <= self.last

    def describe(self) -> str:
        if self.first is None:
            return f"on or before {self.last.isoformat()}"
        return f"from {self.first.isoformat()} to {self.last.isoformat()}"


class Window(QueryModel):
    """A period that facts must fall in, ending at the evaluation date unless stated.

    Relative: ``days`` or ``months`` before the evaluation date (``{months: 6}`` on 2025-03-15 is
    2024-09-15 .. 2025-03-15). Absolute: ``start`` and/or ``end`` dates. Both ends are inclusive.
    No window reaches past the evaluation date: an ``end`` after it is cut to it, since a cohort
    evaluated ``as_of`` a day must not see what happened later.
    """

    days: int | None = Field(default=None, ge=0, le=36_500)
    months: int | None = Field(default=None, ge=0, le=1_200)
    start: date | None = None
    end: date | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Self:
        relative = [name for name in ("days", "months") if getattr(self, name) is not None]
        absolute = self.start is not None or self.end is not None
        if len(relative) > 1:
            raise ValueError("give either days or months, not both")
        if relative and absolute:
            raise ValueError("a window is either relative (days/months) or absolute (start/end)")
        if not relative and not absolute:
            raise ValueError("a window needs days, months, start or end")
        if self.start is not None and self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self

    def resolve(self, as_of: date) -> ResolvedWindow:
        """The concrete first and last day of this window for the evaluation date ``as_of``."""
        if self.days is not None:
            return ResolvedWindow(first=as_of - timedelta(days=self.days), last=as_of)
        if self.months is not None:
            return ResolvedWindow(first=add_months(as_of, -self.months), last=as_of)
        last = as_of if self.end is None else min(self.end, as_of)
        return ResolvedWindow(first=self.start, last=last)


def resolve_window(window: Window | None, as_of: date) -> ResolvedWindow:
    """``window`` resolved for ``as_of``; no window means everything on or before ``as_of``."""
    return ResolvedWindow(first=None, last=as_of) if window is None else window.resolve(as_of)
