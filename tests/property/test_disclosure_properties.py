"""Properties of disclosure control over random one-way and two-way count tables and policies.

Checked against the released table alone (what a recipient sees): no released count is small, every
released count is a multiple of the base, and no line with a released total has exactly one hidden
count (so no hidden count can be recovered by subtraction); own site staff get the exact input.
"""

from __future__ import annotations

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from spsreg.privacy.disclosure import (
    Audience,
    ControlledTable,
    DisclosurePolicy,
    RoundingRule,
    control_counts,
)
from spsreg.privacy.disclosure_suppression import SuppressionReason

# Mostly small counts, so that suppression patterns are dense and interesting.
counts = st.one_of(st.integers(0, 12), st.integers(0, 200))
policies = st.builds(
    DisclosurePolicy,
    threshold=st.integers(0, 12),
    rounding_base=st.integers(1, 12),
    rounding_rule=st.sampled_from(list(RoundingRule)),
)


@st.composite
def tables(draw: st.DrawFn) -> pd.DataFrame | pd.Series:
    n_rows = draw(st.integers(1, 6))
    if draw(st.booleans()):
        return pd.Series(draw(st.lists(counts, min_size=n_rows, max_size=n_rows)), dtype="int64")
    n_columns = draw(st.integers(1, 5))
    rows = draw(
        st.lists(
            st.lists(counts, min_size=n_columns, max_size=n_columns),
            min_size=n_rows,
            max_size=n_rows,
        )
    )
    return pd.DataFrame(rows, columns=[f"c{j}" for j in range(n_columns)], dtype="int64")


def released_lines(
    controlled: ControlledTable,
) -> list[tuple[list[int | None], int | None]]:
    """Every (members, total) line of the released table, built from its shape alone."""
    cells = controlled.cells
    if controlled.one_way:
        return [([row[0] for row in cells], controlled.grand_total)]
    n_columns = len(controlled.column_labels)
    lines: list[tuple[list[int | None], int | None]] = []
    lines += [(list(row), total) for row, total in zip(cells, controlled.row_totals, strict=True)]
    lines += [([row[j] for row in cells], controlled.column_totals[j]) for j in range(n_columns)]
    lines.append((list(controlled.row_totals), controlled.grand_total))
    lines.append((list(controlled.column_totals), controlled.grand_total))
    return lines


def released_values(controlled: ControlledTable) -> list[int | None]:
    return [
        *(value for row in controlled.cells for value in row),
        *controlled.row_totals,
        *controlled.column_totals,
        controlled.grand_total,
    ]


@given(tables(), policies)
def test_no_released_count_is_small(
    table: pd.DataFrame | pd.Series, policy: DisclosurePolicy
) -> None:
    controlled = control_counts(table, policy, Audience.SHARED)
    for value in released_values(controlled):
        assert value is None or not 1 <= value <= policy.threshold


@given(tables(), policies)
def test_every_released_count_is_a_multiple_of_the_base(
    table: pd.DataFrame | pd.Series, policy: DisclosurePolicy
) -> None:
    controlled = control_counts(table, policy, Audience.SHARED)
    for value in released_values(controlled):
        assert value is None or (value >= 0 and value % policy.rounding_base == 0)


@given(tables(), policies)
def test_no_line_with_a_released_total_has_exactly_one_hidden_count(
    table: pd.DataFrame | pd.Series, policy: DisclosurePolicy
) -> None:
    controlled = control_counts(table, policy, Audience.SHARED)
    for members, total in released_lines(controlled):
        if total is not None:
            assert sum(value is None for value in members) != 1


@given(tables(), st.integers(0, 12))
def test_without_rounding_no_hidden_count_equals_total_minus_released_others(
    table: pd.DataFrame | pd.Series, threshold: int
) -> None:
    """With base 1 the released counts are exact; still no hidden count can be solved for."""
    policy = DisclosurePolicy(threshold=threshold, rounding_base=1)
    controlled = control_counts(table, policy, Audience.SHARED)
    exact = control_counts(table, policy, Audience.OWN_SITE_STAFF)
    for (members, total), (exact_members, _) in zip(
        released_lines(controlled), released_lines(exact), strict=True
    ):
        hidden = [e for m, e in zip(members, exact_members, strict=True) if m is None]
        if total is None or not hidden:
            continue
        assert len(hidden) >= 2
        assert sum(m for m in members if m is not None) + sum(hidden) == total
    for value, exact_value in zip(released_values(controlled), released_values(exact), strict=True):
        assert value is None or value == exact_value


@given(tables(), policies)
def test_exactly_the_small_counts_are_primary_suppressions(
    table: pd.DataFrame | pd.Series, policy: DisclosurePolicy
) -> None:
    controlled = control_counts(table, policy, Audience.SHARED)
    exact = released_values(control_counts(table, policy, Audience.OWN_SITE_STAFF))
    small = sum(1 for value in exact if value is not None and 1 <= value <= policy.threshold)
    primary = [s for s in controlled.suppressions if s.reason is SuppressionReason.PRIMARY]
    assert len(primary) == small
    assert sum(value is None for value in released_values(controlled)) == len(
        controlled.suppressions
    )


@given(tables(), policies)
def test_own_site_staff_get_exactly_the_input(
    table: pd.DataFrame | pd.Series, policy: DisclosurePolicy
) -> None:
    controlled = control_counts(table, policy, Audience.OWN_SITE_STAFF)
    frame = table.to_frame() if isinstance(table, pd.Series) else table
    assert [list(row) for row in controlled.cells] == frame.to_numpy().tolist()
    assert controlled.grand_total == int(frame.to_numpy().sum())
    if not controlled.one_way:
        assert list(controlled.row_totals) == frame.sum(axis=1).tolist()
        assert list(controlled.column_totals) == frame.sum(axis=0).tolist()
    assert controlled.suppressions == ()
    assert controlled.metadata()["disclosure_control"]["counts"] == "exact"
