"""Dose eras, exposure episodes and dose steps over lean course views.

Eras come from the one era algorithm, :func:`spsreg.domain.exposure.era_spans` (a course is active
from its start up to but not including its stop; overlapping courses of one drug and route add up;
routes never add), fed with plain values so that a timeline built from database rows needs no
domain objects.

* An **era** is a period at one daily dose; an **episode** is a period of continuous exposure
  whatever the dose (consecutive eras joined); a **step** is where one era ends: a dose change,
  or a stop when no era follows on the same day.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from spsreg.domain.exposure import CourseSpan, era_spans
from spsreg.domain.medications import Route
from spsreg.domain.units import DoseUnit

__all__ = [
    "DoseStep",
    "Episode",
    "Era",
    "dose_steps",
    "episode_on",
    "episodes_from_eras",
    "era_on",
    "eras_from_courses",
]


class _Course(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def drug_id(self) -> str: ...
    @property
    def route(self) -> Route: ...
    @property
    def start(self) -> date: ...
    @property
    def stop(self) -> date | None: ...
    @property
    def daily_amount(self) -> float | None: ...
    @property
    def unit(self) -> DoseUnit | None: ...
    def active_on(self, day: date) -> bool: ...


@dataclass(frozen=True, slots=True)
class Era:
    drug_id: str
    route: Route
    start: date
    stop: date | None  # first day no longer in the era; None: ongoing
    daily: float | None  # mg for masses, else in ``unit``; None when not determined
    unit: DoseUnit | None
    course_ids: tuple[str, ...]

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.stop is None or day < self.stop)


@dataclass(frozen=True, slots=True)
class Episode:
    drug_id: str
    route: Route
    start: date
    stop: date | None

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.stop is None or day < self.stop)


@dataclass(frozen=True, slots=True)
class DoseStep:
    """Where an era ends: ``after`` is the next era (None when the drug stops that day)."""

    on: date
    before: Era
    after: Era | None


def eras_from_courses(courses: Iterable[_Course]) -> dict[tuple[str, Route], tuple[Era, ...]]:
    """Dose eras of every (drug, route) the courses cover, each ordered by start."""
    grouped: dict[tuple[str, Route], list[_Course]] = {}
    for course in courses:
        grouped.setdefault((course.drug_id, course.route), []).append(course)
    return {key: _route_eras(key, group) for key, group in grouped.items()}


def _route_eras(key: tuple[str, Route], courses: list[_Course]) -> tuple[Era, ...]:
    spans = (CourseSpan(c.id, c.start, c.stop, c.daily_amount, c.unit) for c in courses)
    return tuple(
        Era(*key, era.start, era.stop, era.daily, era.unit, era.course_ids)
        for era in era_spans(spans)
    )


def episodes_from_eras(eras: Sequence[Era]) -> tuple[Episode, ...]:
    """Continuous exposure: eras that follow each other without a gap join into one episode."""
    episodes: list[Episode] = []
    for era in eras:
        last = episodes[-1] if episodes else None
        if last is not None and last.stop == era.start:
            episodes[-1] = Episode(era.drug_id, era.route, last.start, era.stop)
        else:
            episodes.append(Episode(era.drug_id, era.route, era.start, era.stop))
    return tuple(episodes)


def era_on(eras: Sequence[Era], day: date) -> Era | None:
    for era in eras:
        if era.active_on(day):
            return era
    return None


def episode_on(episodes: Sequence[Episode], day: date) -> Episode | None:
    for episode in episodes:
        if episode.active_on(day):
            return episode
    return None


def dose_steps(eras: Sequence[Era]) -> list[DoseStep]:
    """Every end of an era, in date order: a dose change, or a stop (``after`` None)."""
    steps: list[DoseStep] = []
    for index, era in enumerate(eras):
        if era.stop is None:
            continue
        following = eras[index + 1] if index + 1 < len(eras) else None
        after = following if following is not None and following.start == era.stop else None
        steps.append(DoseStep(era.stop, era, after))
    return steps
