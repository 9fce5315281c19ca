"""Shared parts of the FHIR R4 export: systems, extension urls, ids, references and small builders.

The spsreg FHIR profile is written here once and read back by
:mod:`spsreg.ingest.fhir_native_profile`, so every url and code system name lives in this module.
Standard FHIR elements come first; what FHIR R4 has no element for is carried in an extension whose
url starts with :data:`EXTENSION_BASE`, and registry vocabularies without a verified standard code
use local code systems under ``urn:spsreg:``. Every resource declares which spsreg profile it
follows in ``meta.profile`` (:data:`PROFILE_BASE` + kind), which is how the reader recognises the
resources spsreg wrote among those another system added.
"""

from __future__ import annotations

import re
import uuid
from functools import lru_cache
from typing import Any

from spsreg.domain.units import DoseUnit

__all__ = [
    "CODE_RE",
    "EXTENSION_BASE",
    "LOCAL_DIAGNOSIS_SYSTEM",
    "LOCAL_DRUG_SYSTEM",
    "PATIENT_ID_SYSTEM",
    "PROFILE_BASE",
    "PSEUDONYM_SYSTEM",
    "RECORD_ID_SYSTEM",
    "RXNORM_SYSTEM",
    "SITE_ID_SYSTEM",
    "UCUM_SYSTEM",
    "Ext",
    "FhirResource",
    "Local",
    "Profile",
    "coded",
    "days_quantity",
    "dose_quantity",
    "ext",
    "fhir_id",
    "is_fhir_code",
    "local_concept",
    "meta",
    "order_ext",
    "record_identifier",
    "reference",
    "ucum_quantity",
]

FhirResource = dict[str, Any]
"""One FHIR resource as a JSON-ready dictionary."""

PATIENT_ID_SYSTEM = "urn:spsreg:patient-id"
"""Identifier system of the registry's stable patient id."""
PSEUDONYM_SYSTEM = "urn:spsreg:pseudonym"
"""Identifier system of the registry pseudonym (CDE 1.1)."""
RECORD_ID_SYSTEM = "urn:spsreg:record-id"
"""Identifier system of a registry record id (course, lab result, visit...): FHIR ids may differ."""
SITE_ID_SYSTEM = "urn:spsreg:site-id"
"""Identifier system of a registry site id (Organization, Patient.managingOrganization)."""
LOCAL_DRUG_SYSTEM = "urn:spsreg:drug"
"""Local code system of knowledge-pack drug ids."""
LOCAL_DIAGNOSIS_SYSTEM = "urn:spsreg:diagnosis-code"
"""Local code system for a recorded diagnosis code (CDE 6.1) other than the default ORPHA:3198."""
RXNORM_SYSTEM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM_SYSTEM = "http://unitsofmeasure.org"
EXTENSION_BASE = "urn:spsreg:fhir:extension:"
"""Every spsreg extension url is this base plus a name (:class:`Ext`)."""
PROFILE_BASE = "urn:spsreg:fhir:profile:"
"""``meta.profile`` of every resource spsreg writes is this base plus a kind (:class:`Profile`)."""


class Ext:
    """Extension urls of the spsreg profile (one per registry field FHIR R4 has no element for)."""

    RECORD_ORDER = EXTENSION_BASE + "record-order"
    VITAL_STATUS = EXTENSION_BASE + "vital-status"
    PHENOTYPE = EXTENSION_BASE + "phenotype"
    FIRST_CONTACT_DATE = EXTENSION_BASE + "first-contact-date"
    GENETIC_DIAGNOSIS = EXTENSION_BASE + "genetic-diagnosis"
    BIOBANK_LINK = EXTENSION_BASE + "biobank-link"
    FUNCTIONING_CLASSIFICATION = EXTENSION_BASE + "functioning-classification"
    DIAGNOSIS_CODE = EXTENSION_BASE + "diagnosis-code"
    WITHDRAWN_DATE = EXTENSION_BASE + "withdrawn-date"
    SPECIMEN = EXTENSION_BASE + "specimen"
    SCALE_VERSION = EXTENSION_BASE + "scale-version"
    EMPTY_TEXT = EXTENSION_BASE + "empty-text"
    DOSING_SCHEDULE = EXTENSION_BASE + "dosing-schedule"
    COURSE_DAYS = EXTENSION_BASE + "course-days"
    TIMES_PER_PERIOD = EXTENSION_BASE + "times-per-period"
    BODY_WEIGHT = EXTENSION_BASE + "body-weight"
    MEDICATION_COURSE = EXTENSION_BASE + "medication-course"
    CYCLE_NUMBER = EXTENSION_BASE + "cycle-number"
    DAY_OF_CYCLE = EXTENSION_BASE + "day-of-cycle"
    IMPLANTED_ON = EXTENSION_BASE + "implanted-on"
    REMOVED_ON = EXTENSION_BASE + "removed-on"
    REFILL_VOLUME = EXTENSION_BASE + "refill-volume"
    DRUG_CONCENTRATION = EXTENSION_BASE + "drug-concentration"
    DAILY_DOSE = EXTENSION_BASE + "daily-dose"
    ALARM_DATE = EXTENSION_BASE + "alarm-date"
    SESSIONS = EXTENSION_BASE + "sessions"
    SESSIONS_PER_MONTH = EXTENSION_BASE + "sessions-per-month"
    RESOLVED_DATE = EXTENSION_BASE + "resolved-date"
    CTCAE_GRADE = EXTENSION_BASE + "ctcae-grade"
    ACTION_TAKEN = EXTENSION_BASE + "action-taken"


class Profile:
    """``meta.profile`` values: which section of the record a resource holds."""

    ORGANIZATION = PROFILE_BASE + "site"
    PATIENT = PROFILE_BASE + "patient"
    SPS_CONDITION = PROFILE_BASE + "sps-condition"
    COMORBIDITY = PROFILE_BASE + "comorbidity"
    CONSENT = PROFILE_BASE + "consent"
    LAB_RESULT = PROFILE_BASE + "lab-result"
    GENETIC_MARKER = PROFILE_BASE + "genetic-marker"
    VISIT = PROFILE_BASE + "visit"
    BODY_WEIGHT = PROFILE_BASE + "body-weight"
    ASSESSMENT = PROFILE_BASE + "assessment"
    DIARY_ENTRY = PROFILE_BASE + "diary-entry"
    MEDICATION_COURSE = PROFILE_BASE + "medication-course"
    ADMINISTRATION = PROFILE_BASE + "administration"
    PUMP = PROFILE_BASE + "intrathecal-pump"
    PUMP_REFILL = PROFILE_BASE + "pump-refill"
    PROCEDURE = PROFILE_BASE + "procedure"
    NON_DRUG_THERAPY = PROFILE_BASE + "non-drug-therapy"
    ADVERSE_EVENT = PROFILE_BASE + "adverse-event"


class Local:
    """Local code systems (registry vocabularies without a verified standard code)."""

    ROUTE = "urn:spsreg:route"
    THERAPY_INTENT = "urn:spsreg:therapy-intent"
    STOP_REASON = "urn:spsreg:stop-reason"
    CONSENT_KIND = "urn:spsreg:consent-kind"
    LAB_ANALYTE = "urn:spsreg:lab-analyte"
    ASSAY_METHOD = "urn:spsreg:assay-method"
    LAB_COMPONENT = "urn:spsreg:lab-component"
    SCALE = "urn:spsreg:scale"
    SCALE_ITEM = "urn:spsreg:scale-item"
    OBSERVATION_KIND = "urn:spsreg:observation-kind"
    GENETIC_MARKER_FIELD = "urn:spsreg:genetic-marker-field"
    DIARY_FIELD = "urn:spsreg:diary-field"
    SPASM_TRIGGER = "urn:spsreg:spasm-trigger"
    VISIT_KIND = "urn:spsreg:visit-kind"
    COMORBIDITY_KIND = "urn:spsreg:comorbidity-kind"
    PROCEDURE_KIND = "urn:spsreg:procedure-kind"
    NON_DRUG_THERAPY_KIND = "urn:spsreg:non-drug-therapy-kind"
    PUMP_EVENT = "urn:spsreg:pump-event"
    DEVICE_KIND = "urn:spsreg:device-kind"
    DEVICE_PROPERTY = "urn:spsreg:device-property"


CODE_RE = re.compile(r"[^\s]+( [^\s]+)*")
"""A FHIR ``code``: no leading, trailing or doubled whitespace (checked with ``fullmatch``)."""

_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
_ID_NAMESPACE = uuid.UUID("6f0c1d2e-5a7b-4c3d-9e8f-51a2b3c4d5e6")

_UCUM_DOSE_UNITS: dict[DoseUnit, str] = {
    DoseUnit.MG: "mg",
    DoseUnit.G: "g",
    DoseUnit.MCG: "ug",
    DoseUnit.ML: "mL",
}
"""Dose units with one unambiguous UCUM code; other units are exported as unit text only."""


@lru_cache(maxsize=65_536)
def fhir_id(record_id: str) -> str:
    """A FHIR resource id for a registry record id, stable across exports.

    A record id that is already a valid FHIR id (letters, digits, '-', '.', at most 64) is kept;
    one with '_' or ':' becomes a name-based UUID (version 5) of it. Derived ids (the weight
    Observation of a visit) are built from text with a '/', which no record id holds, so they
    become UUIDs that cannot meet a record id.
    """
    if _FHIR_ID.match(record_id):
        return record_id
    return str(uuid.uuid5(_ID_NAMESPACE, record_id))


@lru_cache(maxsize=65_536)
def is_fhir_code(value: str) -> bool:
    """True when ``value`` can be written as a FHIR ``code`` (cached: ids repeat across patients)."""
    return CODE_RE.fullmatch(value) is not None


@lru_cache(maxsize=65_536)
def reference(resource_type: str, record_id: str) -> dict[str, str]:
    """A relative literal reference ``<Type>/<fhir id>`` to a resource of this export."""
    return {"reference": f"{resource_type}/{fhir_id(record_id)}"}


def record_identifier(record_id: str) -> dict[str, str]:
    """The registry record id as an Identifier (the FHIR id may be a UUID of it)."""
    return {"system": RECORD_ID_SYSTEM, "value": record_id}


@lru_cache(maxsize=64)
def meta(profile: str) -> dict[str, list[str]]:
    return {"profile": [profile]}


def ext(url: str, kind: str, value: Any) -> dict[str, Any]:
    """One extension, e.g. ``ext(Ext.SESSIONS, "valueInteger", 5)``."""
    return {"url": url, kind: value}


@lru_cache(maxsize=1024)
def order_ext(position: int) -> dict[str, Any]:
    """The position of the item in its record section: the reader restores the order with it."""
    return {"url": Ext.RECORD_ORDER, "valueInteger": position}


def local_concept(system: str, value: str, display: str | None = None) -> dict[str, Any]:
    """A CodeableConcept of a local code system holding ``value`` exactly.

    A value that is a valid FHIR code is a coding (with the display when given); any other text
    (free-text ids may hold line breaks or doubled spaces) is carried as the concept's text.
    """
    if is_fhir_code(value):
        coding: dict[str, str] = {"system": system, "code": value}
        if display is not None:
            coding["display"] = display
        return {"coding": [coding]}
    return {"text": value}


@lru_cache(maxsize=4096)
def coded(system: str, code: str) -> dict[str, Any]:
    """A CodeableConcept of one coding (for enumeration values, always valid codes)."""
    return {"coding": [{"system": system, "code": code}]}


def ucum_quantity(value: float, unit: str, ucum: str) -> dict[str, Any]:
    return {"value": value, "unit": unit, "system": UCUM_SYSTEM, "code": ucum}


def dose_quantity(value: float, unit: DoseUnit) -> dict[str, Any]:
    """A dose: the registry unit as text, and its UCUM code where it has an unambiguous one."""
    quantity: dict[str, Any] = {"value": value, "unit": unit.value}
    ucum = _UCUM_DOSE_UNITS.get(unit)
    if ucum is not None:
        quantity["system"] = UCUM_SYSTEM
        quantity["code"] = ucum
    return quantity


def days_quantity(value: int) -> dict[str, Any]:
    return {"value": value, "unit": "d", "system": UCUM_SYSTEM, "code": "d"}
