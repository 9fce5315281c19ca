"""Generated records survive both native encodings unchanged, and rewriting is byte-identical."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import domain_strategies as ds
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import spsreg.domain as domain
from spsreg.domain import PatientRecord, Site
from spsreg.export.native_csv import write_native_csv
from spsreg.export.native_jsonl import write_native_jsonl
from spsreg.ingest.batch import NativeBatch, ParsedRecord
from spsreg.ingest.errors import RecordError
from spsreg.ingest.native_csv import read_native_csv
from spsreg.ingest.native_jsonl import read_native_jsonl

SEEDED = settings(
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

batches = st.tuples(
    st.lists(ds.sites(), max_size=2, unique_by=lambda site: site.id),
    st.lists(ds.patient_records(), max_size=3, unique_by=lambda record: record.patient.id),
)


def _records(batch: NativeBatch) -> list[PatientRecord]:
    errors = [str(item) for item in batch if isinstance(item, RecordError)]
    assert errors == [] and batch.file_errors == ()
    return [item.record for item in batch if isinstance(item, ParsedRecord)]


def _tree(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


@SEEDED
@given(batches)
def test_jsonl_round_trip(batch: tuple[list[Site], list[PatientRecord]]) -> None:
    sites, records = batch
    with tempfile.TemporaryDirectory() as folder:
        first = Path(folder) / "first.jsonl"
        with first.open("w", encoding="utf-8", newline="\n") as stream:
            write_native_jsonl(stream, sites, records)
        read = read_native_jsonl(first)
        back = _records(read)
        assert read.sites == tuple(sites)
        assert back == records
        again = io.StringIO(newline="\n")
        write_native_jsonl(again, read.sites, back)
        assert again.getvalue().encode("utf-8") == first.read_bytes()


@SEEDED
@given(batches)
def test_csv_round_trip(batch: tuple[list[Site], list[PatientRecord]]) -> None:
    sites, records = batch
    with tempfile.TemporaryDirectory() as folder:
        first, second = Path(folder) / "first", Path(folder) / "second"
        write_native_csv(first, sites, records)
        read = read_native_csv(first)
        back = _records(read)
        assert read.sites == tuple(sites)
        assert back == records
        write_native_csv(second, read.sites, back)
        assert _tree(second) == _tree(first)


def _domain_classes() -> set[type[domain.DomainModel]]:
    classes = {
        value
        for value in vars(domain).values()
        if isinstance(value, type) and issubclass(value, domain.DomainModel)
    }
    return classes - {domain.DomainModel}


def test_there_is_a_strategy_for_every_domain_class() -> None:
    assert set(ds.STRATEGIES) == _domain_classes()


@settings(derandomize=True, database=None, deadline=None, max_examples=25)
@given(
    st.sampled_from(sorted(ds.STRATEGIES, key=lambda cls: cls.__name__)).flatmap(
        lambda cls: st.tuples(st.just(cls), ds.STRATEGIES[cls])
    )
)
def test_every_strategy_draws_valid_objects(drawn: tuple[type[BaseModel], BaseModel]) -> None:
    cls, value = drawn
    assert type(value) is cls
    assert cls.model_validate(value.model_dump()) == value
