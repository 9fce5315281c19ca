"""Sites, patients, site-held identifiers and consent.

The patient record carries the EU Rare Disease Platform common data elements (CDE, JRC numbering)
that apply to SPS; identifiable data live only in :class:`PatientIdentifiers`, which the store keeps
in a separate table readable only by the patient's own site.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import Field, model_validator

from spsreg.domain.base import DomainModel, RecordId, YearMonth, require_order
from spsreg.knowledge.vocabulary import Phenotype

__all__ = [
    "SPS_ORPHACODE",
    "Consent",
    "ConsentKind",
    "ConsentStatus",
    "Patient",
    "PatientIdentifiers",
    "Phenotype",
    "Sex",
    "Site",
    "VitalStatus",
]

SPS_ORPHACODE = "ORPHA:3198"
"""Orphanet code of stiff person spectrum disorder (CDE 6.1); see the knowledge pack for its source."""


class Site(DomainModel):
    """A registry centre. Identifiable data never leave the site that holds them."""

    id: RecordId
    name: str = Field(min_length=1, max_length=200)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 country code")


class Sex(StrEnum):
    FEMALE = "female"
    MALE = "male"
    OTHER = "other"
    UNKNOWN = "unknown"


class VitalStatus(StrEnum):
    """CDE 3.1 patient's status."""

    ALIVE = "alive"
    DEAD = "dead"
    LOST_TO_FOLLOW_UP = "lost_to_follow_up"
    OPTED_OUT = "opted_out"


class ConsentKind(StrEnum):
    REGISTRY = "registry"  # participation in the registry
    CONTACT_FOR_RESEARCH = "contact_for_research"  # CDE 7.1
    DATA_REUSE = "data_reuse"  # CDE 7.2
    BIOLOGICAL_SAMPLE = "biological_sample"  # CDE 7.3


class ConsentStatus(StrEnum):
    GRANTED = "granted"
    REFUSED = "refused"
    WITHDRAWN = "withdrawn"


class Consent(DomainModel):
    id: RecordId
    kind: ConsentKind
    status: ConsentStatus
    recorded_on: date
    withdrawn_on: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Consent:
        require_order(self.recorded_on, self.withdrawn_on, "recorded_on", "withdrawn_on")
        if self.withdrawn_on is not None and self.status is not ConsentStatus.WITHDRAWN:
            raise ValueError("withdrawn_on is set but status is not 'withdrawn'")
        return self


class Patient(DomainModel):
    """Pseudonymised clinical identity of a patient (no direct identifiers here)."""

    id: RecordId
    pseudonym: str = Field(
        pattern=r"^[A-Z0-9][A-Z0-9-]{2,31}$", description="registry pseudonym (CDE 1.1)"
    )
    site_id: RecordId
    sex: Sex  # CDE 2.2
    birth_year_month: YearMonth  # CDE 2.1 at month precision
    vital_status: VitalStatus = VitalStatus.ALIVE  # CDE 3.1
    date_of_death: date | None = None  # CDE 3.2
    first_contact_date: date | None = None  # CDE 4.1 first contact with the specialised centre
    onset_date: date | None = None  # CDE 5.1 (age at onset is derived)
    diagnosis_date: date | None = None  # CDE 5.2 (age at diagnosis is derived)
    diagnosis_code: str = Field(default=SPS_ORPHACODE, min_length=1, max_length=32)  # CDE 6.1
    genetic_diagnosis: str | None = Field(default=None, min_length=1, max_length=200)  # CDE 6.2
    undiagnosed: bool = False  # CDE 6.3
    phenotype: Phenotype | None = None
    biobank_link: str | None = Field(default=None, min_length=1, max_length=200)  # CDE 7.4
    functioning_classification: str | None = Field(
        default=None, min_length=1, max_length=200
    )  # CDE 8.1 (ICF)

    @model_validator(mode="after")
    def _check(self) -> Patient:
        require_order(self.onset_date, self.diagnosis_date, "onset_date", "diagnosis_date")
        if self.date_of_death is not None and self.vital_status is not VitalStatus.DEAD:
            raise ValueError("date_of_death is set but vital_status is not 'dead'")
        birth_year, birth_month = (int(part) for part in self.birth_year_month.split("-"))
        for name in ("onset_date", "diagnosis_date", "first_contact_date", "date_of_death"):
            value: date | None = getattr(self, name)
            if value is not None and (value.year, value.month) < (birth_year, birth_month):
                raise ValueError(
                    f"{name} ({value.isoformat()}) is before birth ({self.birth_year_month})"
                )
        return self


class PatientIdentifiers(DomainModel):
    """Identifiable data, held by and visible only to the patient's own site."""

    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    hospital_number: str = Field(min_length=1, max_length=50)
    date_of_birth: date
    address: str | None = Field(default=None, min_length=1, max_length=300)
    phone: str | None = Field(default=None, min_length=1, max_length=50)
    email: str | None = Field(
        default=None, min_length=1, max_length=200, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
    )
