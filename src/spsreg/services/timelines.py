"""Monitoring timelines from the store's plain rows (the lean path to the rules).

:meth:`spsreg.store.Registry.iter_timeline_rows` reads only what the rules look at; this module
turns those rows into :meth:`PatientTimeline.build` arguments exactly as
:func:`spsreg.monitoring.timeline_from_record` does from a loaded record: the drug class from the
knowledge pack, the daily amount from the domain's own :func:`~spsreg.domain.exposure.daily_amount`,
the numeric item responses of each assessment. A test holds the two paths to the same alerts.

The diary is the one table that grows every day, and the rules only look back a bounded number
of days from the evaluation date. :func:`diary_window` derives that window from the rules and the
site's settings, so a site that widens a diary window also widens what is loaded.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

from spsreg.domain.exposure import daily_amount
from spsreg.domain.medications import (
    Dose,
    DosingSchedule,
    MedicationCourse,
    Route,
    StopReason,
    TherapyIntent,
)
from spsreg.domain.units import DoseUnit
from spsreg.knowledge.errors import UnknownDrugError
from spsreg.knowledge.pack import KnowledgePack
from spsreg.knowledge.rules import MonitoringRule
from spsreg.monitoring import PatientTimeline, RuleBook, SiteMonitoringConfig
from spsreg.monitoring.from_record import administration_view, pump_view
from spsreg.monitoring.kinds.lab_monitoring import LabMonitoringCheck
from spsreg.monitoring.timeline import (
    AssessmentView,
    ComorbidityView,
    CourseView,
    DiaryDay,
    LabView,
)
from spsreg.store.timeline_rows import (
    AssessmentRead,
    AssessmentRow,
    CourseRow,
    PatientTimelineRows,
)

__all__ = [
    "ASSESSMENT_READERS",
    "DIARY_LOOKBACK_WINDOWS",
    "LAB_READERS",
    "AssessmentReading",
    "TimelineBuilder",
    "assessment_reads",
    "diary_window",
    "lab_analytes",
]

DIARY_LOOKBACK_WINDOWS: Mapping[str, int] = MappingProxyType(
    {"diary_sedation": 1, "rising_falls": 2}
)
"""Rule kind -> how many of its ``window_days`` it reads back from the evaluation date.

``diary_sedation`` reads one window; ``rising_falls`` compares the recent window with the one
before it (its rules that compare visits instead have no window and read no diary). A test checks
that every kind that reads the diary is listed here.
"""


@dataclass(frozen=True)
class AssessmentReading:
    """How far back a rule kind reads a scale: its ``latest`` assessments on or before the
    evaluation date, counting only those holding the rule's item when ``reads_item``."""

    latest: int
    reads_item: bool


ASSESSMENT_READERS: Mapping[str, AssessmentReading] = MappingProxyType(
    {
        "assessment_gap": AssessmentReading(latest=1, reads_item=False),
        "rising_falls": AssessmentReading(latest=2, reads_item=True),
    }
)
"""Rule kind -> what it reads of assessments: ``assessment_gap`` asks when the scale was last
recorded; ``rising_falls`` compares the item in the last two assessments that hold it.

Each rule of these kinds names its scale (``scale_id``) and, when it reads a response, the item
(``item_id``). A test checks that every kind that reads assessments is listed here.
"""

LAB_READERS: frozenset[str] = frozenset({"lab_monitoring"})
"""The rule kinds that read laboratory results (each names its analytes). A test checks that
every kind that reads labs is listed here."""


def _enabled(rules: RuleBook, config: SiteMonitoringConfig | None) -> Iterator[MonitoringRule]:
    disabled = config.disabled_rules if config is not None else frozenset()
    return (rule for rule in rules.rules.rules if rule.id not in disabled)


def assessment_reads(
    rules: RuleBook, config: SiteMonitoringConfig | None
) -> tuple[AssessmentRead, ...]:
    """What the enabled rules read of assessments, one read per scale, item and depth.

    Visits carry many scales (several a visit, for years), and decoding every stored response
    document is the largest cost of a registry-wide evaluation; the rules read the last one or
    two of a few scales.
    """
    reads: set[AssessmentRead] = set()
    for rule in _enabled(rules, config):
        reading = ASSESSMENT_READERS.get(rule.kind)
        scale_id = getattr(rule.parameters, "scale_id", None)
        if reading is None or scale_id is None:
            continue
        item_id = getattr(rule.parameters, "item_id", None) if reading.reads_item else None
        reads.add(AssessmentRead(scale_id, reading.latest, item_id))
    return tuple(sorted(reads, key=lambda r: (r.scale_id, r.item_id or "", r.latest)))


def lab_analytes(rules: RuleBook, config: SiteMonitoringConfig | None) -> frozenset[str]:
    """The analytes the enabled rules read (registries hold many more, glucose every visit)."""
    analytes: set[str] = set()
    for rule in _enabled(rules, config):
        if rule.kind in LAB_READERS:
            check = rules.check(rule.id)
            assert isinstance(check, LabMonitoringCheck)
            analytes.update(check.analytes)
    return frozenset(analytes)


def diary_window(
    rules: RuleBook, config: SiteMonitoringConfig | None, as_of: date
) -> tuple[date, date] | None:
    """The first and last diary days any enabled rule reads on ``as_of``; None when no enabled
    rule reads the diary (then no diary row is needed at all)."""
    config = config if config is not None else SiteMonitoringConfig()
    days = 0
    for rule in rules.rules.rules:
        windows = DIARY_LOOKBACK_WINDOWS.get(rule.kind)
        if windows is None or rule.id in config.disabled_rules:
            continue
        declared = rule.settings.get("window_days")
        if declared is None:  # a kind reads the diary only with a window (rising falls at visits)
            continue
        window = config.settings.get(rule.id, {}).get("window_days", declared.default)
        days = max(days, windows * int(window))
    if days == 0:
        return None
    return as_of - timedelta(days=days - 1), as_of


class TimelineBuilder:
    """Builds timelines from rows, remembering each drug's class from the knowledge pack."""

    def __init__(self, pack: KnowledgePack, responses_of: Collection[str] | None = None) -> None:
        """``responses_of``: the scales whose responses are decoded (None: every scale); the
        others get no responses (the rules only ask whether and when they were recorded)."""
        self._pack = pack
        self._responses_of = None if responses_of is None else frozenset(responses_of)
        self._classes: dict[str, str | None] = {}
        self._amounts: dict[tuple[object, ...], tuple[float, DoseUnit] | None] = {}

    def _drug_class(self, drug_id: str) -> str | None:
        if drug_id not in self._classes:
            try:
                self._classes[drug_id] = self._pack.drug(drug_id).drug_class.value
            except UnknownDrugError:
                self._classes[drug_id] = None
        return self._classes[drug_id]

    def _daily_amount(self, row: CourseRow) -> tuple[float, DoseUnit] | None:
        """The domain's own daily amount of the course's regimen, computed once per regimen
        (a registry repeats the same few regimens thousands of times)."""
        regimen = (
            row.schedule,
            row.dose_value,
            row.dose_unit,
            row.times_per_period,
            row.period_days,
            row.weight_kg,
        )
        if regimen not in self._amounts:
            # The stored row was validated when it was saved: construct without validating
            # again, and let the domain compute the amount as it does for a loaded record.
            course = MedicationCourse.model_construct(
                id=row.id,
                drug_id=row.drug_id,
                route=Route(row.route),
                intent=TherapyIntent(row.intent),
                schedule=DosingSchedule(row.schedule),
                dose=Dose.model_construct(value=row.dose_value, unit=DoseUnit(row.dose_unit)),
                times_per_period=row.times_per_period,
                period_days=row.period_days,
                course_days=row.course_days,
                weight_kg=row.weight_kg,
                start_date=row.start_date,
                stop_date=row.stop_date,
                stop_reason=None if row.stop_reason is None else StopReason(row.stop_reason),
                previous_course_id=row.previous_course_id,
            )
            self._amounts[regimen] = daily_amount(course)
        return self._amounts[regimen]

    def _course(self, row: CourseRow) -> CourseView:
        amount = self._daily_amount(row)
        return CourseView(
            id=row.id,
            drug_id=row.drug_id,
            drug_class=self._drug_class(row.drug_id),
            route=Route(row.route),
            schedule=DosingSchedule(row.schedule),
            start=row.start_date,
            stop=row.stop_date,
            daily_amount=amount[0] if amount is not None else None,
            unit=amount[1] if amount is not None else None,
            period_days=row.period_days,
        )

    def _responses(self, assessment: AssessmentRow) -> dict[str, float]:
        """The numeric item responses, as :func:`timeline_from_record` keeps them."""
        if self._responses_of is not None and assessment.scale_id not in self._responses_of:
            return {}
        responses: dict[str, object] = json.loads(assessment.responses_json)
        return {
            item: float(value)
            for item, value in responses.items()
            if isinstance(value, int | float) and not isinstance(value, bool)
        }

    def build(self, rows: PatientTimelineRows) -> PatientTimeline:
        drug_of_course = {course.id: course.drug_id for course in rows.courses}
        return PatientTimeline.build(
            patient_id=rows.patient_id,
            site_id=rows.site_id,
            birth_year_month=rows.birth_year_month,
            date_of_death=rows.date_of_death,
            first_contact_date=rows.first_contact_date,
            visit_dates=() if rows.first_visit_date is None else (rows.first_visit_date,),
            courses=[self._course(course) for course in rows.courses],
            administrations=(
                administration_view(given, drug_of_course[given.course_id])
                for given in rows.administrations
            ),
            labs=(
                LabView(
                    analyte=lab.analyte,
                    collected_on=lab.collected_on,
                    value=lab.value,
                    unit=lab.unit,
                    qualitative=lab.qualitative,
                )
                for lab in rows.labs
            ),
            assessments=(
                AssessmentView(
                    scale_id=assessment.scale_id,
                    visit_date=assessment.visit_date,
                    responses=self._responses(assessment),
                )
                for assessment in rows.assessments
            ),
            pumps=(pump_view(pump) for pump in rows.pumps),
            comorbidities=(
                ComorbidityView(c.kind, c.diagnosed_on, c.resolved_on) for c in rows.comorbidities
            ),
            diary=(DiaryDay(e.entry_date, e.sedation, e.falls) for e in rows.diary),
        )
