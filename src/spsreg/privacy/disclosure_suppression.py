"""Primary and secondary (complementary) suppression over the lines of a count table.

A count table is a set of *positions*: the cells, the row totals, the column totals and the grand
total. A *line* is a group of positions whose sum is another released position: each row with its
row total, each column with its column total, the row totals with the grand total and the column
totals with the grand total (a one-way table has one line: its cells with the grand total). All
totals are computed from the exact counts before any control.

Primary suppression hides every position whose exact count is small (1..threshold; 0 is
released). Secondary suppression then protects the hidden counts from subtraction: as long as a
line whose total is released has exactly one hidden member, the smallest released non-zero member
of that line is hidden too (ties: the first in row-major order); when the line has no such member,
its total is hidden instead. This repeats until no line changes. It is the standard line rule, not
a full linear-programming audit: it guarantees that no line with a released total has exactly one
hidden member.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "Line",
    "Position",
    "PositionKind",
    "SuppressionReason",
    "lines_of_table",
    "suppress",
]


class PositionKind(StrEnum):
    """Where a count sits in a table: an inner cell or one of the totals."""

    CELL = "cell"
    ROW_TOTAL = "row_total"
    COLUMN_TOTAL = "column_total"
    GRAND_TOTAL = "grand_total"


class SuppressionReason(StrEnum):
    """Why a count is not released.

    ``primary``: the count itself is small (1..threshold) and could point to a person.
    ``secondary``: the count is not small but is hidden so that a small hidden count cannot be
    recovered by subtracting the released counts of its line from the line's total.
    """

    PRIMARY = "primary"
    SECONDARY = "secondary"


@dataclass(frozen=True, order=True)
class Position:
    """One count of a table by 0-based position (``row``/``column`` None where not applicable)."""

    kind: PositionKind
    row: int | None = None
    column: int | None = None


@dataclass(frozen=True)
class Line:
    """Positions whose exact counts add up to the exact count at ``total``."""

    members: tuple[Position, ...]
    total: Position


GRAND = Position(PositionKind.GRAND_TOTAL)


def lines_of_table(n_rows: int, n_columns: int | None) -> tuple[Line, ...]:
    """The lines of a two-way table (``n_columns`` given) or a one-way table (``None``)."""
    if n_columns is None:
        cells = tuple(Position(PositionKind.CELL, row=i) for i in range(n_rows))
        return (Line(cells, GRAND),)
    rows = tuple(
        Line(
            tuple(Position(PositionKind.CELL, i, j) for j in range(n_columns)),
            Position(PositionKind.ROW_TOTAL, row=i),
        )
        for i in range(n_rows)
    )
    columns = tuple(
        Line(
            tuple(Position(PositionKind.CELL, i, j) for i in range(n_rows)),
            Position(PositionKind.COLUMN_TOTAL, column=j),
        )
        for j in range(n_columns)
    )
    row_totals = Line(tuple(line.total for line in rows), GRAND)
    column_totals = Line(tuple(line.total for line in columns), GRAND)
    return (*rows, *columns, row_totals, column_totals)


def suppress(
    exact: Mapping[Position, int], lines: Sequence[Line], threshold: int
) -> dict[Position, SuppressionReason]:
    """The hidden positions of a table and why, from its exact counts (primary, then secondary)."""
    hidden: dict[Position, SuppressionReason] = {
        position: SuppressionReason.PRIMARY
        for position, count in exact.items()
        if 1 <= count <= threshold
    }
    if not hidden:
        return hidden
    changed = True
    while changed:
        changed = False
        for line in lines:
            if line.total in hidden:
                continue
            if sum(member in hidden for member in line.members) != 1:
                continue
            candidates = [
                (exact[member], order, member)
                for order, member in enumerate(line.members)
                if member not in hidden and exact[member] > 0
            ]
            chosen = min(candidates)[2] if candidates else line.total
            hidden[chosen] = SuppressionReason.SECONDARY
            changed = True
    return hidden
