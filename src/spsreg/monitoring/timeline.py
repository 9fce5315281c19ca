"""A patient's timeline: a lean, indexed, immutable view of what the rules look at.

The rules run for every patient of a registry at one date, so they must not scan whole records
or build validated models while they do. :class:`PatientTimeline` is built once per patient from
plain values (:meth:`PatientTimeline.build`): courses grouped by drug and class with their dose
eras and continuous exposure episodes, labs by analyte sorted by date, assessments by scale, the
diary indexed by day, pumps with their refills, comorbidities. :func:`timeline_from_record` builds
it from a :class:`~spsreg.domain.record.PatientRecord`; a SQL loader can build the same timeline
from rows without ever creating the pydantic records.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType
from typing import TypeVar

from spsreg.domain.medications import DosingSchedule, Route
from spsreg.domain.units import DoseUnit
from spsreg.monitoring.exposure import Episode, Era, episodes_from_eras, eras_from_courses

__all__ = [
    "AdministrationView",
    "AssessmentView",
    "ComorbidityView",
    "CourseView",
    "DiaryDay",
    "DiaryIndex",
    "LabView",
    "PatientTimeline",
    "PumpView",
    "RefillView",
]


@dataclass(frozen=True, slots=True)
class CourseView:
    """One medication course with its derived average daily amount.

    ``daily_amount`` is in mg for mass doses (``unit`` mg), else in the course's own unit; None for
    an as-needed course or an amount that cannot be added (as in :mod:`spsreg.domain.exposure`).
    """

    id: str
    drug_id: str
    drug_class: str | None
    route: Route
    schedule: DosingSchedule
    start: date
    stop: date | None
    daily_amount: float | None
    unit: DoseUnit | None
    period_days: int | None = None

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.stop is None or day < self.stop)


@dataclass(frozen=True, slots=True)
class AdministrationView:
    """One given dose; ``cycle_start`` is the first day of the cycle it belongs to."""

    course_id: str
    drug_id: str
    given_on: date
    cycle_start: date


@dataclass(frozen=True, slots=True)
class LabView:
    analyte: str
    collected_on: date
    value: float | None = None
    unit: str | None = None
    qualitative: str | None = None


@dataclass(frozen=True, slots=True)
class AssessmentView:
    """The numeric item responses of one scale at one visit."""

    scale_id: str
    visit_date: date
    responses: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class RefillView:
    refilled_on: date
    volume_ml: float
    concentration_mcg_per_ml: float
    daily_dose_mcg: float
    alarm_date: date | None


@dataclass(frozen=True, slots=True)
class PumpView:
    id: str
    implanted_on: date
    removed_on: date | None
    reservoir_volume_ml: float
    refills: tuple[RefillView, ...]  # by date

    def in_place_on(self, day: date) -> bool:
        return self.implanted_on <= day and (self.removed_on is None or day < self.removed_on)


@dataclass(frozen=True, slots=True)
class ComorbidityView:
    kind: str
    diagnosed_on: date | None
    resolved_on: date | None

    def active_on(self, day: date) -> bool:
        """Known on ``day`` and not resolved: an undated diagnosis counts as always known."""
        started = self.diagnosed_on is None or self.diagnosed_on <= day
        return started and (self.resolved_on is None or day < self.resolved_on)


@dataclass(frozen=True, slots=True)
class DiaryDay:
    entry_date: date
    sedation: int | None = None
    falls: int | None = None


class DiaryIndex:
    """The diary as parallel arrays by day ordinal, so a window is two binary searches."""

    __slots__ = ("days", "falls", "sedation")

    def __init__(self, entries: Iterable[DiaryDay]) -> None:
        ordered = sorted(entries, key=lambda e: e.entry_date)
        self.days: tuple[int, ...] = tuple(e.entry_date.toordinal() for e in ordered)
        self.sedation: tuple[int | None, ...] = tuple(e.sedation for e in ordered)
        self.falls: tuple[int | None, ...] = tuple(e.falls for e in ordered)

    def __len__(self) -> int:
        return len(self.days)

    def window(self, first: date, last: date) -> range:
        """Indexes of the entries from ``first`` to ``last`` inclusive."""
        low = bisect_left(self.days, first.toordinal())
        high = bisect_right(self.days, last.toordinal())
        return range(low, high)


_EMPTY: tuple[()] = ()
_T = TypeVar("_T")


@dataclass(frozen=True)
class PatientTimeline:
    """Everything the monitoring rules read about one patient, indexed for cheap lookups."""

    patient_id: str
    site_id: str
    birth_year: int
    birth_month: int
    date_of_death: date | None
    first_contact_date: date | None
    first_visit: date | None
    courses: tuple[CourseView, ...]
    courses_by_drug: Mapping[str, tuple[CourseView, ...]]
    courses_by_class: Mapping[str, tuple[CourseView, ...]]
    eras: Mapping[tuple[str, Route], tuple[Era, ...]]
    episodes: Mapping[tuple[str, Route], tuple[Episode, ...]]
    cycle_starts: Mapping[str, tuple[date, ...]]
    labs: Mapping[str, tuple[LabView, ...]]
    lab_dates: Mapping[str, tuple[date, ...]]
    assessments: Mapping[str, tuple[AssessmentView, ...]]
    pumps: tuple[PumpView, ...]
    comorbidities: tuple[ComorbidityView, ...]
    diary: DiaryIndex

    @classmethod
    def build(
        cls,
        *,
        patient_id: str,
        site_id: str,
        birth_year_month: str,
        date_of_death: date | None = None,
        first_contact_date: date | None = None,
        visit_dates: Iterable[date] = (),
        courses: Iterable[CourseView] = (),
        administrations: Iterable[AdministrationView] = (),
        labs: Iterable[LabView] = (),
        assessments: Iterable[AssessmentView] = (),
        pumps: Iterable[PumpView] = (),
        comorbidities: Iterable[ComorbidityView] = (),
        diary: Iterable[DiaryDay] = (),
    ) -> PatientTimeline:
        """Index plain values into a timeline (the one constructor every loader uses)."""
        year, month = (int(part) for part in birth_year_month.split("-"))
        ordered = tuple(sorted(courses, key=lambda c: (c.start, c.drug_id, c.id)))
        by_drug = _group(ordered, lambda c: c.drug_id)
        by_class = _group((c for c in ordered if c.drug_class), lambda c: c.drug_class or "")
        eras = eras_from_courses(ordered)
        cycles: dict[str, set[date]] = {}
        for given in administrations:
            cycles.setdefault(given.drug_id, set()).add(given.cycle_start)
        sorted_labs = _group(sorted(labs, key=lambda lab: lab.collected_on), lambda r: r.analyte)
        visits = sorted(visit_dates)
        return cls(
            patient_id=patient_id,
            site_id=site_id,
            birth_year=year,
            birth_month=month,
            date_of_death=date_of_death,
            first_contact_date=first_contact_date,
            first_visit=visits[0] if visits else None,
            courses=ordered,
            courses_by_drug=by_drug,
            courses_by_class=by_class,
            eras=MappingProxyType(eras),
            episodes=MappingProxyType({key: episodes_from_eras(e) for key, e in eras.items()}),
            cycle_starts=MappingProxyType({d: tuple(sorted(s)) for d, s in cycles.items()}),
            labs=sorted_labs,
            lab_dates=MappingProxyType(
                {a: tuple(r.collected_on for r in rs) for a, rs in sorted_labs.items()}
            ),
            assessments=_group(
                sorted(assessments, key=lambda a: a.visit_date), lambda a: a.scale_id
            ),
            pumps=tuple(sorted(pumps, key=lambda p: p.implanted_on)),
            comorbidities=tuple(comorbidities),
            diary=DiaryIndex(diary),
        )

    # -- lookups the rules share ---------------------------------------------------------------
    def alive_on(self, day: date) -> bool:
        return self.date_of_death is None or day < self.date_of_death

    def age_on(self, day: date) -> int:
        """Completed years on ``day`` (birth is kept at month precision)."""
        return day.year - self.birth_year - (1 if day.month < self.birth_month else 0)

    def comorbidities_on(self, day: date) -> frozenset[str]:
        return frozenset(c.kind for c in self.comorbidities if c.active_on(day))

    def lab_dates_between(self, analyte: str, first: date | None, last: date) -> tuple[date, ...]:
        """Collection dates of ``analyte`` from ``first`` (None: any time) to ``last`` inclusive."""
        dates = self.lab_dates.get(analyte, _EMPTY)
        low = 0 if first is None else bisect_left(dates, first)
        return dates[low : bisect_right(dates, last)]

    def last_lab_on_or_before(self, analyte: str, day: date) -> date | None:
        dates = self.lab_dates.get(analyte, _EMPTY)
        index = bisect_right(dates, day)
        return dates[index - 1] if index else None


def _group(items: Iterable[_T], key: Callable[[_T], str]) -> Mapping[str, tuple[_T, ...]]:
    grouped: dict[str, list[_T]] = {}
    for item in items:
        grouped.setdefault(key(item), []).append(item)
    return MappingProxyType({name: tuple(values) for name, values in grouped.items()})
