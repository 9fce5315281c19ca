"""FHIR resources of the patient and the disease: Organization (site), Patient, the SPS Condition,
comorbidity Conditions and Consents.

The Patient carries the registry id and pseudonym as identifiers, the registry site as
``managingOrganization`` and the common data elements FHIR has no element for as spsreg extensions.
Identifiable data (:class:`~spsreg.domain.patient.PatientIdentifiers`) are never exported.
"""

from __future__ import annotations

from typing import Any

from spsreg.domain.conditions import Comorbidity
from spsreg.domain.patient import SPS_ORPHACODE, Consent, ConsentStatus, Patient, Site, VitalStatus
from spsreg.export.fhir_common import (
    LOCAL_DIAGNOSIS_SYSTEM,
    PATIENT_ID_SYSTEM,
    PSEUDONYM_SYSTEM,
    SITE_ID_SYSTEM,
    Ext,
    FhirResource,
    Local,
    Profile,
    coded,
    ext,
    fhir_id,
    is_fhir_code,
    meta,
    order_ext,
    record_identifier,
    reference,
)
from spsreg.export.fhir_terms import FhirTerms

__all__ = [
    "ASSERTED_DATE",
    "CONDITION_CATEGORY",
    "CONSENT_STATUS",
    "comorbidity_resource",
    "condition_resource",
    "consent_resource",
    "detail_elements",
    "organization_resource",
    "patient_resource",
    "sps_condition_id",
]

CLINICAL_STATUS = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION_STATUS = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"
ASSERTED_DATE = "http://hl7.org/fhir/StructureDefinition/condition-assertedDate"
CONSENT_SCOPE = "http://terminology.hl7.org/CodeSystem/consentscope"
CONSENT_POLICY = "urn:spsreg:consent-policy"

CONSENT_STATUS: dict[ConsentStatus, str] = {
    ConsentStatus.GRANTED: "active",
    ConsentStatus.REFUSED: "rejected",
    ConsentStatus.WITHDRAWN: "inactive",
}
"""Registry consent status -> FHIR Consent.status (one to one, so it reads back)."""


def _problem_list() -> list[dict[str, Any]]:
    return [coded(CONDITION_CATEGORY, "problem-list-item")]


def organization_resource(site: Site) -> FhirResource:
    """A registry site: id from the site id, name, and country (ISO 3166-1 alpha-2)."""
    return {
        "resourceType": "Organization",
        "id": fhir_id(site.id),
        "meta": meta(Profile.ORGANIZATION),
        "identifier": [{"system": SITE_ID_SYSTEM, "value": site.id}],
        "active": True,
        "name": site.name,
        "address": [{"country": site.country}],
    }


def _patient_extensions(patient: Patient) -> list[dict[str, Any]]:
    found = [ext(Ext.VITAL_STATUS, "valueCode", patient.vital_status.value)]
    if patient.phenotype is not None:
        found.append(ext(Ext.PHENOTYPE, "valueCode", patient.phenotype.value))
    if patient.first_contact_date is not None:
        found.append(
            ext(Ext.FIRST_CONTACT_DATE, "valueDate", patient.first_contact_date.isoformat())
        )
    for url, text in (
        (Ext.GENETIC_DIAGNOSIS, patient.genetic_diagnosis),
        (Ext.BIOBANK_LINK, patient.biobank_link),
        (Ext.FUNCTIONING_CLASSIFICATION, patient.functioning_classification),
    ):
        if text is not None:
            found.append(ext(url, "valueString", text))
    return found


def patient_resource(patient: Patient) -> FhirResource:
    """The FHIR Patient: registry id and pseudonym as identifiers, sex, birth month, death, site."""
    resource: FhirResource = {
        "resourceType": "Patient",
        "id": fhir_id(patient.id),
        "meta": meta(Profile.PATIENT),
        "extension": _patient_extensions(patient),
        "identifier": [
            {"use": "official", "system": PATIENT_ID_SYSTEM, "value": patient.id},
            {"use": "secondary", "system": PSEUDONYM_SYSTEM, "value": patient.pseudonym},
        ],
        "gender": patient.sex.value,
        "birthDate": patient.birth_year_month,
        "managingOrganization": reference("Organization", patient.site_id)
        | {"identifier": {"system": SITE_ID_SYSTEM, "value": patient.site_id}},
    }
    if patient.vital_status is VitalStatus.DEAD:
        if patient.date_of_death is not None:
            resource["deceasedDateTime"] = patient.date_of_death.isoformat()
        else:
            resource["deceasedBoolean"] = True
    elif patient.vital_status is VitalStatus.ALIVE:
        resource["deceasedBoolean"] = False
    return resource


def sps_condition_id(patient: Patient) -> str:
    return fhir_id(f"sps-{patient.id}")


def condition_resource(patient: Patient, terms: FhirTerms) -> FhirResource:
    """The SPS Condition: codes from the pack, onset date and date of diagnosis (asserted date).

    A recorded diagnosis code (CDE 6.1) other than the default ORPHA:3198 is kept as a local
    coding, or in an extension when it is not a valid FHIR code.
    """
    codings = [dict(coding) for coding in terms.sps_codings]
    extensions: list[dict[str, Any]] = []
    if patient.diagnosis_date is not None:
        extensions.append(ext(ASSERTED_DATE, "valueDateTime", patient.diagnosis_date.isoformat()))
    if patient.diagnosis_code != SPS_ORPHACODE:
        if is_fhir_code(patient.diagnosis_code):
            codings.append({"system": LOCAL_DIAGNOSIS_SYSTEM, "code": patient.diagnosis_code})
        else:
            extensions.append(ext(Ext.DIAGNOSIS_CODE, "valueString", patient.diagnosis_code))
    verification = "unconfirmed" if patient.undiagnosed else "confirmed"
    resource: FhirResource = {
        "resourceType": "Condition",
        "id": sps_condition_id(patient),
        "meta": meta(Profile.SPS_CONDITION),
        "clinicalStatus": coded(CLINICAL_STATUS, "active"),
        "verificationStatus": coded(VERIFICATION_STATUS, verification),
        "category": _problem_list(),
        "code": {"coding": codings, "text": "Stiff person syndrome"},
        "subject": reference("Patient", patient.id),
    }
    if extensions:
        resource["extension"] = extensions
    if patient.onset_date is not None:
        resource["onsetDateTime"] = patient.onset_date.isoformat()
    return resource


def detail_elements(
    detail: str | None,
) -> tuple[list[dict[str, str]] | None, list[dict[str, Any]]]:
    """A free-text detail as ``note``, and the extensions it needs: FHIR strings cannot be empty,
    so '' is written as no note plus the empty-text flag."""
    if detail is None:
        return None, []
    if detail == "":
        return None, [ext(Ext.EMPTY_TEXT, "valueBoolean", True)]
    return [{"text": detail}], []


def comorbidity_resource(
    comorbidity: Comorbidity, patient: Patient, position: int, terms: FhirTerms
) -> FhirResource:
    """A comorbidity as a problem-list Condition with the local kind code and its dates."""
    kind = comorbidity.kind.value
    coding = {"system": Local.COMORBIDITY_KIND, "code": kind}
    name = terms.comorbidity_names.get(kind)
    if name is not None:
        coding["display"] = name
    code = {"coding": [coding]}
    note, flags = detail_elements(comorbidity.detail)
    extensions = [order_ext(position), *flags]
    resource: FhirResource = {
        "resourceType": "Condition",
        "id": fhir_id(comorbidity.id),
        "meta": meta(Profile.COMORBIDITY),
        "extension": extensions,
        "identifier": [record_identifier(comorbidity.id)],
        "clinicalStatus": coded(
            CLINICAL_STATUS, "resolved" if comorbidity.resolved_on is not None else "active"
        ),
        "verificationStatus": coded(VERIFICATION_STATUS, "confirmed"),
        "category": _problem_list(),
        "code": code,
        "subject": reference("Patient", patient.id),
    }
    if comorbidity.diagnosed_on is not None:
        resource["onsetDateTime"] = comorbidity.diagnosed_on.isoformat()
    if comorbidity.resolved_on is not None:
        resource["abatementDateTime"] = comorbidity.resolved_on.isoformat()
    if note is not None:
        resource["note"] = note
    return resource


def consent_resource(consent: Consent, patient: Patient, position: int) -> FhirResource:
    """A consent: status, research scope, the local consent kind and the date it was recorded."""
    extensions = [order_ext(position)]
    if consent.withdrawn_on is not None:
        extensions.append(ext(Ext.WITHDRAWN_DATE, "valueDate", consent.withdrawn_on.isoformat()))
    return {
        "resourceType": "Consent",
        "id": fhir_id(consent.id),
        "meta": meta(Profile.CONSENT),
        "extension": extensions,
        "identifier": [record_identifier(consent.id)],
        "status": CONSENT_STATUS[consent.status],
        "scope": coded(CONSENT_SCOPE, "research"),
        "category": [coded(Local.CONSENT_KIND, consent.kind.value)],
        "patient": reference("Patient", patient.id),
        "dateTime": consent.recorded_on.isoformat(),
        "policy": [{"uri": CONSENT_POLICY}],
        "provision": {"type": "permit" if consent.status is ConsentStatus.GRANTED else "deny"},
    }
