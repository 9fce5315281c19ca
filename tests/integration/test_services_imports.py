"""Imports that list the alerts they create, on SQLite and PostgreSQL: new patients bring all
their alerts, a replaced patient only the new ones, unchanged and rejected patients none, a
decision already recorded is shown with the alert, and roles without a worklist are refused
before anything is imported."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from record_examples import minimal_record

from spsreg.domain import (
    Dose,
    DoseUnit,
    DosingSchedule,
    MedicationCourse,
    PatientRecord,
    Route,
    Site,
    TherapyIntent,
)
from spsreg.export.native_jsonl import write_native_jsonl_file
from spsreg.ingest.service import read_native_path
from spsreg.monitoring import Severity
from spsreg.services.imports import ImportWithAlerts, import_batch_with_alerts
from spsreg.services.monitoring import snooze, worklist
from spsreg.store import Actor, OnExisting, Registry, Role, ScopeError

DAY = date(2025, 6, 1)
SITE_A = Site(id="SITE-A", name="Site A Neurology", country="GB")  # as the registry fixture
A1, A2 = "p-imp-a1", "p-imp-a2"


def import_native_with_alerts(
    registry: Registry, actor: Actor, path: Path, **options: Any
) -> ImportWithAlerts:
    kind, batch = read_native_path(path)
    return import_batch_with_alerts(registry, actor, batch, kind, **options)


def course(patient_id: str, name: str, drug: str, mg: float, times: int) -> MedicationCourse:
    return MedicationCourse(
        id=f"{patient_id}-{name}",
        drug_id=drug,
        route=Route.ORAL,
        intent=TherapyIntent.SYMPTOMATIC,
        schedule=DosingSchedule.REGULAR,
        dose=Dose(value=mg, unit=DoseUnit.MG),
        times_per_period=times,
        period_days=1,
        start_date=date(2025, 1, 1),
    )


def record(patient_id: str, *courses: MedicationCourse) -> PatientRecord:
    return minimal_record(patient_id, "SITE-A").model_copy(update={"medication_courses": courses})


def native_file(path: Path, *records: PatientRecord) -> Path:
    """A native file of ``records`` at the fixture's site A (registered as in the registry)."""
    write_native_jsonl_file(path, [SITE_A], records)
    return path


def test_new_patients_bring_their_alerts_most_severe_first(
    registry: Registry, clinician_a: Actor, tmp_path: Path
) -> None:
    on_both = record(A1, course(A1, "dzp", "diazepam", 10, 3), course(A1, "oxy", "oxycodone", 5, 2))
    source = native_file(
        tmp_path / "in.jsonl", on_both, record(A2, course(A2, "dzp", "diazepam", 5, 2))
    )
    imported = import_native_with_alerts(registry, clinician_a, source, as_of=DAY)
    assert imported.report.created == 2 and imported.report.ok
    listed = worklist(registry, clinician_a, DAY)
    assert [e.alert for e in imported.new_alerts] == [e.alert for e in listed.entries]
    assert imported.new_alerts[0].alert.rule_id == "benzodiazepine_with_opioid"
    severities = [e.alert.severity for e in imported.new_alerts]
    assert severities == sorted(severities, reverse=True) and Severity.CRITICAL in severities


def test_a_replaced_patient_brings_only_new_alerts_and_an_unchanged_one_none(
    registry: Registry, clinician_a: Actor, tmp_path: Path
) -> None:
    first = record(A1, course(A1, "dzp", "diazepam", 10, 3))
    import_native_with_alerts(
        registry, clinician_a, native_file(tmp_path / "1.jsonl", first), as_of=DAY
    )
    before = {e.alert.fingerprint for e in worklist(registry, clinician_a, DAY).entries}

    again = import_native_with_alerts(
        registry, clinician_a, native_file(tmp_path / "2.jsonl", first), as_of=DAY
    )
    assert again.report.unchanged == 1 and again.new_alerts == ()

    with_opioid = record(
        A1, course(A1, "dzp", "diazepam", 10, 3), course(A1, "oxy", "oxycodone", 5, 2)
    )
    replaced = import_native_with_alerts(
        registry,
        clinician_a,
        native_file(tmp_path / "3.jsonl", with_opioid),
        as_of=DAY,
        on_existing=OnExisting.REPLACE,
    )
    assert replaced.report.replaced == 1
    assert [e.alert.rule_id for e in replaced.new_alerts] == ["benzodiazepine_with_opioid"]
    assert not {e.alert.fingerprint for e in replaced.new_alerts} & before


def test_rejected_patients_bring_no_alerts_and_a_snooze_is_shown_with_the_new_alert(
    registry: Registry, clinician_a: Actor, clinician_b: Actor, tmp_path: Path
) -> None:
    high = native_file(tmp_path / "1.jsonl", record(A1, course(A1, "dzp", "diazepam", 15, 4)))
    refused = import_native_with_alerts(registry, clinician_b, high, as_of=DAY)
    assert refused.report.rejected_records == 1 and refused.new_alerts == ()

    imported = import_native_with_alerts(registry, clinician_a, high, as_of=DAY)
    above = next(
        e for e in imported.new_alerts if e.alert.rule_id == "diazepam_above_label_maximum"
    )
    snooze(
        registry,
        clinician_a,
        above.alert,
        until=date(2025, 7, 1),
        reason="dose agreed with the patient; review next month",
        at=datetime(2025, 6, 1, 9, tzinfo=UTC),
    )
    higher = native_file(tmp_path / "2.jsonl", record(A1, course(A1, "dzp", "diazepam", 20, 4)))
    replaced = import_native_with_alerts(
        registry, clinician_a, higher, as_of=DAY, on_existing=OnExisting.REPLACE
    )
    again = next(
        e for e in replaced.new_alerts if e.alert.rule_id == "diazepam_above_label_maximum"
    )
    assert again.alert.fingerprint != above.alert.fingerprint
    assert again.silenced_by is not None and again.silenced_by.snoozed_until == date(2025, 7, 1)


def test_roles_without_a_worklist_are_refused_before_anything_is_imported(
    registry: Registry, tmp_path: Path
) -> None:
    source = native_file(tmp_path / "in.jsonl", record(A1, course(A1, "dzp", "diazepam", 10, 3)))
    researcher = Actor("res-1", Role.RESEARCHER, "SITE-A")
    with pytest.raises(ScopeError):
        import_native_with_alerts(registry, researcher, source, as_of=DAY)
    assert registry.list_patients(Actor("root", Role.ADMIN, None)) == []
