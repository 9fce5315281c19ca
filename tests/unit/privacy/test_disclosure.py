"""Disclosure control on hand-made tables with known answers (default policy: 1..7 hidden, base 5)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from pydantic import ValidationError

from spsreg.privacy.disclosure import (
    Audience,
    CountTableError,
    DisclosurePolicy,
    RoundingRule,
    control_counts,
)
from spsreg.privacy.disclosure_suppression import Position, PositionKind, SuppressionReason

DEFAULT = DisclosurePolicy()
P = SuppressionReason.PRIMARY
S = SuppressionReason.SECONDARY


def cell(row: int, column: int | None = None) -> Position:
    return Position(PositionKind.CELL, row, column)


def reasons(table: pd.DataFrame | pd.Series, policy: DisclosurePolicy = DEFAULT) -> dict:
    controlled = control_counts(table, policy, Audience.SHARED)
    return {s.position: s.reason for s in controlled.suppressions}


def test_default_policy_suppresses_one_to_seven_and_rounds_to_five() -> None:
    assert (DEFAULT.threshold, DEFAULT.rounding_base) == (7, 5)
    assert DEFAULT.rounding_rule is RoundingRule.NEAREST


def test_one_way_small_count_gets_a_secondary_partner_and_rest_is_rounded() -> None:
    counts = pd.Series([0, 3, 10, 22], index=["none", "mild", "moderate", "severe"])
    controlled = control_counts(counts, DEFAULT, Audience.SHARED)
    assert controlled.to_series().tolist() == [0, None, None, 20]
    assert controlled.grand_total == 35  # exact 35
    assert reasons(counts) == {cell(1): P, cell(2): S}
    assert controlled.row_totals == () and controlled.column_totals == ()


def test_rounding_to_nearest_five() -> None:
    controlled = control_counts(pd.Series([8, 12, 13, 0]), DEFAULT, Audience.SHARED)
    assert controlled.to_series().tolist() == [10, 10, 15, 0]
    assert controlled.grand_total == 35  # exact 33
    assert controlled.suppressions == ()


def test_two_way_secondary_suppression_closes_rows_and_columns() -> None:
    table = pd.DataFrame(
        {"a": [2, 15, 12], "b": [10, 30, 25], "c": [20, 40, 9]}, index=["r1", "r2", "r3"]
    )
    controlled = control_counts(table, DEFAULT, Audience.SHARED)
    assert reasons(table) == {cell(0, 0): P, cell(0, 1): S, cell(2, 0): S, cell(2, 1): S}
    assert controlled.cells == ((None, None, 20), (15, 30, 40), (None, None, 10))
    assert controlled.row_totals == (30, 85, 45)  # exact 32, 85, 46
    assert controlled.column_totals == (30, 65, 70)  # exact 29, 65, 69
    assert controlled.grand_total == 165  # exact 163
    frame = controlled.to_frame()
    assert list(frame.columns) == ["a", "b", "c"] and list(frame.index) == ["r1", "r2", "r3"]
    assert frame.loc["r1", "a"] is None and frame.loc["r2", "c"] == 40


def test_small_total_is_suppressed_and_a_line_without_partner_hides_its_total() -> None:
    table = pd.DataFrame({"patients": [3, 10]}, index=["site A", "site B"])
    controlled = control_counts(table, DEFAULT, Audience.SHARED)
    row_total = Position(PositionKind.ROW_TOTAL, row=1)
    assert reasons(table) == {
        cell(0, 0): P,
        Position(PositionKind.ROW_TOTAL, row=0): P,
        cell(1, 0): S,
        row_total: S,
    }
    assert controlled.cells == ((None,), (None,))
    assert controlled.row_totals == (None, None)
    assert controlled.column_totals == (15,)
    assert controlled.grand_total == 15


def test_zero_is_released_and_never_chosen_as_a_partner() -> None:
    counts = pd.Series([0, 0, 4, 9])
    controlled = control_counts(counts, DEFAULT, Audience.SHARED)
    assert controlled.to_series().tolist() == [0, 0, None, None]
    assert controlled.grand_total == 15  # exact 13


def test_ties_between_partners_take_the_first_in_order() -> None:
    assert reasons(pd.Series([12, 5, 12])) == {cell(0): S, cell(1): P}


@pytest.mark.parametrize("audience", [Audience.OWN_SITE_STAFF, Audience.REGISTRY_ADMINISTRATOR])
def test_exact_audiences_get_exact_counts_and_totals(audience: Audience) -> None:
    table = pd.DataFrame({"a": [2, 15], "b": [0, 33]}, index=["x", "y"])
    controlled = control_counts(table, DEFAULT, audience)
    assert controlled.cells == ((2, 0), (15, 33))
    assert controlled.row_totals == (2, 48)
    assert controlled.column_totals == (17, 33)
    assert controlled.grand_total == 50
    assert controlled.suppressions == ()
    meta = controlled.metadata()["disclosure_control"]
    assert meta["audience"] == audience.value
    assert meta["counts"] == "exact" and meta["shareable"] is False


def test_metadata_records_the_policy_and_is_json_ready() -> None:
    policy = DisclosurePolicy(threshold=10, rounding_base=10, rounding_rule=RoundingRule.UP)
    controlled = control_counts(pd.Series([4, 30, 41], index=[1, 2, 3]), policy, Audience.SHARED)
    meta = json.loads(json.dumps(controlled.metadata()))["disclosure_control"]
    assert meta["audience"] == "shared" and meta["counts"] == "controlled"
    assert meta["threshold"] == 10 and meta["suppressed_range"] == "1..10"
    assert meta["rounding_base"] == 10 and meta["rounding_rule"] == "up"
    assert "line rule" in meta["secondary_suppression"]
    assert meta["primary_suppressed"] == 1 and meta["secondary_suppressed"] == 1
    assert meta["suppressed"][0] == {
        "kind": "cell",
        "row": "1",
        "column": None,
        "reason": "primary",
    }
    assert "differencing" in meta["note"]
    assert controlled.to_series().tolist() == [None, None, 50]


@pytest.mark.parametrize(
    ("policy", "count", "released"),
    [
        (DisclosurePolicy(), 8, 10),
        (DisclosurePolicy(), 12, 10),
        (DisclosurePolicy(), 13, 15),
        (DisclosurePolicy(threshold=0, rounding_base=10), 15, 20),
        (DisclosurePolicy(threshold=0, rounding_base=10), 14, 10),
        (DisclosurePolicy(rounding_rule=RoundingRule.UP), 11, 15),
        (DisclosurePolicy(rounding_rule=RoundingRule.UP), 10, 10),
        (DisclosurePolicy(threshold=5), 6, 10),  # nearest would read 5, a small count
        (DisclosurePolicy(threshold=0, rounding_base=1), 3, 3),
    ],
)
def test_rounding_rules(policy: DisclosurePolicy, count: int, released: int) -> None:
    assert policy.rounded(count) == released


def test_threshold_zero_suppresses_nothing() -> None:
    policy = DisclosurePolicy(threshold=0, rounding_base=1)
    controlled = control_counts(pd.Series([1, 2, 0]), policy, Audience.SHARED)
    assert controlled.to_series().tolist() == [1, 2, 0] and controlled.grand_total == 3


@pytest.mark.parametrize(
    "fields", [{"threshold": -1}, {"rounding_base": 0}, {"rounding_rule": "down"}, {"x": 1}]
)
def test_policy_is_validated(fields: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        DisclosurePolicy.model_validate(fields)


def test_policy_is_frozen() -> None:
    with pytest.raises(ValidationError):
        DEFAULT.threshold = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    "table",
    [
        pd.Series([1.0, 2.0]),
        pd.Series([3, -1]),
        pd.Series([True, False]),
        pd.DataFrame({"a": [1, 2], "b": ["x", "y"]}),
        pd.Series([1, None], dtype="Int64"),
    ],
)
def test_anything_but_non_negative_integer_counts_is_refused(table: pd.DataFrame) -> None:
    with pytest.raises(CountTableError):
        control_counts(table, DEFAULT, Audience.SHARED)


def test_to_series_refuses_a_two_way_table() -> None:
    controlled = control_counts(pd.DataFrame({"a": [9]}), DEFAULT, Audience.SHARED)
    with pytest.raises(CountTableError):
        controlled.to_series()


def test_empty_table_has_zero_total() -> None:
    controlled = control_counts(pd.Series([], dtype="int64"), DEFAULT, Audience.SHARED)
    assert controlled.cells == () and controlled.grand_total == 0
