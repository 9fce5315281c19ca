"""Reading back the Patient, the SPS Condition, comorbidity Conditions and Consents spsreg wrote."""

from __future__ import annotations

from spsreg.domain.conditions import ComorbidityKind
from spsreg.domain.patient import SPS_ORPHACODE, ConsentKind, Phenotype, Sex, VitalStatus
from spsreg.export.fhir_common import (
    LOCAL_DIAGNOSIS_SYSTEM,
    PATIENT_ID_SYSTEM,
    PSEUDONYM_SYSTEM,
    SITE_ID_SYSTEM,
    Ext,
    Local,
)
from spsreg.export.fhir_patient import ASSERTED_DATE, CONSENT_STATUS
from spsreg.export.fhir_terms import CODE_SYSTEM_URIS
from spsreg.ingest.fhir_profile_element import Element
from spsreg.ingest.fhir_profile_parts import (
    Part,
    check_subject,
    ext_path,
    read_order,
    read_record_id,
)

__all__ = [
    "read_comorbidity",
    "read_consent",
    "read_detail",
    "read_patient",
    "read_sps_condition",
]

_CONSENT_STATUSES = {fhir: status for status, fhir in CONSENT_STATUS.items()}
_PATIENT_EXTENSIONS = (
    ("genetic_diagnosis", Ext.GENETIC_DIAGNOSIS),
    ("biobank_link", Ext.BIOBANK_LINK),
    ("functioning_classification", Ext.FUNCTIONING_CLASSIFICATION),
)


def read_patient(element: Element) -> Part:
    """The Patient's registry id, pseudonym, site, sex, birth month, life status and CDE fields."""
    part = Part("patient", element, str(element.data.get("id", "")))
    for identifier in element.children("identifier"):
        system = identifier.data.get("system")
        if system == PATIENT_ID_SYSTEM:
            identifier.skip("system", "use")
            part.set("id", identifier.required_string("value"), "identifier")
        elif system == PSEUDONYM_SYSTEM:
            identifier.skip("system", "use")
            part.set("pseudonym", identifier.required_string("value"), "identifier")
    if "id" not in part.fields:
        raise element.error("identifier", f"needs the registry patient id ({PATIENT_ID_SYSTEM})")
    site = element.required_child("managingOrganization")
    site.skip("reference", "display")
    site_identifier = site.required_child("identifier")
    if site_identifier.data.get("system") != SITE_ID_SYSTEM:
        raise site_identifier.error("system", f"expected {SITE_ID_SYSTEM}")
    site_identifier.skip("system")
    part.set("site_id", site_identifier.required_string("value"), "managingOrganization.identifier")
    part.set("sex", element.enum(Sex, "gender", element.take("gender")), "gender")
    part.set("birth_year_month", element.string("birthDate", required=True), "birthDate")
    vital = element.extension(Ext.VITAL_STATUS, "valueCode")
    if vital is None:
        raise element.error("extension", f"needs the extension {Ext.VITAL_STATUS}")
    part.set(
        "vital_status",
        element.enum(VitalStatus, ext_path(Ext.VITAL_STATUS), vital),
        ext_path(Ext.VITAL_STATUS),
    )
    element.skip("deceasedBoolean")
    part.set("date_of_death", element.date("deceasedDateTime"), "deceasedDateTime")
    phenotype = element.extension(Ext.PHENOTYPE, "valueCode")
    if phenotype is not None:
        part.set(
            "phenotype",
            element.enum(Phenotype, ext_path(Ext.PHENOTYPE), phenotype),
            ext_path(Ext.PHENOTYPE),
        )
    part.set(
        "first_contact_date",
        element.extension_date(Ext.FIRST_CONTACT_DATE),
        ext_path(Ext.FIRST_CONTACT_DATE),
    )
    for name, url in _PATIENT_EXTENSIONS:
        part.set(name, element.extension_string(url), ext_path(url))
    return part


def read_sps_condition(element: Element, patient_fid: str) -> Part:
    """Onset, date of diagnosis, the recorded diagnosis code and 'undiagnosed' of the patient."""
    part = Part("sps_condition", element, str(element.data.get("id", "")))
    check_subject(element, "subject", patient_fid)
    element.skip("clinicalStatus", "category")
    code = element.required_child("code")
    code.skip("text")
    code.skip_codings(*CODE_SYSTEM_URIS.values())
    diagnosis = code.coding_code(LOCAL_DIAGNOSIS_SYSTEM)
    if diagnosis is None:
        diagnosis = element.extension_string(Ext.DIAGNOSIS_CODE)
    part.set("diagnosis_code", diagnosis if diagnosis is not None else SPS_ORPHACODE, "code")
    verification = element.required_child("verificationStatus").coding_code(
        "http://terminology.hl7.org/CodeSystem/condition-ver-status"
    )
    part.set("undiagnosed", verification == "unconfirmed", "verificationStatus")
    part.set("onset_date", element.date("onsetDateTime"), "onsetDateTime")
    part.set(
        "diagnosis_date",
        element.extension_date(ASSERTED_DATE, "valueDateTime"),
        ext_path(ASSERTED_DATE),
    )
    return part


def read_detail(element: Element, part: Part) -> None:
    """A free-text detail from ``note`` (or '' when flagged empty)."""
    notes = element.children("note")
    if notes:
        if len(notes) != 1:
            raise element.error("note", "expected one note holding the detail")
        part.set("detail", notes[0].required_string("text"), "note[0].text")
    elif element.extension(Ext.EMPTY_TEXT, "valueBoolean") is True:
        part.set("detail", "", ext_path(Ext.EMPTY_TEXT))


def read_comorbidity(element: Element, patient_fid: str) -> Part:
    part = Part("comorbidities", element, str(element.data.get("id", "")))
    check_subject(element, "subject", patient_fid)
    part.order = read_order(element)
    part.set("id", read_record_id(element), "identifier")
    element.skip("clinicalStatus", "verificationStatus", "category")
    part.set("kind", element.coded(ComorbidityKind, "code", Local.COMORBIDITY_KIND), "code")
    part.set("diagnosed_on", element.date("onsetDateTime"), "onsetDateTime")
    part.set("resolved_on", element.date("abatementDateTime"), "abatementDateTime")
    read_detail(element, part)
    return part


def read_consent(element: Element, patient_fid: str) -> Part:
    part = Part("consents", element, str(element.data.get("id", "")))
    check_subject(element, "patient", patient_fid)
    part.order = read_order(element)
    part.set("id", read_record_id(element), "identifier")
    status = element.take("status")
    if not isinstance(status, str) or status not in _CONSENT_STATUSES:
        raise element.error("status", f"{status!r} is not one of {', '.join(_CONSENT_STATUSES)}")
    part.set("status", _CONSENT_STATUSES[status], "status")
    element.skip("scope", "policy", "provision")
    categories = element.children("category")
    if len(categories) != 1:
        raise element.error("category", "expected exactly one category (the consent kind)")
    code = categories[0].coding_code(Local.CONSENT_KIND)
    if code is None:
        raise categories[0].error("coding", f"needs a coding in {Local.CONSENT_KIND}")
    part.set("kind", categories[0].enum(ConsentKind, "coding", code), "category[0]")
    part.set("recorded_on", element.date("dateTime", required=True), "dateTime")
    part.set(
        "withdrawn_on", element.extension_date(Ext.WITHDRAWN_DATE), ext_path(Ext.WITHDRAWN_DATE)
    )
    return part
