"""Writing FHIR R4 exports: one collection Bundle file, or Bulk Data NDJSON (a file per type).

Both stream: each patient's resources are mapped, written and dropped before the next patient is
read, so memory stays bounded however many patients are exported. JSON is written compact and
UTF-8 (``ensure_ascii=False``); floats are written by Python's shortest round-trip repr, so
every number reads back exactly.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from spsreg.domain.patient import Site
from spsreg.domain.record import PatientRecord
from spsreg.export.fhir_common import FhirResource
from spsreg.export.fhir_patient import organization_resource
from spsreg.export.fhir_resources import record_resources
from spsreg.export.fhir_terms import fhir_terms
from spsreg.knowledge.pack import load_knowledge_pack

__all__ = ["NDJSON_SUFFIX", "bundle_full_url", "write_fhir_bundle", "write_fhir_ndjson"]

NDJSON_SUFFIX = ".ndjson"
_FULL_URL_NAMESPACE = uuid.UUID("0b8f2d8e-3c1a-5e47-9a6b-2f1d4c7e9a10")


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False, check_circular=False)
"""Compact UTF-8 JSON. The resources are trees of plain dicts and lists built by the export (some
constant parts shared, none cyclic), so the cycle check, a third of the encoding time, is off."""


def _dumps(value: object) -> str:
    return _ENCODER.encode(value)


def bundle_full_url(resource: FhirResource) -> str:
    """``urn:uuid:`` + a name-based UUID of ``<Type>/<id>``: stable, and unique in the bundle.

    References inside the resources stay relative (``Patient/<id>``), as in the NDJSON files.
    """
    name = f"{resource['resourceType']}/{resource['id']}"
    return f"urn:uuid:{uuid.uuid5(_FULL_URL_NAMESPACE, name)}"


def write_fhir_bundle(path: Path, sites: Iterable[Site], records: Iterable[PatientRecord]) -> int:
    """Write one FHIR R4 Bundle of type ``collection`` to ``path``; return the number of patients.

    Entries: one Organization per site, then each patient's resources (Patient first). The JSON
    text is written entry by entry, never built whole in memory. The caller writes to a temporary
    name and renames it into place.
    """
    terms = fhir_terms(load_knowledge_pack())
    patients = 0
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write('{"resourceType":"Bundle","type":"collection"')
        entries = 0

        def write(resource: FhirResource) -> None:
            nonlocal entries
            out.write(',"entry":[\n' if entries == 0 else ",\n")
            out.write(_dumps({"fullUrl": bundle_full_url(resource), "resource": resource}))
            entries += 1

        for site in sites:
            write(organization_resource(site))
        for record in records:
            patients += 1
            for resource in record_resources(record, terms):
                write(resource)
        out.write("\n]}\n" if entries else "}\n")
    return patients


def _partial(directory: Path, resource_type: str) -> Path:
    return directory / f".{resource_type}{NDJSON_SUFFIX}.partial-{os.getpid()}"


def write_fhir_ndjson(
    directory: Path, sites: Iterable[Site], records: Iterable[PatientRecord]
) -> int:
    """Write the FHIR Bulk Data layout: ``<ResourceType>.ndjson`` files, one resource per line.

    ``Organization.ndjson`` holds the sites. Each type is written to a hidden temporary file as
    the patients stream past (one open handle per type) and renamed into place at the end, so an
    interrupted export never leaves a complete-looking set; ``.ndjson`` files of types this
    export no longer holds are removed. Returns the number of patients.
    """
    directory.mkdir(parents=True, exist_ok=True)
    terms = fhir_terms(load_knowledge_pack())
    handles: dict[str, TextIO] = {}
    patients = 0

    def write(resource: FhirResource) -> None:
        kind = resource["resourceType"]
        handle = handles.get(kind)
        if handle is None:
            handle = _partial(directory, kind).open("w", encoding="utf-8", newline="\n")
            handles[kind] = handle
        handle.write(_dumps(resource))
        handle.write("\n")

    try:
        for site in sites:
            write(organization_resource(site))
        for record in records:
            patients += 1
            for resource in record_resources(record, terms):
                write(resource)
        for handle in handles.values():
            handle.close()
        for kind in handles:
            _partial(directory, kind).replace(directory / f"{kind}{NDJSON_SUFFIX}")
        for stale in directory.glob(f"*{NDJSON_SUFFIX}"):
            if stale.name[: -len(NDJSON_SUFFIX)] not in handles:
                stale.unlink()
    finally:
        for kind, handle in handles.items():
            handle.close()
            _partial(directory, kind).unlink(missing_ok=True)
    return patients
