"""Concurrent edits of one record (issue 8): many workers read-modify-write the same diary entry or
medication course through the store (threads, spawned processes) and through the HTTP API (a live
uvicorn server, one bearer token per worker).

Every check is the same: no update is lost (the stored counter equals the successful writes), every
stale write is refused as a conflict (``ConflictError``; HTTP 412 or 409, never 5xx), the successful
writes form one chain of strictly increasing row versions (each starts from the version the previous
one wrote) equal to the audit sequences of that record, and the audit chain verifies.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import httpx
from record_examples import full_record
from sqlalchemy import Engine

from spsreg.domain import DiaryEntry
from spsreg.store import (
    Actor,
    ConflictError,
    Registry,
    Role,
    create_engine_for,
    iter_audit_entries,
    verify_audit_chain,
)

P = "p-0001"
ENTRY = f"{P}-diary-2021-03-01"
COURSE = f"{P}-course-diazepam-2"
WORKERS = 8
PROCESSES = 4
ROUNDS = 4
API_DAY = date(2026, 11, 1)


@dataclass
class Tally:
    """One worker's outcome: (version read, version written) per success, and its conflicts."""

    writes: list[tuple[int, int]] = field(default_factory=list)
    conflicts: int = 0
    wrong_conflict_versions: list[tuple[int, int | None]] = field(default_factory=list)


def bump_diary(registry: Registry, actor: Actor, wait: Callable[[], object]) -> Tally:
    """ROUNDS times: read the entry, add one spasm, write it back at the version read (re-read and
    retry on a conflict). ``wait`` holds the first read until every worker has made it."""
    tally = Tally()
    for round_number in range(ROUNDS):
        while True:
            current = registry.get(actor, "diary_entries", ENTRY)
            if round_number == 0 and not tally.conflicts and not tally.writes:
                wait()  # every worker now holds the same version: all but one must lose
            entry: DiaryEntry = current.record
            bumped = entry.model_copy(update={"spasm_count": (entry.spasm_count or 0) + 1})
            try:
                saved = registry.update(actor, "diary_entries", bumped, current.version, "count")
            except ConflictError as conflict:
                tally.conflicts += 1
                if conflict.current_version is not None and (
                    conflict.current_version <= current.version
                ):
                    tally.wrong_conflict_versions.append(
                        (current.version, conflict.current_version)
                    )
                continue
            tally.writes.append((current.version, saved.version))
            break
    return tally


def check_chain(tallies: list[Tally], start_version: int, engine: Engine, entity_id: str) -> None:
    """The successes chain from ``start_version`` with strictly increasing versions, one per
    version read, and the record's audit entries are exactly those writes."""
    writes = sorted((w for t in tallies for w in t.writes), key=lambda write: write[1])
    written = [new for _, new in writes]
    assert len(set(written)) == len(written), "a row version was written twice"
    assert [read for read, _ in writes] == [start_version, *written[:-1]], "an update was lost"
    assert all(new > read for read, new in writes)
    with engine.connect() as connection:
        audited = [
            entry.sequence
            for entry in iter_audit_entries(connection, patient_id=P)
            if entry.entity_id == entity_id and entry.action == "update"
        ]
    assert audited == written
    assert verify_audit_chain(engine).ok
    assert all(not t.wrong_conflict_versions for t in tallies), "a conflict named an old version"


# The store


def test_threads_editing_one_diary_entry_lose_nothing(
    registry: Registry, clinician_a: Actor, engine: Engine
) -> None:
    registry.save_patient_record(clinician_a, full_record(), reason="import")
    start = registry.get(clinician_a, "diary_entries", ENTRY)
    barrier = threading.Barrier(WORKERS)
    tallies: list[Tally] = [Tally() for _ in range(WORKERS)]

    def worker(number: int) -> None:
        actor = Actor(f"nurse-{number}", Role.COORDINATOR, "SITE-A")
        tallies[number] = bump_diary(registry, actor, barrier.wait)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    final = registry.get(clinician_a, "diary_entries", ENTRY)
    assert sum(len(t.writes) for t in tallies) == WORKERS * ROUNDS
    assert final.record.spasm_count == (start.record.spasm_count or 0) + WORKERS * ROUNDS
    assert sum(t.conflicts for t in tallies) >= WORKERS - 1
    check_chain(tallies, start.version, engine, ENTRY)


def _process_worker(url: str, number: int, barrier_dir: str) -> None:
    """One worker process: its own engine and registry over the same database; it prints its
    tally as JSON. The barrier is a directory: each process marks its first read there and waits
    for all the others (multiprocessing's semaphores are unavailable in some sandboxes)."""
    folder = Path(barrier_dir)

    def wait() -> None:
        (folder / f"ready-{number}").touch()
        deadline = time.monotonic() + 60
        while len(list(folder.glob("ready-*"))) < PROCESSES:
            assert time.monotonic() < deadline, "the other worker processes never read the entry"
            time.sleep(0.01)

    engine = create_engine_for(url)
    try:
        actor = Actor(f"nurse-{number}", Role.COORDINATOR, "SITE-A")
        tally = bump_diary(Registry(engine), actor, wait)
    finally:
        engine.dispose()
    print(json.dumps([tally.writes, tally.conflicts, tally.wrong_conflict_versions]))


def test_processes_editing_one_diary_entry_lose_nothing(
    registry: Registry, clinician_a: Actor, engine: Engine, tmp_path: Path
) -> None:
    registry.save_patient_record(clinician_a, full_record(), reason="import")
    start = registry.get(clinician_a, "diary_entries", ENTRY)
    url = engine.url.render_as_string(hide_password=False)
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    code = "import sys; from test_concurrent_edits import _process_worker as w; "
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", code + f"w(sys.argv[1], {n}, sys.argv[2])", url, str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=environment,
            text=True,
        )
        for n in range(PROCESSES)
    ]
    tallies = []
    for process in processes:
        out, err = process.communicate(timeout=90)
        assert process.returncode == 0, f"a worker process failed: {err[-2000:]}"
        writes, conflicts, wrong = json.loads(out.strip().splitlines()[-1])
        tallies.append(Tally([(a, b) for a, b in writes], conflicts, wrong))

    final = registry.get(clinician_a, "diary_entries", ENTRY)
    assert final.record.spasm_count == (start.record.spasm_count or 0) + PROCESSES * ROUNDS
    assert sum(len(t.writes) for t in tallies) == PROCESSES * ROUNDS
    assert sum(t.conflicts for t in tallies) >= PROCESSES - 1
    check_chain(tallies, start.version, engine, ENTRY)


# The API (the web modules are imported here only: the worker processes above need the store only)


def serve(registry: Registry) -> tuple[str, Callable[[], None]]:
    """The app over ``registry`` under uvicorn on a free loopback port; its URL and a stopper."""
    import uvicorn
    from web_harness import web_app

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(web_app(registry), log_level="warning", access_log=False, ws="none")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=20)
        listener.close()

    return url, stop


def test_api_clients_editing_one_diary_entry_lose_nothing(
    registry: Registry, admin: Actor, engine: Engine
) -> None:
    from web_harness import NOW, PASSWORD

    registry.save_patient_record(admin, full_record(P, "SITE-A"), reason="import")
    tokens = []
    for number in range(WORKERS):
        name = f"dr.{number}"
        registry.add_user(admin, name, Role.CLINICIAN, PASSWORD, site_id="SITE-A")
        tokens.append(registry.create_api_token(admin, name, "concurrency test", now=NOW)[0])
    url, stop = serve(registry)
    diary = f"{url}/api/v1/patients/{P}/diary"
    day = API_DAY.isoformat()
    statuses: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(WORKERS)
    tallies = [Tally() for _ in range(WORKERS)]
    try:
        headers = {"Authorization": f"Bearer {tokens[0]}"}
        created = httpx.put(f"{diary}/{day}", json={"spasm_count": 0}, headers=headers)
        assert created.status_code == 201, created.text
        start_version = int(created.headers["ETag"].strip('"'))

        def worker(number: int) -> None:
            tally = tallies[number]
            auth = {"Authorization": f"Bearer {tokens[number]}"}
            with httpx.Client(headers=auth, timeout=60) as client:
                for round_number in range(ROUNDS):
                    while True:
                        listed = client.get(diary, params={"from": day, "to": day})
                        assert listed.status_code == 200, listed.text
                        (entry,) = listed.json()["entries"]
                        if round_number == 0 and not tally.conflicts and not tally.writes:
                            barrier.wait()
                        reply = client.put(
                            f"{diary}/{day}",
                            json={"spasm_count": entry["spasm_count"] + 1},
                            headers={"If-Match": f'"{entry["version"]}"'},
                        )
                        with lock:
                            statuses.append(reply.status_code)
                        if reply.status_code in (409, 412):
                            tally.conflicts += 1
                            current = reply.json().get("current_version")
                            assert current is None or current > entry["version"], reply.text
                            continue
                        assert reply.status_code == 200, reply.text
                        etag = int(reply.headers["ETag"].strip('"'))
                        assert etag == reply.json()["version"]
                        assert not tally.writes or etag > tally.writes[-1][1]
                        tally.writes.append((entry["version"], etag))
                        break

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(WORKERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in threads)
        final = httpx.get(diary, params={"from": day, "to": day}, headers=headers)
    finally:
        stop()

    successes = sum(len(t.writes) for t in tallies)
    assert successes == WORKERS * ROUNDS
    assert set(statuses) <= {200, 409, 412}, f"unexpected statuses: {sorted(set(statuses))}"
    assert statuses.count(200) == successes
    assert sum(t.conflicts for t in tallies) >= WORKERS - 1
    assert final.json()["entries"][0]["spasm_count"] == successes
    check_chain(tallies, start_version, engine, final.json()["entries"][0]["id"])
