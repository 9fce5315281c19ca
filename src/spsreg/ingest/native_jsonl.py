"""Reader of the native JSON-lines format (see :mod:`spsreg.export.native_jsonl`).

The header is read when the file is opened; records are read lazily, line by line, when the batch
is iterated, so memory stays bounded. A bad line becomes :class:`RecordError` values and reading
goes on with the next line; a bad header rejects the whole file, because without it the lines
cannot be interpreted. Only an unreadable file raises (an :class:`OSError` naming the file).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from spsreg.domain.patient import Site
from spsreg.domain.record import PatientRecord
from spsreg.export.native_format import (
    FORMAT_NAME,
    SUPPORTED_FORMAT_VERSIONS,
    supported_versions_text,
)
from spsreg.ingest.batch import NativeBatch, ParsedRecord, ReadResult
from spsreg.ingest.errors import WHOLE_LINE, RecordError, errors_from_validation, path_from_loc
from spsreg.ingest.strict_json import BadJson, json_kind, load_json

__all__ = ["read_native_jsonl"]

_BOM = b"\xef\xbb\xbf"
_HEADER_EXAMPLE = f'{{"format":"{FORMAT_NAME}","format_version":1,"sites":[...]}}'
_HEADER_KEYS = ("format", "format_version", "sites")

Loc = tuple[int | str, ...]


def read_native_jsonl(path: Path) -> NativeBatch:
    """Open a native JSON-lines file: read its header now and its records when iterated."""
    source = str(path)
    try:
        with path.open("rb") as handle:
            first_line = handle.readline()
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    header = _parse_header(source, first_line)
    if isinstance(header, list):
        return NativeBatch(source, None, (), tuple(header), lambda: iter(()))
    return NativeBatch(
        source, header.format_version, header.sites, (), lambda: _read_records(path, source)
    )


def _unreadable(path: Path, exc: OSError) -> OSError:
    if exc.errno is None:
        return OSError(f"cannot read the native file {path}: {exc}")
    return type(exc)(exc.errno, f"cannot read the native file: {exc.strerror}", str(path))


@dataclass(frozen=True)
class _Header:
    format_version: int
    sites: tuple[Site, ...]


def _decode(raw: bytes) -> str:
    """The text of one line without its ending; raises BadJson for bytes that are not UTF-8."""
    content = raw[:-1] if raw.endswith(b"\n") else raw
    content = content.removesuffix(b"\r")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson(
            f"not valid UTF-8 (byte 0x{content[exc.start]:02x} at position {exc.start + 1}); "
            "native files are UTF-8"
        ) from exc


def _parse_header(source: str, raw: bytes) -> _Header | list[RecordError]:
    def fail(reason: str, field: str = WHOLE_LINE) -> list[RecordError]:
        return [RecordError(source, 1, field, reason)]

    if not raw:
        return fail(f"the file is empty: line 1 must be the header {_HEADER_EXAMPLE}")
    if raw.startswith(_BOM):
        return fail(
            "the file starts with a byte-order mark (BOM): native files are UTF-8 without a "
            "BOM; save it again without one"
        )
    try:
        text = _decode(raw)
        if not text.strip():
            return fail(f"line 1 is blank: it must be the header {_HEADER_EXAMPLE}")
        data = load_json(text)
    except BadJson as exc:
        return fail(f"line 1 must be the header {_HEADER_EXAMPLE} but is {exc}")
    if not isinstance(data, dict):
        return fail(f"line 1 must be the header object {_HEADER_EXAMPLE}, got {json_kind(data)}")
    if "format" not in data:
        found = "a patient record" if "patient" in data else "an object without 'format'"
        return fail(
            f"missing header: line 1 is {found}; the file must start with {_HEADER_EXAMPLE}"
        )
    if data["format"] != FORMAT_NAME:
        return fail(f"unknown format {data['format']!r}: expected {FORMAT_NAME!r}", "format")
    version = data.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool):
        return fail(
            f"format_version must be a whole number (got {json.dumps(version)})", "format_version"
        )
    if version not in SUPPORTED_FORMAT_VERSIONS:
        return fail(
            f"format_version {version} is not supported: this version of spsreg reads "
            f"format_version {supported_versions_text()} (a newer file needs a newer spsreg)",
            "format_version",
        )
    errors = [
        RecordError(
            source,
            1,
            path_from_loc((key,)),
            "unknown header field: the header has only format, format_version and sites",
        )
        for key in data
        if key not in _HEADER_KEYS
    ]
    sites = _parse_sites(source, data.get("sites"), errors)
    return errors if errors else _Header(version, sites)


def _locator(source: str, line: int, prefix: Loc) -> Callable[[Loc], tuple[str, int, str]]:
    """Map a validation error's location to (file, line, dotted path) on one line."""

    def locate(loc: Loc) -> tuple[str, int, str]:
        return source, line, path_from_loc((*prefix, *loc))

    return locate


def _parse_sites(source: str, raw_sites: Any, errors: list[RecordError]) -> tuple[Site, ...]:
    if raw_sites is None:
        errors.append(RecordError(source, 1, "sites", "required, but missing (write [] for none)"))
        return ()
    if not isinstance(raw_sites, list):
        errors.append(
            RecordError(source, 1, "sites", f"must be a list, got {json_kind(raw_sites)}")
        )
        return ()
    sites: list[Site] = []
    seen: set[str] = set()
    for index, raw_site in enumerate(raw_sites):
        try:
            site = Site.model_validate(raw_site)
        except ValidationError as exc:
            errors.extend(
                errors_from_validation(
                    exc,
                    _locator(source, 1, ("sites", index)),
                    patient_id=None,
                )
            )
            continue
        if site.id in seen:
            errors.append(
                RecordError(source, 1, f"sites[{index}].id", f"site {site.id!r} is listed twice")
            )
        seen.add(site.id)
        sites.append(site)
    return tuple(sites)


def _read_records(path: Path, source: str) -> Iterator[ReadResult]:
    seen: dict[str, int] = {}
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    with handle:
        handle.readline()  # the header, already read
        for number, raw in enumerate(handle, start=2):
            yield from _read_line(source, number, raw, seen)


def _patient_id(data: dict[str, Any]) -> str | None:
    patient = data.get("patient")
    if isinstance(patient, dict):
        patient_id = patient.get("id")
        if isinstance(patient_id, str) and patient_id.strip() and patient_id.isprintable():
            return patient_id.strip()[:64]
    return None


def _read_line(source: str, number: int, raw: bytes, seen: dict[str, int]) -> list[ReadResult]:
    """The result of one record line; ``seen`` maps patient ids to the line they first appeared on."""

    def fail(reason: str, patient_id: str | None = None) -> list[ReadResult]:
        return [RecordError(source, number, WHOLE_LINE, reason, patient_id)]

    try:
        text = _decode(raw)
        if not text.strip():
            return fail("blank line: every line after the header must be one patient record")
        data = load_json(text)
    except BadJson as exc:
        truncated = (
            ""
            if raw.endswith(b"\n")
            else " (the last line has no line ending: the file may be truncated)"
        )
        return fail(f"{exc}{truncated}")
    if not isinstance(data, dict):
        return fail(f"expected a JSON object (one patient record), got {json_kind(data)}")
    patient_id = _patient_id(data)
    if patient_id is not None:
        if patient_id in seen:
            return fail(
                f"patient {patient_id!r} already appeared on line {seen[patient_id]}: "
                "a patient appears once per file",
                patient_id,
            )
        seen[patient_id] = number
    try:
        record = PatientRecord.model_validate(data)
    except ValidationError as exc:
        return list(
            errors_from_validation(exc, _locator(source, number, ()), patient_id=patient_id)
        )
    return [ParsedRecord(source, number, record)]
