"""Damaged ClinicalTrials.gov study JSON never crashes or hangs the importer, and a refused study
never reaches the store.

Every outcome is either trial records or :class:`CtgovProblem`s naming the file, the JSON path and
the reason; ``spsreg trials import`` on damaged bytes ends with an exit code, never a traceback;
saving through :meth:`Registry.save_trial` (SQLite) changes the trials table only by the studies
that were read whole, and a refused document leaves it as it was.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fuzz_limits import bounded, damaged_bytes, junk, mutation_of, time_limit
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete, func, select
from typer.testing import CliRunner

from spsreg.cli.main import app
from spsreg.domain.trials import TrialRecord
from spsreg.ingest.ctgov import CtgovError, CtgovReading, parse_ctgov, read_ctgov
from spsreg.store import Actor, Registry, Role, StoreError, create_engine_for, migrate
from spsreg.store.tables import AUDIT_LOG, TRIALS

FUZZ = settings(
    deadline=None,
    max_examples=80,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FIXTURES = Path(__file__).parents[1] / "fixtures" / "ctgov"
VALID = ("crossover_ivig.json", "parallel_rituximab.json", "page.json")
DOCUMENTS: dict[str, Any] = {
    name: json.loads((FIXTURES / name).read_text(encoding="utf-8")) for name in VALID
}
SOURCE = "fuzz.json"
ADMIN = Actor("registry-admin", Role.ADMIN)

documents = st.sampled_from(VALID).flatmap(lambda name: mutation_of(DOCUMENTS[name]))


def _check(reading: CtgovReading) -> None:
    """Only trial records and located, printable problems; the counts add up."""
    assert all(isinstance(study.record, TrialRecord) for study in reading.studies)
    for problem in reading.problems:
        assert problem.file == SOURCE and problem.path and problem.reason
        str(problem).encode("utf-8")
    assert reading.studies or reading.problems or reading.studies_read == 0  # an empty page
    assert len(reading.studies) + reading.rejected == reading.studies_read


@FUZZ
@given(documents)
def test_a_mutated_study_is_read_or_refused_with_its_path(document: Any) -> None:
    reading = bounded(lambda: read_ctgov(document, source=SOURCE))
    _check(reading)
    try:
        records = bounded(lambda: parse_ctgov(document, source=SOURCE))
    except CtgovError as error:
        assert error.problems == reading.problems
    else:
        assert records == reading.records and not reading.problems


@FUZZ
@given(
    junk
    | st.fixed_dictionaries({"protocolSection": junk})
    | st.fixed_dictionaries({"studies": junk})
)
@example({"studies": [{"protocolSection": {"identificationModule": []}}], "nextPageToken": 7})
def test_random_json_is_read_or_refused(document: Any) -> None:
    _check(bounded(lambda: read_ctgov(document, source=SOURCE)))


def _file_bytes() -> st.SearchStrategy[bytes]:
    return st.sampled_from(VALID).flatmap(
        lambda name: damaged_bytes((FIXTURES / name).read_bytes())
    )


@pytest.fixture(scope="module")
def home() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as folder:
        result = CliRunner(env={"SPSREG_HOME": folder, "SPSREG_DATABASE_URL": None}).invoke(
            app, ["init"]
        )
        assert result.exit_code == 0, result.stdout
        yield Path(folder)


@settings(FUZZ, max_examples=30)
@given(_file_bytes())
@example(b"[" * 100_000)  # nested too deeply for Python's JSON parser (was a RecursionError)
@example(b'{"studies": [' + b"9" * 5000 + b"]}")  # an integer too long to convert (ValueError)
@example(b'{"protocolSection": \xff}')  # not UTF-8
def test_trials_import_of_damaged_bytes_exits_cleanly(home: Path, content: bytes) -> None:
    runner = CliRunner(
        env={"SPSREG_HOME": str(home), "SPSREG_DATABASE_URL": None, "SPSREG_USER": "fuzz"}
    )
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "study.json"
        file.write_bytes(content)
        result = bounded(
            lambda: runner.invoke(app, ["trials", "import", str(file), "--format", "json"])
        )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code in (0, 1, 2), result.stdout
    if result.exit_code == 2:
        report = json.loads(result.stdout)
        assert not report["ok"] and report["problems"]
        assert all(p["file"] == str(file) and p["path"] and p["reason"] for p in report["problems"])


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = create_engine_for(f"sqlite:///{tmp_path_factory.mktemp('ctgov') / 'fuzz.sqlite3'}")
    migrate(engine)
    yield engine
    engine.dispose()


def _stored(engine: Engine) -> tuple[list[tuple[Any, ...]], int]:
    with engine.connect() as connection:
        trials = [
            tuple(row) for row in connection.execute(select(TRIALS).order_by(TRIALS.c.nct_id))
        ]
        audited = connection.execute(select(func.count()).select_from(AUDIT_LOG)).scalar_one()
    return trials, audited


@settings(FUZZ, max_examples=40)
@given(documents)
def test_a_refused_study_leaves_the_trials_table_unchanged(
    fuzz_engine: Engine, document: Any
) -> None:
    with fuzz_engine.begin() as connection:
        connection.execute(delete(TRIALS))
    registry = Registry(fuzz_engine)
    for record in read_ctgov(DOCUMENTS["page.json"], source=SOURCE).records:
        registry.save_trial(ADMIN, record, "fuzz baseline")
    before = _stored(fuzz_engine)
    reading = bounded(lambda: read_ctgov(document, source=SOURCE))
    saved: set[str] = set()
    for record in reading.records:
        try:
            with time_limit():
                outcome = registry.save_trial(ADMIN, record, "fuzz import")
        except StoreError:
            continue  # e.g. older than the stored record: refused whole
        if outcome.version is not None:
            saved.add(record.nct_id)
    after = _stored(fuzz_engine)
    if not saved:
        assert after == before, "a refused document changed the trials table"
    else:
        unchanged = [row for row in before[0] if row[0] not in saved]
        assert unchanged == [row for row in after[0] if row[0] not in saved]
        assert after[1] == before[1] + len(saved)
