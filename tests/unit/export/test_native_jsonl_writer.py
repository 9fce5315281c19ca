"""The JSON-lines writer: canonical, deterministic, streaming."""

from __future__ import annotations

import io
import weakref
from collections.abc import Iterator
from pathlib import Path

from domain_strategies import example_record, example_sites

from spsreg.domain import Assessment, Patient, PatientRecord, Visit
from spsreg.export.native_jsonl import header_line, write_native_jsonl, write_native_jsonl_file
from spsreg.ingest.batch import ParsedRecord
from spsreg.ingest.native_jsonl import read_native_jsonl


def test_the_header_names_format_version_and_sites() -> None:
    assert header_line(example_sites()) == (
        '{"format":"spsreg-native","format_version":1,"sites":['
        '{"country":"FR","id":"SITE-A","name":"Centre Hospitalier, Neurologie \\"A\\""},'
        '{"country":"DE","id":"SITE-B","name":"Klinikum Nord"}]}'
    )


def test_rich_records_round_trip_and_rewrite_byte_identical(tmp_path: Path) -> None:
    records = [example_record("p-0001"), example_record("p-0002", "SITE-B")]
    first = tmp_path / "first.jsonl"
    assert write_native_jsonl_file(first, example_sites(), records) == 2
    batch = read_native_jsonl(first)
    back = [item.record for item in batch if isinstance(item, ParsedRecord)]
    assert back == records
    second = tmp_path / "second.jsonl"
    write_native_jsonl_file(second, batch.sites, back)
    assert second.read_bytes() == first.read_bytes()


def test_output_is_utf8_with_lf_endings_and_no_escapes(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    write_native_jsonl_file(path, example_sites(), [example_record()])
    content = path.read_bytes()
    assert content.endswith(b"\n")
    assert content.count(b"\n") == 2
    assert "Zoë".encode() in content  # UTF-8 text, not \u escapes
    assert b"\\r\\n" in content  # a line break inside text stays escaped within its line


def _record_with_responses(order: list[str]) -> PatientRecord:
    responses: dict[str, int | None] = {item: 1 for item in order}
    return PatientRecord(
        patient=Patient(
            id="p1", pseudonym="ABC", site_id="S", sex="male", birth_year_month="1980-01"
        ),
        visits=(
            Visit(
                id="v1",
                visit_date="2020-01-01",
                assessments=(
                    Assessment(id="a1", scale_id="s", scale_version="1", responses=responses),
                ),
            ),
        ),
    )


def test_equal_records_give_equal_bytes_whatever_their_dict_order() -> None:
    outputs = []
    for order in (["b", "a", "c"], ["c", "b", "a"]):
        stream = io.StringIO()
        write_native_jsonl(stream, [], [_record_with_responses(order)])
        outputs.append(stream.getvalue())
    assert _record_with_responses(["a", "b"]) == _record_with_responses(["b", "a"])
    assert outputs[0] == outputs[1]


class _WatchingStream(io.StringIO):
    """Checks, at each record line written, how far the producer has gone."""

    def __init__(self, produced: list[weakref.ref[PatientRecord]]) -> None:
        super().__init__()
        self.produced = produced
        self.lines = 0

    def write(self, text: str, /) -> int:
        self.lines += 1
        records_written = self.lines - 1  # the first line is the header
        assert len(self.produced) == records_written, "records were consumed ahead of writing"
        if records_written > 2:
            assert self.produced[records_written - 3]() is None, "a written record is still held"
        return super().write(text)


def test_writing_streams_records_one_at_a_time() -> None:
    produced: list[weakref.ref[PatientRecord]] = []

    def records() -> Iterator[PatientRecord]:
        for n in range(2000):
            record = PatientRecord(
                patient=Patient(
                    id=f"p-{n}",
                    pseudonym=f"PS-{n:04d}",
                    site_id="S",
                    sex="female",
                    birth_year_month="1970-01",
                )
            )
            produced.append(weakref.ref(record))
            yield record

    stream = _WatchingStream(produced)
    assert write_native_jsonl(stream, [], records()) == 2000
    assert stream.lines == 2001
