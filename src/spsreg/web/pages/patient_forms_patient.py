"""``GET/POST /patients/new``: register a new patient at the user's site.

Site staff register patients at their own site; an administrator picks the site. Identifiable data
(name, hospital number, date of birth) are optional and are written separately: the store accepts
them only from the staff of the patient's own site, and when it refuses, the new patient is
removed again so that nothing half-entered remains, and the refusal is shown.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from spsreg.domain.patient import Patient, PatientIdentifiers, Phenotype, Sex
from spsreg.domain.record import PatientRecord
from spsreg.domain.record_checks import check_patient_record
from spsreg.knowledge import load_knowledge_pack
from spsreg.store import ConflictError, NotFoundError, RecordKind, Registry, ScopeError
from spsreg.web.auth import RegistryDep, SettingsDep, StaffDep, Viewer
from spsreg.web.form_errors import FORM_KEY, field_messages, issue_messages
from spsreg.web.pages.patient_forms_common import (
    SAVE_REASON,
    FormPairs,
    new_id,
    notice_location,
    single,
)
from spsreg.web.templating import render

__all__ = ["router"]

router = APIRouter()

LABELS: dict[str, str] = {
    "pseudonym": "the pseudonym",
    "site_id": "the site",
    "sex": "sex",
    "birth_year_month": "the birth year and month",
    "phenotype": "the phenotype",
    "onset_date": "the onset date",
    "diagnosis_date": "the diagnosis date",
    "given_name": "the given name",
    "family_name": "the family name",
    "hospital_number": "the hospital number",
    "date_of_birth": "the date of birth",
    "identifiers.date_of_birth": "the date of birth",
    "patient.birth_year_month": "the birth year and month",
}
PATIENT_FIELDS = (
    "pseudonym",
    "sex",
    "birth_year_month",
    "phenotype",
    "onset_date",
    "diagnosis_date",
)
IDENTIFIER_FIELDS = ("given_name", "family_name", "hospital_number", "date_of_birth")
FORMAT_HINTS = {
    "pseudonym": "Use 3 to 32 capital letters, digits or '-', starting with a letter or digit.",
    "birth_year_month": "Enter the birth year and month as YYYY-MM, e.g. 1971-04.",
}


def _page(
    request: Request,
    viewer: Viewer,
    registry: Registry,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    sites = [] if viewer.actor.site_id else registry.list_sites(viewer.actor)
    return render(
        request,
        "form_patient.html.j2",
        {
            "values": values,
            "errors": errors,
            "sites": [(site.id, f"{site.name} ({site.id})") for site in sites],
            "fixed_site": viewer.actor.site_id,
            "sexes": [(s.value, s.value) for s in Sex],
            "phenotypes": [(p.value, p.value.replace("_", " ")) for p in Phenotype],
        },
        viewer=viewer,
        status_code=status,
    )


@router.get("/patients/new", response_class=HTMLResponse)
def new_patient_form(request: Request, viewer: StaffDep, registry: RegistryDep) -> HTMLResponse:
    return _page(request, viewer, registry, {}, {})


def _patient_and_identifiers(
    values: dict[str, str], site_id: str, patient_id: str
) -> tuple[Patient | None, PatientIdentifiers | None, dict[str, str]]:
    data: dict[str, Any] = {"id": patient_id, "site_id": site_id}
    data.update({name: values[name] for name in PATIENT_FIELDS if values.get(name)})
    errors: dict[str, str] = {}
    patient: Patient | None = None
    try:
        patient = Patient.model_validate(data)
    except ValidationError as error:
        errors.update(field_messages(error, labels=LABELS))
    for name, hint in FORMAT_HINTS.items():
        if name in errors and values.get(name):
            errors[name] = hint
    given = {
        name: values[f"identifiers.{name}"]
        for name in IDENTIFIER_FIELDS
        if values.get(f"identifiers.{name}")
    }
    identifiers: PatientIdentifiers | None = None
    if given:
        try:
            identifiers = PatientIdentifiers.model_validate(given)
        except ValidationError as error:
            found = field_messages(error, labels=LABELS)
            errors.update({f"identifiers.{name}": text for name, text in found.items()})
    return patient, identifiers, errors


@router.post("/patients/new", response_class=HTMLResponse)
def create_patient(
    request: Request,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
    pairs: FormPairs,
) -> Response:
    values = single(pairs)
    site_id = viewer.actor.site_id or values.get("site_id", "")
    errors: dict[str, str] = {}
    if not site_id:
        errors["site_id"] = "Choose the site the patient is treated at."
    patient, identifiers, found = _patient_and_identifiers(values, site_id or "none", new_id("p"))
    errors.update(found)
    if patient is not None and not errors:
        try:
            record = PatientRecord(patient=patient, identifiers=identifiers)
        except ValidationError as error:
            errors.update(field_messages(error, labels=LABELS, prefix="patient"))
        else:
            issues = check_patient_record(
                record, pack=load_knowledge_pack(), as_of=settings.today()
            )
            errors.update(issue_messages(issues, prefix="patient", labels=LABELS))
    if errors or patient is None:
        return _page(request, viewer, registry, values, errors, 400)
    try:
        saved = registry.add(viewer.actor, patient.id, RecordKind.PATIENT, patient, SAVE_REASON)
    except ConflictError:
        errors["pseudonym"] = "This pseudonym is already in use in the registry: choose another."
        return _page(request, viewer, registry, values, errors, 409)
    if identifiers is not None:
        try:
            registry.add(viewer.actor, patient.id, RecordKind.IDENTIFIERS, identifiers, SAVE_REASON)
        except (NotFoundError, ScopeError) as refusal:
            registry.delete(
                viewer.actor,
                RecordKind.PATIENT,
                patient.id,
                saved.version,
                "identifiers refused: the new patient is removed again",
            )
            errors[FORM_KEY] = (
                "The registry refused the identifiable data (name, hospital number, date of "
                "birth): only the staff of the patient's own site may enter them, so the patient "
                f"was not created ({refusal}). Leave those fields empty to register the "
                "pseudonymised record."
            )
            return _page(request, viewer, registry, values, errors, 403)
    location = notice_location(
        f"/patients/{patient.id}", f"Patient {patient.pseudonym} registered.", viewer
    )
    return RedirectResponse(location, status_code=303)
