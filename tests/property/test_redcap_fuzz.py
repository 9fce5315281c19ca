"""Damaged REDCap files never crash the reader and never half-import a patient.

Every problem is a located :class:`RecordError` (of the batch or of one patient); a patient is
either read whole or rejected whole, and an import stores exactly the patients that were read.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete

from spsreg.domain import Site
from spsreg.ingest.batch import NativeBatch, ParsedRecord
from spsreg.ingest.errors import RecordError
from spsreg.ingest.redcap_reader import read_redcap_path
from spsreg.ingest.service import import_batch
from spsreg.store import Actor, NotFoundError, Registry, Role, create_engine_for, migrate
from spsreg.store.tables import SCHEMA_INFO, metadata

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "redcap"
FILES = {
    "records": "records.csv",
    "dictionary": "data_dictionary.csv",
    "mapping": "mapping.yaml",
}
TEXTS = {name: (EXAMPLE / file).read_bytes() for name, file in FILES.items()}
ROWS = list(csv.reader(io.StringIO(TEXTS["records"].decode("utf-8"), newline="")))
RECORD_IDS = sorted({row[0] for row in ROWS[1:]})


def _read(files: dict[str, bytes], folder: Path) -> NativeBatch:
    for name, content in files.items():
        (folder / FILES[name]).write_bytes(content)
    return read_redcap_path(
        folder / FILES["records"],
        dictionary=folder / FILES["dictionary"],
        mapping=folder / FILES["mapping"],
        site_id="SITE-A",
    )


def _check(batch: NativeBatch) -> list[ParsedRecord | RecordError]:
    """Iterate the whole batch: only located results, no patient both read and rejected."""
    items = list(batch)
    if batch.file_errors:
        assert items == list(batch.file_errors)
    read, rejected = set(), set()
    for item in items:
        if isinstance(item, ParsedRecord):
            read.add(item.record.patient.id)
        else:
            assert isinstance(item, RecordError)
            assert item.line >= 0 and item.reason and item.field
            str(item).encode("utf-8")
            if item.patient_id is not None:
                rejected.add(item.patient_id)
    assert not read & rejected, read & rejected
    return items


@st.composite
def _damaged(draw: st.DrawFn, name: str) -> dict[str, bytes]:
    """The example project with a stretch of one file replaced by random bytes."""
    content = TEXTS[name]
    start = draw(st.integers(0, len(content)))
    end = draw(st.integers(start, min(len(content), start + 30)))
    inserted = draw(
        st.binary(max_size=20) | st.sampled_from([b",", b'"', b"\n", b"|", b": ", b"- "])
    )
    return {**TEXTS, name: content[:start] + inserted + content[end:]}


@FUZZ
@given(st.sampled_from(sorted(FILES)).flatmap(_damaged))
def test_damaged_files_never_raise(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _check(_read(files, Path(folder)))


@st.composite
def _bad_cell(draw: st.DrawFn) -> tuple[dict[str, bytes], str]:
    """The records export with one cell of one data row replaced, and that row's record."""
    rows = [list(row) for row in ROWS]
    index = draw(st.integers(1, len(rows) - 1))
    column = draw(st.integers(1, len(rows[0]) - 1))
    rows[index][column] = draw(
        st.text(max_size=12) | st.sampled_from(["0", "9", "-1", "2019-02-30", "1e999", "nan", " "])
    )
    out = io.StringIO(newline="")
    csv.writer(out, lineterminator="\n").writerows(rows)
    return {**TEXTS, "records": out.getvalue().encode("utf-8")}, rows[index][0]


@FUZZ
@given(_bad_cell())
def test_a_bad_cell_rejects_at_most_its_own_patient(case: tuple[dict[str, bytes], str]) -> None:
    files, record = case
    with tempfile.TemporaryDirectory() as folder:
        items = _check(_read(files, Path(folder)))
    read = {item.record.patient.id for item in items if isinstance(item, ParsedRecord)}
    others = {f"rc-SITE-A-{other}" for other in RECORD_IDS if other != record}
    assert others <= read  # every other patient is still read


@pytest.fixture(scope="module")
def fuzz_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = create_engine_for(f"sqlite:///{tmp_path_factory.mktemp('redcap') / 'fuzz.sqlite3'}")
    migrate(engine)
    yield engine
    engine.dispose()


@settings(FUZZ, max_examples=20)
@given(_bad_cell())
def test_an_import_stores_exactly_the_patients_read_whole(
    fuzz_engine: Engine, case: tuple[dict[str, bytes], str]
) -> None:
    with fuzz_engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table is not SCHEMA_INFO:
                connection.execute(delete(table))
    admin = Actor("registry-admin", Role.ADMIN)
    registry = Registry(fuzz_engine)
    registry.add_site(admin, Site(id="SITE-A", name="Site A", country="GB"))
    clinician = Actor("dr-alpha", Role.CLINICIAN, "SITE-A")
    with tempfile.TemporaryDirectory() as folder:
        batch = _read(case[0], Path(folder))
        parsed = {
            item.record.patient.id: item.record for item in batch if isinstance(item, ParsedRecord)
        }
        report = import_batch(registry, clinician, batch, "redcap", as_of=date(2025, 6, 1))
    stored = set(report.saved_patient_ids)
    assert stored <= set(parsed)
    for patient_id in (f"rc-SITE-A-{record}" for record in RECORD_IDS):
        if patient_id in stored:
            assert registry.load_patient_record(clinician, patient_id) == parsed[patient_id]
        else:
            with pytest.raises(NotFoundError):
                registry.load_patient_record(clinician, patient_id)
