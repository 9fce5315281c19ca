"""Judgements both engines share where the data are not plain columns: age from a birth month,
and scale scores (derived from item responses by the domain's scoring modules, never stored).

Age: the registry keeps the birth year and month only, so the possible birth days are every day
of that month. "At least N years old at D" is passed when it holds for every possible birth day,
failed when it holds for none, and undetermined otherwise (only when D falls in the birth month
N years on); the comparison reduces to comparing ``YYYY-MM`` strings with two bounds computed
here, which any SQL dialect can do.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from spsreg.domain.assessments import Assessment
from spsreg.domain.scales import ScaleError, score_assessment
from spsreg.query.missing import Reason
from spsreg.query.model import AgeCriterion, ScoreCriterion
from spsreg.query.terms import ResolvedWindow, add_months, years_before
from spsreg.query.verdicts import Judgement, Verdict

__all__ = ["AgeBound", "ScoreCandidate", "age_bounds", "judge_age", "judge_score", "year_month"]


def year_month(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


@dataclass(frozen=True)
class AgeBound:
    """ "At least ``years`` old at the evaluation date": certainly so when born in or before
    ``certain`` (a ``YYYY-MM``), possibly so when born in or before ``possible``."""

    years: int
    certain: str
    possible: str

    def verdict(self, birth_year_month: str) -> Verdict:
        if birth_year_month <= self.certain:
            return Verdict.PASSED
        if birth_year_month > self.possible:
            return Verdict.FAILED
        return Verdict.UNDETERMINED


def _at_least(years: int, as_of: date) -> AgeBound:
    latest_birthday = years_before(as_of, years)  # born on or before this day: old enough
    month_end = calendar.monthrange(latest_birthday.year, latest_birthday.month)[1]
    possible = year_month(latest_birthday)
    certain = (
        possible
        if latest_birthday.day == month_end
        else year_month(add_months(latest_birthday, -1))
    )
    return AgeBound(years, certain, possible)


def age_bounds(leaf: AgeCriterion, as_of: date) -> tuple[AgeBound | None, AgeBound | None]:
    """(at least ``min_years``, at least ``max_years + 1``): the age criterion holds when the
    first holds and the second does not."""
    minimum = None if leaf.min_years is None else _at_least(leaf.min_years, as_of)
    too_old = None if leaf.max_years is None else _at_least(leaf.max_years + 1, as_of)
    return minimum, too_old


def judge_age(leaf: AgeCriterion, birth_year_month: str, as_of: date) -> Judgement:
    minimum, too_old = age_bounds(leaf, as_of)
    verdicts = set()
    if minimum is not None:
        verdicts.add(minimum.verdict(birth_year_month))
    if too_old is not None:
        older = too_old.verdict(birth_year_month)
        verdicts.add(
            {Verdict.PASSED: Verdict.FAILED, Verdict.FAILED: Verdict.PASSED}.get(older, older)
        )
    if Verdict.FAILED in verdicts:
        return Judgement(Verdict.FAILED)
    if Verdict.UNDETERMINED in verdicts:
        return Judgement(Verdict.UNDETERMINED, Reason.BIRTH_DAY, (birth_year_month,))
    return Judgement(Verdict.PASSED)


@dataclass(frozen=True)
class ScoreCandidate:
    """An assessment of the criterion's scale in its window, with where its visit sits."""

    visit_date: date
    visit_position: int
    assessment: Assessment


def _measure(leaf: ScoreCriterion, assessment: Assessment) -> tuple[float | None, str]:
    """The score the criterion compares (None when not computable) and, if not, why."""
    try:
        score = score_assessment(assessment)
    except ScaleError as exc:
        return None, f"responses cannot be scored: {exc}"
    value = score.total if leaf.subscore is None else score.subscores.get(leaf.subscore)
    if value is not None:
        return value, ""
    if score.missing_items:
        return None, "missing items: " + ", ".join(score.missing_items)
    return None, "no score computed"


def judge_score(
    leaf: ScoreCriterion, window: ResolvedWindow, candidates: Sequence[ScoreCandidate]
) -> Judgement:
    """The most recent assessment (by visit date, then visit order) with a computable score
    decides; with none computable, the most recent one's gap is named."""
    ordered = sorted(candidates, key=lambda c: (c.visit_date, c.visit_position), reverse=True)
    first_gap: tuple[date, str] | None = None
    for candidate in ordered:
        value, gap = _measure(leaf, candidate.assessment)
        if value is not None:
            passed = leaf.comparator.holds(value, leaf.value)
            return Judgement(Verdict.PASSED if passed else Verdict.FAILED)
        if first_gap is None:
            first_gap = (candidate.visit_date, gap)
    if first_gap is None:
        return Judgement(Verdict.UNDETERMINED, Reason.NO_ASSESSMENT, (window.describe(),))
    return Judgement(Verdict.UNDETERMINED, Reason.NOT_COMPUTABLE, first_gap)
