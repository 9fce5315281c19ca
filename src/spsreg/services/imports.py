"""Imports that report the monitoring alerts they create (``spsreg import --alerts``).

The import itself is :mod:`spsreg.ingest.service` (each patient whole or not at all); this module
adds what the monitoring service does for a single saved record (:func:`save_with_alerts`) to a
whole batch: just before each patient is saved, the alerts that patient already has on the
evaluation date are noted; after the batch, every patient created or replaced is evaluated again
and the alerts whose fingerprints are new are returned, most severe first, each with the decision
that would keep it off the worklist. A patient left unchanged creates no alert; a rejected one
changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from spsreg.domain.record import PatientRecord
from spsreg.ingest.batch import NativeBatch
from spsreg.ingest.service import ImportReport, Progress, import_batch
from spsreg.monitoring import RuleBook, SiteMonitoringConfig, load_rule_book
from spsreg.monitoring.alerts import alert_sort_key
from spsreg.services.monitoring import (
    WorklistEntry,
    alert_fingerprints,
    evaluate_patients,
    require_worklist_reader,
    with_decisions,
)
from spsreg.store import Actor, OnExisting, Registry

__all__ = ["ImportWithAlerts", "import_batch_with_alerts"]


@dataclass(frozen=True)
class ImportWithAlerts:
    """An import's report and the alerts its changes created (new fingerprints)."""

    report: ImportReport
    new_alerts: tuple[WorklistEntry, ...]


def import_batch_with_alerts(
    registry: Registry,
    actor: Actor,
    batch: NativeBatch,
    kind: str,
    *,
    as_of: date,
    on_existing: OnExisting = OnExisting.SKIP_IDENTICAL,
    strict: bool = False,
    progress: Progress | None = None,
    config: SiteMonitoringConfig | None = None,
    rules: RuleBook | None = None,
) -> ImportWithAlerts:
    """Import a batch (read by any reader) and return the alerts on ``as_of`` that it created.

    Only site staff and the system may ask (the worklist's readers); the check comes before
    anything is imported.
    """
    require_worklist_reader(actor)
    rules = rules if rules is not None else load_rule_book()
    before: dict[str, set[str]] = {}

    def note_alerts_before(record: PatientRecord) -> None:
        patient_id = record.patient.id
        before[patient_id] = alert_fingerprints(registry, actor, patient_id, as_of, config, rules)

    report = import_batch(
        registry,
        actor,
        batch,
        kind,
        as_of=as_of,
        on_existing=on_existing,
        strict=strict,
        progress=progress,
        before_save=note_alerts_before,
    )
    if not report.saved_patient_ids:
        return ImportWithAlerts(report, ())
    after, *_ = evaluate_patients(
        registry, actor, as_of, patient_ids=report.saved_patient_ids, config=config, rules=rules
    )
    new = [alert for alert in after if alert.fingerprint not in before.get(alert.patient_id, set())]
    new.sort(key=alert_sort_key)
    entries = with_decisions(registry, actor, new, as_of, report.saved_patient_ids)
    return ImportWithAlerts(report, tuple(entries))
