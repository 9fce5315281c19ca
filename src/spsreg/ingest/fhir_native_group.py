"""Telling spsreg's own FHIR export apart from other systems' data, and reading it back.

A resource spsreg wrote declares an spsreg profile in ``meta.profile``; a Patient without one is
another system's patient and is mapped by :mod:`spsreg.ingest.fhir_external_record`. Patients of
spsreg's profile are read back by :mod:`spsreg.ingest.fhir_native_profile`, exactly, with their
registry ids, and the Organizations that are spsreg sites become the batch's sites.
"""

from __future__ import annotations

from typing import Any

from spsreg.domain.patient import Site
from spsreg.export.fhir_common import PROFILE_BASE
from spsreg.ingest.batch import ParsedRecord, UnmappedItem
from spsreg.ingest.errors import RecordError
from spsreg.ingest.fhir_sources import SourceResource

__all__ = ["declares_spsreg_profile", "is_spsreg_patient", "map_spsreg_patient", "spsreg_site"]


def declares_spsreg_profile(resource: dict[str, Any]) -> bool:
    """True when the resource says it follows an spsreg profile (cheap; no other check)."""
    meta = resource.get("meta")
    profiles = meta.get("profile") if isinstance(meta, dict) else None
    return isinstance(profiles, list) and any(
        isinstance(profile, str) and profile.startswith(PROFILE_BASE) for profile in profiles
    )


def is_spsreg_patient(resource: dict[str, Any]) -> bool:
    """True for a Patient that spsreg's own export wrote."""
    if not declares_spsreg_profile(resource):
        return False
    from spsreg.ingest.fhir_native_profile import is_spsreg_patient as profile_check

    return profile_check(resource)


def spsreg_site(resource: dict[str, Any]) -> Site | None:
    """The registry site an spsreg Organization describes, or None for any other Organization."""
    if not declares_spsreg_profile(resource):
        return None
    from spsreg.ingest.fhir_native_profile import site_from_organization

    return site_from_organization(resource)


def map_spsreg_patient(
    patient: SourceResource, group: list[SourceResource]
) -> ParsedRecord | list[RecordError]:
    """The exact registry record of an spsreg-written patient, or the problems that refuse it."""
    from spsreg.ingest.fhir_native_profile import FhirProfileError, record_from_spsreg_resources

    sources = [patient, *group]
    try:
        native = record_from_spsreg_resources([source.resource for source in sources])
    except FhirProfileError as problem:
        where = sources[problem.index] if 0 <= problem.index < len(sources) else patient
        return [RecordError(where.file, where.line, problem.path, problem.reason)]
    unmapped = []
    for item in native.unmapped:
        where = sources[item.index] if 0 <= item.index < len(sources) else patient
        unmapped.append(UnmappedItem(where.file, where.line, item.category, item.item, item.reason))
    return ParsedRecord(patient.file, patient.line, native.record, unmapped=tuple(unmapped))
