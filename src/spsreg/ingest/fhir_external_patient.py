"""Mapping another system's FHIR Patient to the registry's Patient and site-held identifiers.

The pseudonymised :class:`Patient` gets sex, birth year-month and vital status; names, the
hospital (MR) number, the full birth date, address, phone and e-mail go to
:class:`PatientIdentifiers`, which only the target site can read. The registry id and pseudonym
are derived from the patient's source identity, so a re-import finds the same patient.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date
from typing import Any

from spsreg.domain.patient import Sex, VitalStatus
from spsreg.ingest.fhir_external_codes import MappingProblem, fhir_date, first_identity, stable_id

__all__ = ["MappedPatient", "map_patient"]

_SEX = {"female": Sex.FEMALE, "male": Sex.MALE, "other": Sex.OTHER, "unknown": Sex.UNKNOWN}
_MR = "MR"


@dataclass(frozen=True)
class MappedPatient:
    identity: str
    patient: dict[str, Any]
    identifiers: dict[str, Any] | None
    notes: tuple[str, ...]
    """Why part of the Patient resource was not kept (reported as unmapped items)."""


def pseudonym_for(identity: str) -> str:
    """A deterministic registry pseudonym (``FHIR-`` and 10 upper-case hex digits)."""
    return "FHIR-" + hashlib.sha256(identity.encode("utf-8")).hexdigest()[:10].upper()


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, str) and value.strip():
        return value.strip()[:limit]
    return None


def _official_name(resource: dict[str, Any]) -> dict[str, Any] | None:
    names = [n for n in resource.get("name") or [] if isinstance(n, dict)]
    for name in names:
        if name.get("use") == "official":
            return name
    return names[0] if names else None


def _hospital_number(resource: dict[str, Any]) -> str | None:
    for identifier in resource.get("identifier") or []:
        if not isinstance(identifier, dict):
            continue
        kind = identifier.get("type")
        coding = kind.get("coding") if isinstance(kind, dict) else None
        codes = (
            {c.get("code") for c in coding if isinstance(c, dict)}
            if isinstance(coding, list)
            else set()
        )
        if _MR in codes:
            return _text(identifier.get("value"), 50)
    return None


def _address(resource: dict[str, Any]) -> str | None:
    for address in resource.get("address") or []:
        if not isinstance(address, dict):
            continue
        if _text(address.get("text"), 300):
            return _text(address.get("text"), 300)
        lines = [line for line in address.get("line") or [] if isinstance(line, str)]
        parts = [*lines, *(address.get(k) for k in ("postalCode", "city", "state", "country"))]
        joined = ", ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
        if joined:
            return joined[:300]
    return None


def _telecom(resource: dict[str, Any], system: str) -> str | None:
    for contact in resource.get("telecom") or []:
        if isinstance(contact, dict) and contact.get("system") == system:
            return _text(contact.get("value"), 200 if system == "email" else 50)
    return None


def map_patient(resource: dict[str, Any], site_id: str) -> MappedPatient:
    """The registry fields of a Patient; raises :class:`MappingProblem` when it cannot be mapped."""
    identity = first_identity(resource)
    birth = fhir_date(resource.get("birthDate"))
    if birth is None:
        raise MappingProblem(
            "Patient.birthDate",
            "a full birth date (YYYY-MM-DD) is needed: the registry keeps the birth year and month",
        )
    patient: dict[str, Any] = {
        "id": stable_id("fhir", identity),
        "pseudonym": pseudonym_for(identity),
        "site_id": site_id,
        "sex": _SEX.get(str(resource.get("gender")), Sex.UNKNOWN),
        "birth_year_month": f"{birth.year:04d}-{birth.month:02d}",
    }
    notes: list[str] = []
    death_time = resource.get("deceasedDateTime")
    if resource.get("deceasedBoolean") is True or death_time is not None:
        patient["vital_status"] = VitalStatus.DEAD
        died = fhir_date(death_time)
        if died is not None and died >= birth:
            patient["date_of_death"] = died
        elif death_time is not None:
            notes.append(f"deceasedDateTime {death_time!r} is not a full date after birth")
    return MappedPatient(identity, patient, _identifiers(resource, birth, notes), tuple(notes))


def _identifiers(resource: dict[str, Any], birth: date, notes: list[str]) -> dict[str, Any] | None:
    name = _official_name(resource) or {}
    given = [g for g in name.get("given") or [] if isinstance(g, str)]
    fields = {
        "given_name": _text(" ".join(given), 100),
        "family_name": _text(name.get("family"), 100),
        "hospital_number": _hospital_number(resource),
    }
    missing = [key for key, value in fields.items() if value is None]
    if missing:
        notes.append(
            "identifiable data not stored: the site identifiers need "
            + ", ".join(missing).replace("_", " ")
            + " (hospital number from an identifier of type MR)"
        )
        return None
    return {
        **fields,
        "date_of_birth": birth,
        "address": _address(resource),
        "phone": _telecom(resource, "phone"),
        "email": _telecom(resource, "email"),
    }
