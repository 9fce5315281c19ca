"""An importer killed with SIGKILL at random points leaves whole patients or none (issue 8).

A small synthetic source is written once, as native JSON lines (with identifiers) and as FHIR Bulk
NDJSON. For each database (a SQLite file; a fresh PostgreSQL database per case) and each format,
``spsreg import`` runs in a real process (tests/support/crash_importer.py) and is killed with
SIGKILL at seeded random moments of its writing phase: after its first write (the sites) is
visible, at a fraction in (0.05, 0.95) of the writing phase measured by one uninterrupted import.
After every kill the database must pass its integrity checks and the audit chain, every source
patient must be absent or exactly equal to its source record (identifiers included, read by staff
of the patient's site), and each stored patient has exactly one ``create`` audit entry. Re-running
the import must then complete: the patients that were missing are created, the others are
unchanged, nothing is rejected, and every table holds as many rows as after an import that was
never interrupted.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from crash_checks import FreshDatabases, check_registry, open_engine, record_table_counts
from crash_importer import ForkingImporter
from sqlalchemy import func, select

from spsreg.domain import PatientRecord, Site
from spsreg.ingest.batch import NativeBatch, ParsedRecord
from spsreg.ingest.fhir_reader import read_fhir_path
from spsreg.ingest.service import read_native_path
from spsreg.store.config import read_only
from spsreg.store.tables import AUDIT_LOG
from spsreg.synth import DEFAULT_END_DATE

COHORT = ["--patients", "16", "--sites", "3", "--years", "1", "--seed", "8"]
KILLS_PER_CASE = 6
KILL_WINDOW = (0.05, 0.95)  # fractions of the writing phase
POLL_SECONDS = 0.005
RUN_TIMEOUT_SECONDS = 120.0

pytestmark = pytest.mark.slow  # about a minute on an idle 2-core machine


@dataclass(frozen=True)
class Source:
    """One format's source: the import arguments and the records its reader gives."""

    args: list[str]
    records: dict[str, PatientRecord]
    sites: tuple[Site, ...]


def _records(batch: NativeBatch) -> dict[str, PatientRecord]:
    assert batch.accepted, batch.file_errors
    records: dict[str, PatientRecord] = {}
    for result in batch:
        assert isinstance(result, ParsedRecord), result
        records[result.record.patient.id] = result.record
    return records


def _env(url: str) -> dict[str, str | None]:
    return {"SPSREG_DATABASE_URL": url, "SPSREG_SITE": None, "SPSREG_USER": "crash-importer"}


@pytest.fixture(scope="module")
def importer() -> Iterator[ForkingImporter]:
    forking = ForkingImporter()
    yield forking
    forking.close()


@pytest.fixture(scope="module")
def sources(
    importer: ForkingImporter, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Source]:
    """The native file (the generator's, identifiers included) and its FHIR NDJSON export."""
    work = tmp_path_factory.mktemp("crash-source")
    native, fhir = work / "source.jsonl", work / "fhir"
    env = _env(f"sqlite:///{work / 'staging.sqlite3'}")
    as_of = ["--as-of", DEFAULT_END_DATE.isoformat(), "--summary-format", "json"]
    for step, args in enumerate(
        (
            ["generate", *COHORT, "--out", str(native)],
            ["init"],
            ["import", str(native), *as_of],
            ["export", "--format", "fhir-ndjson", "--out", str(fhir)],
        )
    ):
        run = importer.run(args, env, work / f"step-{step}.out")
        assert run.code == 0, (args, (work / f"step-{step}.err").read_text())
    native_batch = read_native_path(native)[1]
    fhir_batch = read_fhir_path(fhir, site_id=None)
    result = {
        "native": Source(
            ["import", str(native), *as_of], _records(native_batch), native_batch.sites
        ),
        "fhir": Source(
            ["import", "--format", "fhir", str(fhir), *as_of],
            _records(fhir_batch),
            fhir_batch.sites,
        ),
    }
    assert all(record.identifiers is not None for record in result["native"].records.values())
    assert result["native"].records.keys() == result["fhir"].records.keys()
    return result


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FreshDatabases]:
    backend: str = request.param
    server = request.getfixturevalue("postgres_url") if backend == "postgres" else None
    fresh = FreshDatabases(backend, tmp_path_factory.mktemp(f"crash-{backend}"), server)
    yield fresh
    fresh.close()


@dataclass(frozen=True)
class ImportRun:
    """One import process: when its first write became visible, when it ended, whether killed."""

    code: int
    writing_seconds: float
    killed: bool
    stdout: Path


def _audit_entries(connection_url: str) -> int:
    engine = open_engine(connection_url)
    with engine.connect() as raw:
        count = read_only(raw).execute(select(func.count()).select_from(AUDIT_LOG)).scalar_one()
    engine.dispose()
    return int(count)


def _import(
    importer: ForkingImporter, url: str, source: Source, out: Path, kill_after: float | None
) -> ImportRun:
    """Run the import; once its first write is visible, kill it after ``kill_after`` seconds
    (``None``: let it finish)."""
    pid = importer.start(source.args, _env(url), out)
    deadline = time.monotonic() + RUN_TIMEOUT_SECONDS
    while _audit_entries(url) == 0:
        code = importer.wait(pid, timeout=POLL_SECONDS)
        if code is not None:
            raise AssertionError(f"the import ended before writing anything: exit {code}")
        if time.monotonic() > deadline:
            importer.kill(pid)
            raise AssertionError("the import wrote nothing in time")
    writing_from = time.monotonic()
    code = importer.wait(pid, timeout=RUN_TIMEOUT_SECONDS if kill_after is None else kill_after)
    killed = code is None
    if code is None:
        code = importer.kill(pid)
        if kill_after is None:
            raise AssertionError("the import did not finish in time")
    return ImportRun(code, time.monotonic() - writing_from, killed, out)


def _report(run: ImportRun) -> dict[str, object]:
    document: dict[str, object] = json.loads(run.stdout.read_text())
    assert document.pop("kind") == "import-report"
    return document


@pytest.mark.parametrize("data_format", ["native", "fhir"])
def test_killed_import_keeps_whole_patients_and_completes_when_rerun(
    data_format: str,
    databases: FreshDatabases,
    sources: dict[str, Source],
    importer: ForkingImporter,
    tmp_path: Path,
) -> None:
    source = sources[data_format]
    total = len(source.records)
    rng = random.Random(f"crash-{databases.backend}-{data_format}")
    began = time.monotonic()

    reference_url = databases.fresh()
    reference = _import(importer, reference_url, source, tmp_path / "reference.out", None)
    assert (reference.code, _report(reference)["created"]) == (0, total)
    expected_counts = record_table_counts(reference_url)
    assert check_registry(reference_url, source.records, source.sites) == set(source.records)

    present_after_kill: list[int] = []
    for case in range(KILLS_PER_CASE):
        url = databases.fresh()
        delay = rng.uniform(*KILL_WINDOW) * reference.writing_seconds
        crashed = _import(importer, url, source, tmp_path / f"kill-{case}.out", delay)
        assert crashed.code == -9 or not crashed.killed, crashed
        present = check_registry(url, source.records, source.sites)
        present_after_kill.append(len(present) if crashed.killed else -1)

        rerun = _import(importer, url, source, tmp_path / f"rerun-{case}.out", None)
        report = _report(rerun)
        assert rerun.code == 0, (rerun.stdout.with_suffix(".err").read_text(), report)
        assert (report["created"], report["unchanged"]) == (total - len(present), len(present))
        assert (report["replaced"], report["rejected_records"]) == (0, 0)
        assert check_registry(url, source.records, source.sites) == set(source.records)
        assert record_table_counts(url) == expected_counts

    print(
        f"\n{databases.backend}/{data_format}: {total} patients, writing phase "
        f"{reference.writing_seconds:.2f} s; patients present after each kill "
        f"(-1: finished first) {present_after_kill}; {time.monotonic() - began:.1f} s in all"
    )
    landed_mid_import = [count for count in present_after_kill if 0 < count < total]
    assert landed_mid_import, f"no kill landed between two patients: {present_after_kill}"
