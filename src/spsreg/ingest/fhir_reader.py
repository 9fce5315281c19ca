"""Reader of FHIR R4 data: transaction/collection/batch/searchset Bundles and Bulk Data NDJSON.

``read_fhir_path`` accepts a Bundle JSON file, an NDJSON file, or a directory of both (see
docs/fhir-import.md). Resources are grouped by the patient their ``subject``/``patient`` names
(``Patient/id``, ``urn:uuid:`` full URLs, conditional ``Patient?identifier=system|value``).
spsreg's own export is read back exactly; other systems' patients are mapped into the target
site (``site_id``). The unit of all-or-nothing is the Bundle (any invalid resource or unmappable
patient rejects all of its patients) and, for NDJSON, the patient. NDJSON is read twice: a first
pass indexes each patient's lines by byte offset, the second reads one patient at a time.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, BinaryIO

from spsreg.domain.patient import Site
from spsreg.ingest.batch import NativeBatch, ParsedRecord, ReadResult, UnmappedItem
from spsreg.ingest.errors import WHOLE_LINE, RecordError
from spsreg.ingest.fhir_external_record import map_external_patient
from spsreg.ingest.fhir_native_group import is_spsreg_patient, map_spsreg_patient, spsreg_site
from spsreg.ingest.fhir_references import PatientKeys, ResourceKeys, patient_reference
from spsreg.ingest.fhir_sources import (
    SourceResource,
    iter_ndjson,
    list_sources,
    read_bundle,
    read_ndjson_resource,
)
from spsreg.knowledge import KnowledgePack, load_knowledge_pack

__all__ = ["read_fhir_path"]

_NEEDS_SITE = (
    "these FHIR data come from another system: name the site the patients belong to with "
    "--into-site SITE (or --site SITE)"
)


@dataclass
class _Survey:
    """What is known before any patient is read: sites, content of no patient, whether a target
    site is needed, and the NDJSON index."""

    sites: dict[str, Site] = field(default_factory=dict)
    unmapped: list[UnmappedItem] = field(default_factory=list)
    external_patients: int = 0
    ndjson: _NdjsonIndex | None = None

    def other_resource(self, source: SourceResource) -> None:
        """A resource about no patient: an spsreg site, or counted unmapped."""
        if source.resource_type == "Organization":
            site = spsreg_site(source.resource)
            if site is not None:
                self.sites.setdefault(site.id, site)
                return
        reason = (
            "read only through the medication requests that name it"
            if source.resource_type == "Medication"
            else "about no patient: the registry keeps patient records only"
        )
        self.unmapped.append(
            UnmappedItem(source.file, source.line, source.resource_type, source.label, reason)
        )


def read_fhir_path(path: Path, *, site_id: str | None) -> NativeBatch:
    """Read FHIR R4 data at ``path``; patients of other systems go to ``site_id``."""
    source = str(path)
    if not path.exists():
        return _refused(source, "no such file or directory")
    bundles, ndjson_files, others = list_sources(path)
    if not bundles and not ndjson_files:
        return _refused(source, "no FHIR data: expected a Bundle .json file or .ndjson files")
    survey = _Survey()
    for other in others:
        survey.unmapped.append(
            UnmappedItem(str(other), 0, "file", other.name, "not read: neither .json nor .ndjson")
        )
    for bundle in bundles:
        _survey_bundle(bundle, survey)
    if ndjson_files:
        survey.ndjson = _NdjsonIndex.build(ndjson_files, survey)
    if survey.external_patients and site_id is None:
        return _refused(source, _NEEDS_SITE)
    pack = load_knowledge_pack()
    reader = _Reader(site_id or "", pack, date.today())

    def results() -> Iterator[ReadResult]:
        for bundle in bundles:
            yield from reader.bundle(bundle)
        if survey.ndjson is not None:
            yield from reader.ndjson(survey.ndjson)

    return NativeBatch(
        source, None, tuple(survey.sites.values()), (), results, unmapped=tuple(survey.unmapped)
    )


def _refused(source: str, reason: str) -> NativeBatch:
    return NativeBatch(
        source, None, (), (RecordError(source, 0, WHOLE_LINE, reason),), lambda: iter(())
    )


def _survey_bundle(path: Path, survey: _Survey) -> None:
    unit = read_bundle(path)
    patients = PatientKeys()
    for number, resource in enumerate(unit.resources):
        if resource.resource_type == "Patient":
            patients.add(number, resource.resource, resource.full_url)
            if not is_spsreg_patient(resource.resource):
                survey.external_patients += 1
    for resource in unit.resources:
        if resource.resource_type != "Patient" and patient_reference(resource.resource) is None:
            survey.other_resource(resource)


class _Reader:
    def __init__(self, site_id: str, pack: KnowledgePack, today: date) -> None:
        self.site_id = site_id
        self.pack = pack
        self.today = today

    def patient(
        self, patient: SourceResource, group: list[SourceResource], medications: ResourceKeys,
        medication_resources: list[dict[str, Any]],
    ) -> ParsedRecord | list[RecordError]:  # fmt: skip
        if is_spsreg_patient(patient.resource):
            return map_spsreg_patient(patient, group)

        def lookup(reference: str) -> dict[str, Any] | None:
            found = medications.resolve(reference)
            return None if found is None else medication_resources[found]

        return map_external_patient(
            patient, group, site_id=self.site_id, pack=self.pack, medications=lookup,
            today=self.today,
        )  # fmt: skip

    def bundle(self, path: Path) -> Iterator[ReadResult]:
        unit = read_bundle(path)
        if unit.errors:
            yield from unit.errors
            return
        patients, medications = PatientKeys(), ResourceKeys()
        for number, source in enumerate(unit.resources):
            if source.resource_type == "Patient":
                patients.add(number, source.resource, source.full_url)
            medications.add(number, source.resource, source.full_url)
        groups: dict[int, list[SourceResource]] = defaultdict(list)
        problems: list[RecordError] = []
        for source in unit.resources:
            reference = patient_reference(source.resource)
            if source.resource_type == "Patient" or reference is None:
                continue
            owner = patients.resolve(reference)
            if owner is None:
                problems.append(_no_patient(source, reference, "this Bundle"))
            else:
                groups[owner].append(source)
        if problems:
            yield from problems
            return
        everything = [source.resource for source in unit.resources]
        results = [
            self.patient(source, groups[number], medications, everything)
            for number, source in enumerate(unit.resources)
            if source.resource_type == "Patient"
        ]
        yield from _all_or_nothing(str(path), results)

    def ndjson(self, index: _NdjsonIndex) -> Iterator[ReadResult]:
        try:
            yield from self._ndjson_patients(index)
        finally:
            index.close()

    def _ndjson_patients(self, index: _NdjsonIndex) -> Iterator[ReadResult]:
        yield from index.problems
        for patient_number, location in enumerate(index.patients):
            patient = index.load(location)
            group = [index.load(loc) for loc in index.member_locations(patient_number)]
            result = self.patient(patient, group, index.medication_keys, index.medications)
            if isinstance(result, ParsedRecord):
                yield result
            else:
                yield from result


def _no_patient(source: SourceResource, reference: str, where: str) -> RecordError:
    return RecordError(
        source.file,
        source.line,
        f"{source.resource_type}.subject",
        f"{source.label} is about {reference!r}, but that Patient is not in {where}",
    )


def _all_or_nothing(
    file: str, results: list[ParsedRecord | list[RecordError]]
) -> Iterator[ReadResult]:
    """The records of a Bundle, or, if any patient is refused, problems for all of them."""
    refused = [result for result in results if isinstance(result, list)]
    if not refused:
        yield from (result for result in results if isinstance(result, ParsedRecord))
        return
    for result in results:
        if isinstance(result, list):
            yield from result
        else:
            yield RecordError(
                result.file,
                result.line,
                WHOLE_LINE,
                "not imported: another patient or resource of this Bundle was refused, and a "
                "Bundle is imported whole or not at all",
                result.record.patient.id,
            )
    if not results:  # a Bundle of patients' resources without any Patient was caught earlier
        yield RecordError(file, 0, WHOLE_LINE, "the Bundle has no Patient")


_Location = tuple[int, int, int]  # (file number, byte offset, line)


def _triples(locations: array[int]) -> Iterator[_Location]:
    """The (file number, offset, line) triples packed flat in ``locations``."""
    for start in range(0, len(locations), 3):
        yield locations[start], locations[start + 1], locations[start + 2]


@dataclass
class _NdjsonIndex:
    """Where each patient's resources are in the NDJSON files (offsets, not the resources).

    The locations are packed as flat 64-bit integer triples (24 bytes a resource, against about
    150 for a tuple of Python integers), so a registry of millions of resources is indexed in a
    few hundred megabytes at most.
    """

    files: list[Path]
    patients: list[_Location] = field(default_factory=list)
    members: dict[int, array[int]] = field(default_factory=dict)
    problems: list[RecordError] = field(default_factory=list)
    medications: list[dict[str, Any]] = field(default_factory=list)
    medication_keys: ResourceKeys = field(default_factory=ResourceKeys)
    handles: dict[int, BinaryIO] = field(default_factory=dict)

    @classmethod
    def build(cls, files: list[Path], survey: _Survey) -> _NdjsonIndex:
        index = cls(files)
        keys = PatientKeys()
        by_reference: dict[str, array[int]] = defaultdict(lambda: array("q"))
        for file_number, path in enumerate(files):
            for line in iter_ndjson(path):
                if line.resource is None:
                    index.problems.append(
                        RecordError(line.file, line.line, WHOLE_LINE, line.problem or "")
                    )
                    continue
                location = (file_number, line.offset, line.line)
                kind = line.resource["resourceType"]
                reference = patient_reference(line.resource)
                if kind == "Patient":
                    keys.add(len(index.patients), line.resource, None)
                    index.patients.append(location)
                    survey.external_patients += not is_spsreg_patient(line.resource)
                elif reference is not None:
                    by_reference[reference].extend(location)
                else:
                    if kind == "Medication":
                        index.medication_keys.add(len(index.medications), line.resource, None)
                        index.medications.append(line.resource)
                    survey.other_resource(SourceResource(line.file, line.line, line.resource))
        for reference, locations in by_reference.items():
            owner = keys.resolve(reference)
            if owner is None:
                first = index.load(next(_triples(locations)))
                problem = _no_patient(first, reference, "the NDJSON files")
                if len(locations) > 3:
                    problem = RecordError(
                        problem.file, problem.line, problem.field,
                        f"{problem.reason} ({len(locations) // 3} resources name it)",
                    )  # fmt: skip
                index.problems.append(problem)
            else:
                index.members.setdefault(owner, array("q")).extend(locations)
        index.close()
        return index

    def member_locations(self, patient_number: int) -> Iterator[_Location]:
        """Where the resources referring to the patient are, in the order they were read."""
        return _triples(self.members.get(patient_number, array("q")))

    def load(self, location: _Location) -> SourceResource:
        """The resource at ``location``; files stay open between calls (see :meth:`close`)."""
        file_number, offset, line = location
        path = self.files[file_number]
        handle = self.handles.get(file_number)
        if handle is None:
            handle = self.handles[file_number] = path.open("rb")
        return SourceResource(str(path), line, read_ndjson_resource(handle, path, offset))

    def close(self) -> None:
        for handle in self.handles.values():
            handle.close()
        self.handles.clear()
