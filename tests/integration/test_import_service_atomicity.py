"""All or nothing per patient when the store fails half-way through saving a record.

A record is written table by table (patients first, diary entries last) in one transaction. A
failure on a later table must take back the earlier tables of that patient, while the patients
before it stay stored: by a database constraint (the import goes on) and by an unexpected database
error (the import stops, and re-running it completes the batch).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, Table, func, select
from sqlalchemy.exc import OperationalError

from spsreg.domain import PatientRecord
from spsreg.export.native_jsonl import header_line, record_line
from spsreg.ingest.service import import_native_path
from spsreg.store import Actor, Registry, Role
from spsreg.store import records as store_records
from spsreg.store.mapping import MAPPINGS, RecordKind
from spsreg.store.tables import AUDIT_LOG, PATIENTS
from spsreg.synth import CohortConfig, iter_synthetic_patients

CONFIG = CohortConfig(patients=12, sites=1, years=1, seed=3)
ADMIN = Actor("registry-admin", Role.ADMIN)


@cache
def with_diaries() -> tuple[PatientRecord, ...]:
    """Synthetic SITE-A patients who keep a symptom diary (so their last table has rows)."""
    records = tuple(p.record for p in iter_synthetic_patients(CONFIG))
    chosen = tuple(record for record in records if record.diary_entries)
    assert len(chosen) >= 3, "the seed no longer gives three diary keepers"
    return chosen[:3]


def patient_rows(engine: Engine, patient_id: str) -> dict[str, int]:
    """Rows of one patient per table, and the audit entries naming the patient."""
    tables = [PATIENTS] + [
        m.table for kind, m in MAPPINGS.items() if kind is not RecordKind.PATIENT
    ]
    counts: dict[str, int] = {}
    with engine.connect() as connection:
        for table in tables:
            column = table.c.id if table is PATIENTS else table.c.patient_id
            counts[table.name] = connection.execute(
                select(func.count()).select_from(table).where(column == patient_id)
            ).scalar_one()
        counts["audit_log"] = connection.execute(
            select(func.count()).select_from(AUDIT_LOG).where(AUDIT_LOG.c.patient_id == patient_id)
        ).scalar_one()
    return counts


def write_batch(registry: Registry, path: Path, records: list[PatientRecord]) -> Path:
    lines = [header_line(registry.list_sites(ADMIN)), *(record_line(r) for r in records)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_constraint_failure_on_a_later_table_rejects_that_patient_only(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    first, clashing, last = with_diaries()
    # A diary entry id already used by the first patient: every table of the clashing patient up
    # to diary_entries is inserted before the primary key refuses the row.
    stolen_id = first.diary_entries[0].id
    clash = clashing.model_copy(
        update={
            "diary_entries": (
                clashing.diary_entries[0].model_copy(update={"id": stolen_id}),
                *clashing.diary_entries[1:],
            )
        }
    )
    source = write_batch(registry, tmp_path / "batch.jsonl", [first, clash, last])

    report = import_native_path(registry, ADMIN, source, as_of=CONFIG.end_date)

    assert (report.created, report.rejected_records) == (2, 1)
    (problem,) = report.problems
    assert (problem.line, problem.field, problem.patient_id) == (3, "-", clashing.patient.id)
    assert "nothing was saved" in problem.reason
    assert set(patient_rows(engine, clashing.patient.id).values()) == {0}
    for record in (first, last):
        assert registry.load_patient_record(ADMIN, record.patient.id) == record.model_copy(
            update={"identifiers": None}  # an administrator never sees identifiers
        )


def test_an_unexpected_database_error_stops_the_import_and_a_rerun_completes_it(
    registry: Registry, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, failing, last = with_diaries()
    source = write_batch(registry, tmp_path / "batch.jsonl", [first, failing, last])
    real_bulk_insert = store_records.bulk_insert
    reached: list[str] = []

    def failing_bulk_insert(
        connection: Connection, table: Table, rows: list[dict[str, Any]]
    ) -> None:
        if rows and rows[0].get("patient_id") == failing.patient.id:
            reached.append(table.name)
            if table.name == "diary_entries":
                raise OperationalError("INSERT INTO diary_entries", {}, OSError("disk I/O error"))
        real_bulk_insert(connection, table, rows)

    monkeypatch.setattr(store_records, "bulk_insert", failing_bulk_insert)
    with pytest.raises(OperationalError, match="disk I/O error"):
        import_native_path(registry, ADMIN, source, as_of=CONFIG.end_date)

    assert {"patient_identifiers", "consents", "lab_results", "visits"} <= set(reached)
    assert set(patient_rows(engine, failing.patient.id).values()) == {0}
    assert patient_rows(engine, first.patient.id)["patients"] == 1
    assert patient_rows(engine, last.patient.id)["patients"] == 0  # never reached

    monkeypatch.setattr(store_records, "bulk_insert", real_bulk_insert)
    rerun = import_native_path(registry, ADMIN, source, as_of=CONFIG.end_date)

    assert rerun.ok and (rerun.created, rerun.unchanged) == (2, 1)
    for record in (first, failing, last):
        rows = patient_rows(engine, record.patient.id)
        assert rows["diary_entries"] == len(record.diary_entries)
        assert rows["audit_log"] == 1
