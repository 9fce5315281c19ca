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

__all__ = ["DoseEra", "daily_amount", "daily_diazepam_equivalent_mg", "daily_dose_mg", "dose_eras"]


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


_Amount = tuple[float, DoseUnit] | None


def _route_eras(drug_id: str, route: Route, courses: list[MedicationCourse]) -> list[DoseEra]:
    boundaries = sorted(
        {c.start_date for c in courses} | {c.stop_date for c in courses if c.stop_date is not None}
    )
    eras: list[DoseEra] = []
    for index, start in enumerate(boundaries):
        stop = boundaries[index + 1] if index + 1 < len(boundaries) else None
        active = [c for c in courses if c.is_active_on(start)]
        if not active:
            continue
        amount = _summed_amount(active)
        ids = tuple(c.id for c in active)
        previous = eras[-1] if eras else None
        if (
            previous is not None
            and previous.stop_date == start
            and amount is not None
            and _same_amount(amount, previous)
        ):
            merged_ids = previous.course_ids + tuple(i for i in ids if i not in previous.course_ids)
            eras[-1] = DoseEra(drug_id, route, previous.start_date, stop, *amount, merged_ids)
        else:
            value, unit = amount if amount is not None else (None, None)
            eras.append(DoseEra(drug_id, route, start, stop, value, unit, ids))
    return eras


def _summed_amount(active: list[MedicationCourse]) -> _Amount:
    amounts = [daily_amount(course) for course in active]
    if any(a is None for a in amounts):
        return None
    units = {a[1] for a in amounts if a is not None}
    if len(units) != 1:
        return None  # e.g. mg/m2 alongside mg: not addable without body surface area
    return math.fsum(a[0] for a in amounts if a is not None), units.pop()


def _same_amount(amount: tuple[float, DoseUnit], era: DoseEra) -> bool:
    return (
        era.daily_dose is not None
        and era.unit is amount[1]
        and math.isclose(era.daily_dose, amount[0], rel_tol=1e-9, abs_tol=1e-12)
    )
