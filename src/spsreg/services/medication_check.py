"""The immediate safety check of a medication course being entered: which alerts would it raise?

:func:`check_course` loads the patient's record through the store (scoped, access-logged), puts the
course into it in memory (added, or replacing the stored course with the same id), evaluates the
monitoring rules on both the stored and the changed record, and returns the alerts whose
fingerprints only the changed record has: a dose above the knowledge pack's limits, a dangerous
combination such as a benzodiazepine with an opioid, and whatever else the rules say. Nothing is
written; the same rules run again when the course is saved
(:func:`spsreg.services.monitoring.save_with_alerts`).
"""

from __future__ import annotations

from datetime import date

from spsreg.domain.medications import MedicationCourse
from spsreg.domain.record import PatientRecord
from spsreg.monitoring import Alert, RuleBook, SiteMonitoringConfig, load_rule_book
from spsreg.monitoring.alerts import alert_sort_key
from spsreg.monitoring.from_record import timeline_from_record
from spsreg.services.monitoring import require_worklist_reader
from spsreg.store import Actor, Registry

__all__ = ["check_course", "with_course"]


def with_course(record: PatientRecord, course: MedicationCourse) -> PatientRecord:
    """``record`` with ``course`` added, or replacing the stored course of the same id (in
    memory; the record's cross-references are not re-checked: this is a what-if)."""
    courses = list(record.medication_courses)
    for index, stored in enumerate(courses):
        if stored.id == course.id:
            courses[index] = course
            break
    else:
        courses.append(course)
    return record.model_copy(update={"medication_courses": tuple(courses)})


def _alerts(
    record: PatientRecord, as_of: date, rules: RuleBook, config: SiteMonitoringConfig | None
) -> list[Alert]:
    return rules.bind(config).evaluate(timeline_from_record(record, rules.pack), as_of)


def check_course(
    registry: Registry,
    actor: Actor,
    patient_id: str,
    course: MedicationCourse,
    as_of: date,
    config: SiteMonitoringConfig | None = None,
    rules: RuleBook | None = None,
    *,
    channel: str = "store",
) -> list[Alert]:
    """The alerts that adding (or replacing) ``course`` would create on ``as_of``, most severe
    first; no write. A patient outside the actor's scope is :class:`NotFoundError`, a role
    without a worklist :class:`ScopeError`, as for the worklist itself."""
    require_worklist_reader(actor)
    rules = rules if rules is not None else load_rule_book()
    record = registry.load_patient_record(actor, patient_id, channel=channel)
    before = {alert.fingerprint for alert in _alerts(record, as_of, rules, config)}
    after = _alerts(with_course(record, course), as_of, rules, config)
    new = [alert for alert in after if alert.fingerprint not in before]
    new.sort(key=alert_sort_key)
    return new
