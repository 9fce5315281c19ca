"""Small shared pieces for mapping FHIR resources of other systems: codings, dates, stable ids.

Stable ids make re-import idempotent: a registry id is a hash of the source identity (the
patient's first identifier ``system|value``, else its resource id; a clinical resource's first
identifier, else its resource id), so the same source always yields the same registry ids.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = [
    "ICD10CM",
    "LOINC",
    "ORPHANET",
    "RXNORM",
    "SNOMED",
    "Coding",
    "MappingProblem",
    "codings",
    "concept_text",
    "fhir_date",
    "first_identity",
    "stable_id",
]

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
ICD10 = "http://hl7.org/fhir/sid/icd-10"
ORPHANET = "http://www.orpha.net"

SYSTEM_NAMES = {
    RXNORM: "RxNorm",
    LOINC: "LOINC",
    SNOMED: "SNOMED CT",
    ICD10CM: "ICD-10-CM",
    ICD10: "ICD-10",
    ORPHANET: "Orphanet",
}


class MappingProblem(ValueError):
    """A resource that must be mapped (the Patient) cannot be: ``path`` says where, the message why."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(reason)
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class Coding:
    system: str
    code: str
    display: str

    def describe(self) -> str:
        name = SYSTEM_NAMES.get(self.system, self.system or "no system")
        return f"{name} {self.code} {self.display}".strip()


def codings(concept: Any) -> list[Coding]:
    """The codings of a CodeableConcept (malformed parts are skipped)."""
    if not isinstance(concept, dict) or not isinstance(concept.get("coding"), list):
        return []
    found = []
    for coding in concept["coding"]:
        if isinstance(coding, dict) and isinstance(coding.get("code"), str):
            system = coding.get("system")
            display = coding.get("display")
            found.append(
                Coding(
                    system.rstrip("/") if isinstance(system, str) else "",
                    coding["code"].strip(),
                    display.strip() if isinstance(display, str) else "",
                )
            )
    return found


def concept_text(concept: Any) -> str:
    """What a CodeableConcept says in words (its text, else its first display, else its code)."""
    if isinstance(concept, dict) and isinstance(concept.get("text"), str) and concept["text"]:
        return str(concept["text"]).strip()
    for coding in codings(concept):
        if coding.display:
            return coding.display
    found = codings(concept)
    return found[0].describe() if found else "no code"


def describe_concept(concept: Any) -> str:
    """A short description of a concept for a report: ``SNOMED CT 44054006 Diabetes``."""
    found = codings(concept)
    return found[0].describe() if found else concept_text(concept)


_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def fhir_date(value: Any) -> date | None:
    """The calendar date of a FHIR date or dateTime (as written, in the source's time zone);
    None for a partial date (year or year-month) or anything that is not a date."""
    if not isinstance(value, str):
        return None
    match = _DATE.match(value)
    if match is None:
        return None
    try:
        return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        return None


def first_identity(resource: dict[str, Any]) -> str:
    """The source identity of a resource: its first identifier ``system|value``, else ``Type/id``."""
    identifiers = resource.get("identifier")
    if isinstance(identifiers, list):
        for identifier in identifiers:
            if isinstance(identifier, dict) and isinstance(identifier.get("value"), str):
                system = identifier.get("system")
                return f"{system if isinstance(system, str) else ''}|{identifier['value']}"
    return f"{resource.get('resourceType')}/{resource.get('id')}"


def stable_id(prefix: str, *parts: str) -> str:
    """A registry id derived from source identities: ``prefix-`` and 20 hex digits of a hash."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
    return f"{prefix}-{digest[:20]}"
