"""Writer of the native JSON-lines format, version 1.

Line 1 is the header ``{"format":"spsreg-native","format_version":1,"sites":[...]}``; every
further line is one :class:`PatientRecord` in canonical JSON. There are no timestamps, so exporting
the same data twice gives byte-identical files, and records are written one at a time as they are
produced, so memory stays bounded however many patients are exported.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from spsreg.domain.patient import Site
from spsreg.domain.record import PatientRecord
from spsreg.export.native_format import FORMAT_NAME, FORMAT_VERSION, canonical_json

__all__ = ["header_line", "record_line", "write_native_jsonl", "write_native_jsonl_file"]


def header_line(sites: Iterable[Site]) -> str:
    """The header line (without its line ending)."""
    return canonical_json(
        {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "sites": [site.model_dump(mode="json") for site in sites],
        }
    )


def record_line(record: PatientRecord) -> str:
    """One record as a canonical JSON line (without its line ending)."""
    return canonical_json(record.model_dump(mode="json"))


def write_native_jsonl(
    stream: TextIO, sites: Iterable[Site], records: Iterable[PatientRecord]
) -> int:
    """Write the header and then each record as it is produced; return the number of records.

    The stream must be a UTF-8 text stream that does not translate ``\\n`` (open files with
    ``encoding="utf-8", newline="\\n"``, as :func:`write_native_jsonl_file` does).
    """
    stream.write(header_line(sites) + "\n")
    count = 0
    for record in records:
        stream.write(record_line(record) + "\n")
        count += 1
    return count


def write_native_jsonl_file(
    path: Path, sites: Iterable[Site], records: Iterable[PatientRecord]
) -> int:
    """Write a native JSON-lines file at ``path`` (replacing it); return the number of records."""
    with path.open("w", encoding="utf-8", newline="\n") as stream:
        return write_native_jsonl(stream, sites, records)
