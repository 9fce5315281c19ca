"""Resolving FHIR references to the patient (and medication) resources they point at.

Other systems write references in several ways, all of which are resolved here: a relative
``Patient/123``, an absolute ``https://ehr.example/fhir/Patient/123`` (with or without
``/_history/n``), a Bundle-local ``urn:uuid:...`` full URL, and a conditional reference
``Patient?identifier=system|value`` (a transaction Bundle's way of naming a patient the server
already has). A reference that resolves to nothing leaves the resource without a patient.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

__all__ = ["PatientKeys", "ResourceKeys", "patient_reference", "reference_keys"]

_PATIENT_FIELDS = ("subject", "patient", "beneficiary")


def patient_reference(resource: dict[str, Any]) -> str | None:
    """The reference of the patient a resource is about (``subject``, ``patient``), or None."""
    for name in _PATIENT_FIELDS:
        value = resource.get(name)
        if isinstance(value, dict) and isinstance(value.get("reference"), str):
            return str(value["reference"])
    return None


def _identifier_keys(resource: dict[str, Any]) -> list[str]:
    keys: list[str] = []
    identifiers = resource.get("identifier")
    if isinstance(identifiers, dict):
        identifiers = [identifiers]
    if not isinstance(identifiers, list):
        return keys
    for identifier in identifiers:
        if not isinstance(identifier, dict) or not isinstance(identifier.get("value"), str):
            continue
        system = identifier.get("system")
        value = identifier["value"]
        keys.append(f"identifier={system}|{value}" if isinstance(system, str) else "")
        keys.append(f"identifier=|{value}")
    return [key for key in keys if key]


def resource_keys(resource: dict[str, Any], full_url: str | None) -> list[str]:
    """Every key under which a reference may name this resource."""
    kind = resource.get("resourceType")
    keys = [f"url={full_url}"] if full_url else []
    rid = resource.get("id")
    if isinstance(rid, str) and rid:
        keys.append(f"{kind}/{rid}")
    keys.extend(f"{kind}?{key}" for key in _identifier_keys(resource))
    return keys


def reference_keys(reference: str) -> list[str]:
    """The keys a reference string may match (see :func:`resource_keys`), best first."""
    reference = reference.strip()
    keys = [f"url={reference}"]
    path, _, query = reference.partition("?")
    if query:
        kind = path.rstrip("/").rsplit("/", 1)[-1]
        for name, value in parse_qsl(query, keep_blank_values=True):
            if name != "identifier":
                continue
            system, bar, code = value.partition("|")
            keys.append(
                f"{kind}?identifier={system}|{code}" if bar else f"{kind}?identifier=|{value}"
            )
            if bar and not system:
                keys.append(f"{kind}?identifier=|{code}")
        return keys
    parts = [part for part in path.split("/") if part]
    if len(parts) >= 4 and parts[-2] == "_history":
        parts = parts[:-2]
    if len(parts) >= 2:
        keys.append(f"{parts[-2]}/{parts[-1]}")
    return keys


class ResourceKeys:
    """An index of resources (numbered by the caller) by every key a reference may use."""

    def __init__(self) -> None:
        self._by_key: dict[str, int] = {}

    def add(self, number: int, resource: dict[str, Any], full_url: str | None) -> None:
        for key in resource_keys(resource, full_url):
            self._by_key.setdefault(key, number)

    def resolve(self, reference: str) -> int | None:
        for key in reference_keys(reference):
            found = self._by_key.get(key)
            if found is not None:
                return found
        return None


class PatientKeys(ResourceKeys):
    """The patients of a Bundle or NDJSON set; resolves what a resource's subject names."""

    def patient_of(self, resource: dict[str, Any]) -> int | None:
        reference = patient_reference(resource)
        return None if reference is None else self.resolve(reference)
