"""The cohort report as released to a shared audience: controlled counts, no per-patient figures.

A cohort report marked for sharing (or written for anyone but a site's own staff about their own
patients) is built from the released counts of the analytics service's cohort release (anything
with the attributes of :class:`ReleasedCohort`): suppressed counts read "suppressed", rates and
intervals are those recomputed from the released counts, medians of groups whose size is
suppressed are withheld, and every figure (each draws individual patients: forest, trajectories,
swimmer, Kaplan-Meier with numbers at risk) and the summary table are left out. The policy is
printed on the page, in its own section and in the footer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from spsreg.analysis.therapies import therapy_label
from spsreg.reports.render import BulletList, Paragraph, Section, TableBlock, interval, percent

__all__ = ["ReleasedCohort", "shared_sections", "shown"]


class ReleasedRateRow(Protocol):
    @property
    def therapy(self) -> str: ...
    @property
    def responders(self) -> int | None: ...
    @property
    def assessable(self) -> int | None: ...
    @property
    def rate(self) -> float | None: ...
    @property
    def low(self) -> float | None: ...
    @property
    def high(self) -> float | None: ...
    @property
    def not_assessable(self) -> int | None: ...


class ReleasedSurvivalRow(Protocol):
    @property
    def therapy(self) -> str: ...
    @property
    def n(self) -> int | None: ...
    @property
    def events(self) -> int | None: ...
    @property
    def censored(self) -> int | None: ...
    @property
    def median_days(self) -> float | None: ...
    @property
    def median_low(self) -> float | None: ...
    @property
    def median_high(self) -> float | None: ...


class ReleasedSequenceRow(Protocol):
    @property
    def sequence(self) -> str: ...
    @property
    def patients(self) -> int | None: ...


class ReleasedCohort(Protocol):
    """What the shared report reads of a cohort release."""

    @property
    def exact(self) -> bool: ...
    @property
    def policy_line(self) -> str: ...
    @property
    def patients(self) -> int | None: ...
    @property
    def rates(self) -> Sequence[ReleasedRateRow]: ...
    @property
    def survival(self) -> Sequence[ReleasedSurvivalRow]: ...
    @property
    def sequences(self) -> Sequence[ReleasedSequenceRow]: ...
    @property
    def withheld(self) -> Sequence[str]: ...


def shown(count: int | None) -> str:
    """A released count on the page: the number, or ``suppressed``."""
    return "suppressed" if count is None else str(count)


def shared_sections(release: ReleasedCohort) -> tuple[Section, ...]:
    """The count sections of a shared cohort report, the disclosure-control section first."""
    return (
        Section(
            "Disclosure control",
            (
                Paragraph(release.policy_line),
                BulletList(
                    (
                        *(f"Withheld: {item}." for item in release.withheld),
                        "Withheld from this report: the mixed-effects model (`spsreg analyze "
                        "cohort --share` releases it with controlled counts).",
                    )
                ),
            ),
        ),
        Section(
            "Response rates",
            (
                TableBlock(
                    ("therapy", "responders/assessable", "rate", "95% CI (%)", "not assessable"),
                    tuple(
                        (
                            therapy_label(r.therapy),
                            f"{shown(r.responders)}/{shown(r.assessable)}",
                            percent(r.rate, 1),
                            interval(r.low, r.high, 1, 100.0),
                            shown(r.not_assessable),
                        )
                        for r in release.rates
                    ),
                    "Responders among assessable patients, rates and Wilson intervals from the "
                    "released counts",
                ),
            ),
        ),
        Section(
            "Time to treatment discontinuation",
            (
                TableBlock(
                    ("therapy", "patients", "stopped (event)", "censored", "median days", "95% CI"),
                    tuple(
                        (
                            therapy_label(s.therapy),
                            shown(s.n),
                            shown(s.events),
                            shown(s.censored),
                            _median(s),
                            _median_interval(s),
                        )
                        for s in release.survival
                    ),
                    "Time to discontinuation (Kaplan-Meier); medians only for released groups",
                ),
            ),
        ),
        Section(
            "Lines of immunotherapy",
            (
                TableBlock(
                    ("sequence of lines", "patients"),
                    tuple((s.sequence, shown(s.patients)) for s in release.sequences),
                    "Sequences of lines of therapy",
                ),
            ),
        ),
    )


def _median(row: ReleasedSurvivalRow) -> str:
    if row.n is None:
        return "withheld"
    return "not reached" if row.median_days is None else f"{row.median_days:.0f}"


def _median_interval(row: ReleasedSurvivalRow) -> str:
    if row.n is None:
        return "withheld"
    if row.median_low is None and row.median_high is None:
        return "not estimable"
    ends = ["not reached" if v is None else f"{v:.0f}" for v in (row.median_low, row.median_high)]
    return f"[{ends[0]}, {ends[1]}]"
