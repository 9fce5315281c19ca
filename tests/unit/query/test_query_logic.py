"""Three-valued logic tables, windows and the month-precision age rule."""

from __future__ import annotations

from datetime import date

import pytest

from spsreg.query import AgeCriterion, Verdict, Window
from spsreg.query.judging import judge_age
from spsreg.query.terms import Comparator, add_months
from spsreg.query.verdicts import CriterionResult, kleene_all, kleene_any, kleene_not

P, F, U = Verdict.PASSED, Verdict.FAILED, Verdict.UNDETERMINED


def _result(verdict: Verdict, missing: str = "x") -> CriterionResult:
    return CriterionResult("k", "sex", verdict, (missing,) if verdict is U else ())


@pytest.mark.parametrize(
    ("left", "right", "conjunction", "disjunction"),
    [
        (P, P, P, P),
        (P, F, F, P),
        (P, U, U, P),
        (F, P, F, P),
        (F, F, F, F),
        (F, U, F, U),
        (U, P, U, P),
        (U, F, F, U),
        (U, U, U, U),
    ],
)
def test_kleene_truth_tables(
    left: Verdict, right: Verdict, conjunction: Verdict, disjunction: Verdict
) -> None:
    children = [_result(left, "left"), _result(right, "right")]
    assert kleene_all(children)[0] is conjunction
    assert kleene_any(children)[0] is disjunction


def test_undetermined_carries_the_missing_data_of_its_undetermined_children() -> None:
    children = [_result(U, "phenotype"), _result(P), _result(U, "sex"), _result(U, "sex")]
    assert kleene_all(children) == (U, ("phenotype", "sex"))
    assert kleene_any([_result(F), _result(U, "sex")]) == (U, ("sex",))
    assert kleene_all([_result(F), _result(U, "sex")]) == (F, ())


@pytest.mark.parametrize(("child", "negated"), [(P, F), (F, P), (U, U)])
def test_not_swaps_decided_verdicts_and_keeps_undetermined(
    child: Verdict, negated: Verdict
) -> None:
    assert kleene_not(_result(child, "why"))[0] is negated
    assert kleene_not(_result(U, "why"))[1] == ("why",)


@pytest.mark.parametrize(
    ("window", "first", "last"),
    [
        ({"days": 30}, date(2025, 2, 13), date(2025, 3, 15)),
        ({"months": 1}, date(2025, 2, 15), date(2025, 3, 15)),
        ({"start": "2024-01-01"}, date(2024, 1, 1), date(2025, 3, 15)),
        ({"start": "2024-01-01", "end": "2030-01-01"}, date(2024, 1, 1), date(2025, 3, 15)),
        ({"end": "2024-06-30"}, None, date(2024, 6, 30)),
    ],
)
def test_windows_resolve_against_the_evaluation_date(
    window: dict[str, object], first: date | None, last: date
) -> None:
    resolved = Window.model_validate(window).resolve(date(2025, 3, 15))
    assert (resolved.first, resolved.last) == (first, last)


def test_month_arithmetic_clamps_to_the_end_of_the_month() -> None:
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2024, 2, 29), -12) == date(2023, 2, 28)
    assert add_months(date(2025, 1, 15), 13) == date(2026, 2, 15)


@pytest.mark.parametrize(
    ("born", "as_of", "minimum", "verdict"),
    [
        ("2000-05", date(2018, 6, 1), 18, P),  # birth month over: surely 18
        ("2000-07", date(2018, 6, 30), 18, F),  # birth month to come: surely 17
        ("2000-06", date(2018, 6, 15), 18, U),  # born in June 2000: 17 or 18 on 15 June
        ("2000-06", date(2018, 6, 30), 18, P),  # the last day of the birth month: surely 18
        ("2000-06", date(2018, 6, 1), 18, U),  # 18 only if born on 1 June
    ],
)
def test_age_at_month_precision(born: str, as_of: date, minimum: int, verdict: Verdict) -> None:
    assert judge_age(AgeCriterion(min_years=minimum), born, as_of).verdict is verdict


def test_age_maximum_is_completed_years() -> None:
    criterion = AgeCriterion(max_years=17)
    assert judge_age(criterion, "2000-07", date(2018, 6, 30)).verdict is P
    assert judge_age(criterion, "2000-05", date(2018, 6, 1)).verdict is F
    judged = judge_age(criterion, "2000-06", date(2018, 6, 15))
    assert (judged.verdict, judged.details) == (U, ("2000-06",))


def test_comparators() -> None:
    assert [c.holds(3, 3) for c in Comparator] == [False, True, False, True, True]
