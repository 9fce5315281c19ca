"""Derived drug exposure: daily doses, daily diazepam-equivalent load, and dose eras.

These are computed from medication courses, never entered by hand. Each answer is "not
available" (None) rather than a guess when the inputs do not determine it: an as-needed course
has no fixed daily dose, a dose in units or mg/m2 has no mass, and a benzodiazepine without a
cited equivalence has no diazepam equivalent.

Conventions shared with :class:`~spsreg.domain.medications.MedicationCourse`: a course (and an
era) is active from ``start_date`` up to but not including ``stop_date``; a cyclic course's
daily dose is its dose per course averaged over the interval between courses.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from spsreg.domain.medications import DosingSchedule, MedicationCourse, Route
from spsreg.domain.units import DoseUnit, to_milligrams
from spsreg.knowledge.drugs import DrugClass
from spsreg.knowledge.errors import UnknownDrugError
from spsreg.knowledge.pack import KnowledgePack

__all__ = [
    "CourseSpan",
    "DoseEra",
    "EraSpan",
    "course_span",
    "daily_amount",
    "daily_diazepam_equivalent_mg",
    "daily_dose_mg",
    "dose_eras",
    "era_spans",
]


def daily_amount(course: MedicationCourse) -> tuple[float, DoseUnit] | None:
    """The course's average amount per day: in mg for masses, else in the course's own unit.

    A per-kg dose is converted to mg with the course's body weight. None for an as-needed course
    (how much was taken is not known from the prescription).
    """
    dose = course.dose
    if course.schedule is DosingSchedule.AS_NEEDED:
        return None
    if course.schedule is DosingSchedule.REGULAR:
        # The domain guarantees both are set for a regular schedule.
        assert course.times_per_period is not None and course.period_days is not None
        per_day = dose.value * course.times_per_period / course.period_days
    elif course.schedule is DosingSchedule.CONTINUOUS:
        per_day = dose.value
    else:
        assert course.period_days is not None
        per_day = dose.value / course.period_days
    if dose.unit.is_mass or (dose.unit.per == "kg" and course.weight_kg is not None):
        return to_milligrams(per_day, dose.unit, course.weight_kg), DoseUnit.MG
    return per_day, dose.unit


def daily_dose_mg(course: MedicationCourse) -> float | None:
    """Average daily dose in mg, or None when it is not a mass or not fixed (as needed)."""
    amount = daily_amount(course)
    if amount is None or amount[1] is not DoseUnit.MG:
        return None
    return amount[0]


def daily_diazepam_equivalent_mg(
    courses: Iterable[MedicationCourse], day: date, pack: KnowledgePack
) -> float | None:
    """Total benzodiazepine load on ``day`` in oral diazepam mg (0.0 when none is taken).

    None when any benzodiazepine active that day has no daily dose in mg or no cited equivalence
    for its route, or when an active course names a drug the pack does not know (it cannot be
    told whether it is a benzodiazepine): a partial sum would understate the load.
    """
    total = 0.0
    for course in courses:
        if not course.is_active_on(day):
            continue
        try:
            drug = pack.drug(course.drug_id)
        except UnknownDrugError:
            return None
        if drug.drug_class is not DrugClass.BENZODIAZEPINE:
            continue
        dose_mg = daily_dose_mg(course)
        if dose_mg is None:
            return None
        equivalent = pack.diazepam_equivalent_mg(course.drug_id, dose_mg, course.route)
        if equivalent is None:
            return None
        total += equivalent
    return total


@dataclass(frozen=True)
class DoseEra:
    """A maximal period on one drug by one route at one daily dose.

    ``stop_date`` is the first day no longer in the era (None: ongoing). ``daily_dose`` is in mg
    for masses (``unit`` mg), else in the courses' unit; both are None when the daily dose is not
    determined (an as-needed course, or courses in units that cannot be added).
    """

    drug_id: str
    route: Route
    start_date: date
    stop_date: date | None
    daily_dose: float | None
    unit: DoseUnit | None
    course_ids: tuple[str, ...]

    def is_active_on(self, day: date) -> bool:
        return self.start_date <= day and (self.stop_date is None or day < self.stop_date)

    @property
    def days(self) -> int | None:
        """Length in days, None while ongoing."""
        return None if self.stop_date is None else (self.stop_date - self.start_date).days


def dose_eras(
    courses: Iterable[MedicationCourse], drug_id: str, route: Route | None = None
) -> list[DoseEra]:
    """Dose eras of one drug, ordered by start (and route).

    Dose-change chains (a course stopped for ``dose_changed`` and its successor) need no special
    handling: consecutive courses at the same daily dose join into one era, a changed dose starts
    a new one, and a gap in treatment ends an era. Overlapping courses of the same route add up.
    Routes are never added together (oral and intrathecal baclofen are different exposures), so
    with ``route`` None each route gets its own eras.
    """
    selected = [c for c in courses if c.drug_id == drug_id and (route is None or c.route is route)]
    routes = sorted({c.route for c in selected}, key=lambda r: r.value)
    eras: list[DoseEra] = []
    for each_route in routes:
        eras.extend(
            _route_eras(drug_id, each_route, [c for c in selected if c.route is each_route])
        )
    eras.sort(key=lambda era: (era.start_date, era.route.value))
    return eras


@dataclass(frozen=True, slots=True)
class CourseSpan:
    """What era-building needs of a course: when it ran and how much a day (None: not fixed)."""

    course_id: str
    start: date
    stop: date | None  # first day no longer taken; None: ongoing
    daily: float | None  # mg for masses, else in ``unit``
    unit: DoseUnit | None


@dataclass(frozen=True, slots=True)
class EraSpan:
    """A maximal period at one daily dose, built from course spans of one drug and route."""

    start: date
    stop: date | None
    daily: float | None
    unit: DoseUnit | None
    course_ids: tuple[str, ...]


def era_spans(spans: Iterable[CourseSpan]) -> list[EraSpan]:
    """Dose eras of the courses of ONE drug by ONE route, ordered by start.

    The one era algorithm of spsreg (the monitoring timeline uses it too): overlapping courses
    add up, consecutive periods at the same daily dose join, a gap ends an era, and a period
    whose dose cannot be added up (as needed, or units that do not add) has ``daily`` None.
    """
    spans = list(spans)
    boundaries = sorted({s.start for s in spans} | {s.stop for s in spans if s.stop is not None})
    eras: list[EraSpan] = []
    for index, start in enumerate(boundaries):
        stop = boundaries[index + 1] if index + 1 < len(boundaries) else None
        active = [s for s in spans if s.start <= start and (s.stop is None or start < s.stop)]
        if not active:
            continue
        daily, unit = _summed(active)
        ids = tuple(s.course_id for s in active)
        previous = eras[-1] if eras else None
        if (
            previous is not None
            and previous.stop == start
            and daily is not None
            and previous.daily is not None
            and previous.unit is unit
            and math.isclose(previous.daily, daily, rel_tol=1e-9, abs_tol=1e-12)
        ):
            merged = previous.course_ids + tuple(i for i in ids if i not in previous.course_ids)
            eras[-1] = EraSpan(previous.start, stop, previous.daily, unit, merged)
        else:
            eras.append(EraSpan(start, stop, daily, unit, ids))
    return eras


def _summed(active: list[CourseSpan]) -> tuple[float | None, DoseUnit | None]:
    if any(s.daily is None for s in active):
        return None, None
    units = {s.unit for s in active}
    if len(units) != 1:
        return None, None  # e.g. mg/m2 alongside mg: not addable without body surface area
    return math.fsum(s.daily or 0.0 for s in active), units.pop()


def course_span(course: MedicationCourse) -> CourseSpan:
    amount = daily_amount(course)
    daily, unit = amount if amount is not None else (None, None)
    return CourseSpan(course.id, course.start_date, course.stop_date, daily, unit)


def _route_eras(drug_id: str, route: Route, courses: list[MedicationCourse]) -> list[DoseEra]:
    return [
        DoseEra(drug_id, route, era.start, era.stop, era.daily, era.unit, era.course_ids)
        for era in era_spans(course_span(course) for course in courses)
    ]
