"""Concurrent writers: exactly one update wins per row version, none is lost, the chain holds."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

from record_examples import full_record
from sqlalchemy import Engine

from spsreg.domain import DiaryEntry
from spsreg.store import (
    Actor,
    ConflictError,
    Registry,
    Role,
    SaveStatus,
    iter_audit_entries,
    verify_audit_chain,
)

P = "p-0001"
ENTRY = f"{P}-diary-2021-03-01"
THREADS = 4
ROUNDS = 5


def test_concurrent_updates_never_lose_one(
    registry: Registry, clinician_a: Actor, engine: Engine
) -> None:
    registry.save_patient_record(clinician_a, full_record(), reason="import")
    start = registry.get(clinician_a, "diary_entries", ENTRY)
    initial = start.record.spasm_count
    barrier = threading.Barrier(THREADS)
    lock = threading.Lock()
    wins: list[int] = []  # the version each successful update started from
    conflicts: list[ConflictError] = []

    def worker(number: int) -> None:
        actor = Actor(f"nurse-{number}", Role.COORDINATOR, "SITE-A")
        for round_number in range(ROUNDS):
            first_try = round_number == 0
            while True:
                current = registry.get(actor, "diary_entries", ENTRY)
                if first_try:
                    barrier.wait()  # all threads now hold the same version: three must lose
                    first_try = False
                entry: DiaryEntry = current.record
                bumped = entry.model_copy(update={"spasm_count": (entry.spasm_count or 0) + 1})
                try:
                    registry.update(actor, "diary_entries", bumped, current.version, "count")
                except ConflictError as conflict:
                    with lock:
                        conflicts.append(conflict)
                    continue
                with lock:
                    wins.append(current.version)
                break

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))

    final = registry.get(clinician_a, "diary_entries", ENTRY)
    assert final.record.spasm_count == (initial or 0) + THREADS * ROUNDS
    assert len(wins) == THREADS * ROUNDS
    assert max(Counter(wins).values()) == 1  # exactly one winner per version
    assert start.version in wins
    assert len(conflicts) >= THREADS - 1
    assert all(c.current_version is None or c.current_version > start.version for c in conflicts)
    with engine.connect() as connection:
        updates = [e for e in iter_audit_entries(connection) if e.action == "update"]
    assert len(updates) == THREADS * ROUNDS
    assert verify_audit_chain(engine).ok


def test_concurrent_imports_share_one_unbroken_chain(
    registry: Registry, admin: Actor, engine: Engine
) -> None:
    patients_per_thread = 3

    def importer(number: int) -> list[SaveStatus]:
        actor = Actor(f"importer-{number}", Role.SYSTEM)
        outcomes = []
        for index in range(patients_per_thread):
            site = "SITE-A" if index % 2 else "SITE-B"
            record = full_record(f"p-{number}{index:03d}", site)
            outcomes.append(registry.save_patient_record(actor, record, reason="import").status)
        return outcomes

    with ThreadPoolExecutor(THREADS) as pool:
        results = [status for batch in pool.map(importer, range(THREADS)) for status in batch]

    assert results == [SaveStatus.CREATED] * THREADS * patients_per_thread
    verification = verify_audit_chain(engine)
    assert verification.ok
    assert verification.entries_checked == 2 + THREADS * patients_per_thread
    assert len(registry.list_patients(admin)) == THREADS * patients_per_thread
