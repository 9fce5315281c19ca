"""Disclosure control: the one function every aggregate count table goes through before it leaves.

SPS affects about one person per million, so a count of 1, 2 or 3 patients in a table shared with
another site can identify a person. :func:`control_counts` is applied once, at the privacy boundary
(exports, cross-site dashboards, feasibility counts, reports marked for sharing):

* **Own site staff** (:attr:`Audience.OWN_SITE_STAFF`) looking at their own patients get the exact
  counts; the output's metadata says so and that it must not be shared.
* **Shared** outputs (:attr:`Audience.SHARED`) get controlled counts: small counts (1..threshold,
  default 1..7; 0 is released) are suppressed, secondary suppression hides further counts so that no
  hidden count can be recovered from the released row, column and grand totals, and every released
  count is rounded to the base (default 5). The policy is written into the output's metadata.

Rounding alone does not protect against differencing between outputs (two overlapping tables
released separately); the suppression rule protects within one table only.
"""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from spsreg.privacy.disclosure_suppression import (
    Position,
    PositionKind,
    SuppressionReason,
    lines_of_table,
    suppress,
)

__all__ = [
    "SECONDARY_SUPPRESSION_METHOD",
    "Audience",
    "ControlledTable",
    "CountTableError",
    "DisclosurePolicy",
    "RoundingRule",
    "Suppression",
    "control_counts",
]

SECONDARY_SUPPRESSION_METHOD = (
    "line rule: every row, column and total line with a released total has zero or at least two "
    "suppressed counts; the smallest released non-zero count of the line is suppressed next "
    "(first in row-major order on ties), or the line's total when there is none; repeated until "
    "stable"
)
DIFFERENCING_NOTE = (
    "Rounding and suppression protect this table alone; they do not protect against differencing "
    "between overlapping outputs."
)


class Audience(StrEnum):
    """Who an output is for.

    ``own_site_staff``: the site's own staff, for the site's own patients: exact counts.
    ``registry_administrator``: the administrator of the registry installation, inside it (the
    data steward, who already holds every record stored there): exact counts, not for sharing.
    ``shared``: anyone outside the site (other sites, coordinators, exports, shared reports):
    disclosure-controlled counts.
    """

    OWN_SITE_STAFF = "own_site_staff"
    REGISTRY_ADMINISTRATOR = "registry_administrator"
    SHARED = "shared"

    @property
    def exact(self) -> bool:
        """True when counts are released as they are (never for anything shared)."""
        return self is not Audience.SHARED


EXACT_NOTES: dict[Audience, str] = {
    Audience.OWN_SITE_STAFF: (
        "Exact counts for the site's own staff about the site's own patients; not for sharing."
    ),
    Audience.REGISTRY_ADMINISTRATOR: (
        "Exact counts for the registry administrator inside the registry; not for sharing."
    ),
}
"""The metadata note of each exact audience."""


class RoundingRule(StrEnum):
    """How a released count is rounded to a multiple of the base.

    ``nearest``: to the nearest multiple, halves up (8 -> 10, 12 -> 10 with base 5).
    ``up``: to the next multiple at or above the count (11 -> 15 with base 5).
    With either rule a released count never reads as a small count: a result in 1..threshold is
    raised to the smallest multiple of the base above the threshold.
    """

    NEAREST = "nearest"
    UP = "up"


class DisclosurePolicy(BaseModel):
    """The configured disclosure-control policy of a site (defaults: suppress 1..7, round to 5)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    threshold: int = Field(default=7, ge=0, description="counts 1..threshold are suppressed")
    rounding_base: int = Field(default=5, ge=1, description="released counts are multiples of it")
    rounding_rule: RoundingRule = RoundingRule.NEAREST

    def rounded(self, count: int) -> int:
        """A released count rounded to the base by the rule, never landing in 1..threshold."""
        base = self.rounding_base
        if self.rounding_rule is RoundingRule.UP:
            value = -(-count // base) * base
        else:
            value = ((2 * count + base) // (2 * base)) * base
        if 1 <= value <= self.threshold:
            value = (self.threshold // base + 1) * base
        return value


class CountTableError(ValueError):
    """The table handed to disclosure control is not a table of non-negative integer counts."""


@dataclass(frozen=True)
class Suppression:
    """One count that is not released, where it sits (with its labels) and why."""

    position: Position
    reason: SuppressionReason
    row_label: str | None
    column_label: str | None


@dataclass(frozen=True)
class ControlledTable:
    """A count table as released to its audience, with its totals and its disclosure metadata.

    ``cells`` holds the released counts row by row (one column for a one-way table); None marks a
    suppressed count. Totals were computed from the exact counts before control and are controlled
    like the cells. ``row_totals``/``column_totals`` are empty for a one-way table.
    """

    audience: Audience
    policy: DisclosurePolicy
    one_way: bool
    row_labels: tuple[Hashable, ...]
    column_labels: tuple[Hashable, ...]
    cells: tuple[tuple[int | None, ...], ...]
    row_totals: tuple[int | None, ...]
    column_totals: tuple[int | None, ...]
    grand_total: int | None
    suppressions: tuple[Suppression, ...]

    def to_frame(self) -> pd.DataFrame:
        """The released cells as an object-dtype frame (None where suppressed)."""
        return pd.DataFrame(
            [list(row) for row in self.cells],
            index=pd.Index(list(self.row_labels)),
            columns=pd.Index(list(self.column_labels)),
            dtype=object,
        )

    def to_series(self) -> pd.Series:
        """The released counts of a one-way table as an object-dtype series."""
        if not self.one_way:
            raise CountTableError("to_series is for one-way tables; use to_frame")
        values = [row[0] for row in self.cells]
        return pd.Series(values, index=pd.Index(list(self.row_labels)), dtype=object)

    def metadata(self) -> dict[str, Any]:
        """The disclosure-control policy and outcome, JSON-ready, to travel with the output."""
        exact = self.audience.exact
        reasons = [s.reason for s in self.suppressions]
        return {
            "disclosure_control": {
                "audience": self.audience.value,
                "counts": "exact" if exact else "controlled",
                "shareable": not exact,
                "threshold": self.policy.threshold,
                "suppressed_range": f"1..{self.policy.threshold}",
                "rounding_base": self.policy.rounding_base,
                "rounding_rule": self.policy.rounding_rule.value,
                "secondary_suppression": SECONDARY_SUPPRESSION_METHOD,
                "primary_suppressed": reasons.count(SuppressionReason.PRIMARY),
                "secondary_suppressed": reasons.count(SuppressionReason.SECONDARY),
                "suppressed": [
                    {
                        "kind": s.position.kind.value,
                        "row": s.row_label,
                        "column": s.column_label,
                        "reason": s.reason.value,
                    }
                    for s in self.suppressions
                ],
                "note": EXACT_NOTES.get(self.audience, DIFFERENCING_NOTE),
            }
        }


def control_counts(
    table: pd.DataFrame | pd.Series,
    policy: DisclosurePolicy,
    audience: Audience,
) -> ControlledTable:
    """The table as its audience may see it: exact for own site staff, controlled when shared.

    ``table`` is a one-way (Series) or two-way (DataFrame, rows x columns) table of non-negative
    integer counts of patients. Totals are computed from the exact counts first; then (shared
    audience) primary and secondary suppression, then rounding of what is released.
    """
    one_way = isinstance(table, pd.Series)
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    counts = _exact_counts(frame)
    n_rows, n_columns = len(counts), len(frame.columns)
    exact: dict[Position, int] = {}
    for i, row in enumerate(counts):
        for j, count in enumerate(row):
            exact[Position(PositionKind.CELL, i, None if one_way else j)] = count
    if not one_way:
        for i, row in enumerate(counts):
            exact[Position(PositionKind.ROW_TOTAL, row=i)] = sum(row)
        for j in range(n_columns):
            exact[Position(PositionKind.COLUMN_TOTAL, column=j)] = sum(r[j] for r in counts)
    exact[Position(PositionKind.GRAND_TOTAL)] = sum(sum(row) for row in counts)

    hidden: dict[Position, SuppressionReason] = {}
    if audience is Audience.SHARED:
        lines = lines_of_table(n_rows, None if one_way else n_columns)
        hidden = suppress(exact, lines, policy.threshold)

    def released(position: Position) -> int | None:
        if position in hidden:
            return None
        count = exact[position]
        return count if audience.exact else policy.rounded(count)

    row_labels = tuple(frame.index)
    column_labels = tuple(frame.columns)
    return ControlledTable(
        audience=audience,
        policy=policy,
        one_way=one_way,
        row_labels=row_labels,
        column_labels=column_labels,
        cells=tuple(
            tuple(
                released(Position(PositionKind.CELL, i, None if one_way else j))
                for j in range(n_columns)
            )
            for i in range(n_rows)
        ),
        row_totals=()
        if one_way
        else tuple(released(Position(PositionKind.ROW_TOTAL, row=i)) for i in range(n_rows)),
        column_totals=()
        if one_way
        else tuple(
            released(Position(PositionKind.COLUMN_TOTAL, column=j)) for j in range(n_columns)
        ),
        grand_total=released(Position(PositionKind.GRAND_TOTAL)),
        suppressions=tuple(
            Suppression(
                position=position,
                reason=hidden[position],
                row_label=None if position.row is None else str(row_labels[position.row]),
                column_label=(
                    None if position.column is None else str(column_labels[position.column])
                ),
            )
            for position in sorted(hidden)
        ),
    )


def _exact_counts(frame: pd.DataFrame) -> list[list[int]]:
    """The counts of the table as Python ints, row by row; refuses anything but counts >= 0."""
    for name, column in frame.items():
        dtype = column.dtype
        if not pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise CountTableError(f"column {name!r} is not integer counts (dtype {dtype})")
        if column.isna().any():
            raise CountTableError(f"column {name!r} has missing counts")
    counts = [[int(value) for value in row] for row in frame.itertuples(index=False, name=None)]
    if any(value < 0 for row in counts for value in row):
        raise CountTableError("counts must be non-negative")
    return counts
