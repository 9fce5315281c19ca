"""Laboratory results and adverse events: ``/patients/{id}/labs/new`` and
``/patients/{id}/adverse-events/new``.

A lab result names an analyte of the knowledge pack with the method and unit the pack allows for
it (GAD65 by RIA in nmol/L, never IU/mL); an adverse event is graded CTCAE-style and may name the
medication courses suspected of causing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from spsreg.domain.adverse_events import AdverseEvent, AdverseEventAction, AdverseEventOutcome
from spsreg.domain.labs import AssayMethod, LabResult, QualitativeResult, Specimen
from spsreg.knowledge import load_knowledge_pack
from spsreg.store import RecordKind, Registry
from spsreg.web.auth import RegistryDep, SettingsDep, StaffDep, Viewer
from spsreg.web.form_errors import field_messages
from spsreg.web.pages.patient_forms_common import (
    SAVE_REASON,
    FormPairs,
    entry_form,
    entry_problems,
    multiple,
    new_id,
    saved_redirect,
    single,
    store_refusal,
)
from spsreg.web.settings import WebSettings

__all__ = ["router"]

router = APIRouter()

LAB_LABELS = {
    "analyte": "the analyte",
    "collected_on": "the collection date",
    "specimen": "the specimen",
    "method": "the method",
    "value": "the value",
    "unit": "the unit",
    "qualitative": "the qualitative result",
    "titre_denominator": "the titre",
    "laboratory": "the laboratory",
}
EVENT_LABELS = {
    "term": "the event term",
    "grade": "the grade",
    "onset_date": "the onset date",
    "resolved_date": "the resolution date",
    "serious": "serious",
    "suspected_course_ids": "the suspected medication",
    "outcome": "the outcome",
    "action_taken": "the action taken",
}
GRADES = [
    ("1", "1 - mild"),
    ("2", "2 - moderate"),
    ("3", "3 - severe"),
    ("4", "4 - life-threatening"),
    ("5", "5 - death related to the event"),
]


def _choices(kind: type[Any]) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ")) for member in kind]


@dataclass(frozen=True)
class _EntryKind:
    """One of this module's forms: its template, the record it makes and that record's section."""

    template: str
    model: type[BaseModel]
    section: str
    labels: dict[str, str]


LAB = _EntryKind("form_lab.html.j2", LabResult, "lab_results", LAB_LABELS)
EVENT = _EntryKind("form_adverse_event.html.j2", AdverseEvent, "adverse_events", EVENT_LABELS)


def _render(
    request: Request,
    viewer: Viewer,
    registry: Registry,
    patient_id: str,
    template: str,
    values: dict[str, str],
    errors: dict[str, str],
    status: int,
    selected: list[str] | None = None,
) -> HTMLResponse:
    record = registry.load_patient_record(viewer.actor, patient_id, channel=viewer.channel)
    pack = load_knowledge_pack()
    units = sorted({m.unit for lab in pack.labs for m in lab.measurements if m.unit})
    choices = {
        "selected": selected or [],
        "analytes": [(lab.id, lab.name) for lab in pack.labs],
        "units": units,
        "specimens": _choices(Specimen),
        "methods": _choices(AssayMethod),
        "qualitatives": _choices(QualitativeResult),
        "grades": GRADES,
        "outcomes": _choices(AdverseEventOutcome),
        "actions": _choices(AdverseEventAction),
        "courses": [
            (c.id, f"{c.drug_id} {c.dose.value:g} {c.dose.unit.value} from {c.start_date}")
            for c in record.medication_courses
        ],
    }
    return entry_form(request, viewer, template, record.patient, values, errors, status, choices)


def _save(
    registry: Registry,
    viewer: Viewer,
    patient_id: str,
    kind: _EntryKind,
    data: dict[str, Any],
    today: date,
) -> dict[str, str]:
    """Validate and add the record; the problems as field messages (empty: saved)."""
    try:
        item = kind.model.model_validate(data)
    except ValidationError as error:
        return field_messages(error, labels=kind.labels)
    errors = entry_problems(
        registry, viewer, patient_id, kind.section, item, as_of=today, labels=kind.labels
    )
    if errors:
        return errors
    try:
        registry.add(viewer.actor, patient_id, RecordKind(kind.section), item, SAVE_REASON)
    except ValidationError as error:
        return store_refusal(error, kind.labels)
    return {}


def _submit(
    request: Request,
    viewer: Viewer,
    registry: Registry,
    settings: WebSettings,
    patient_id: str,
    kind: _EntryKind,
    data: dict[str, Any],
    values: dict[str, str],
    saved_text: str,
    selected: list[str] | None = None,
) -> Response:
    """Save the record and go back to the patient page, or show the form again with the
    problems (400)."""
    errors = _save(registry, viewer, patient_id, kind, data, settings.today())
    if errors:
        return _render(
            request, viewer, registry, patient_id, kind.template, values, errors, 400, selected
        )
    return saved_redirect(patient_id, saved_text, viewer)


@router.get("/patients/{patient_id}/labs/new", response_class=HTMLResponse)
def new_lab_form(
    request: Request, patient_id: str, viewer: StaffDep, registry: RegistryDep
) -> HTMLResponse:
    return _render(request, viewer, registry, patient_id, LAB.template, {}, {}, 200)


@router.post("/patients/{patient_id}/labs/new", response_class=HTMLResponse)
def add_lab(
    request: Request,
    patient_id: str,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
    pairs: FormPairs,
) -> Response:
    values = single(pairs)
    data: dict[str, Any] = {"id": new_id("lab")}
    data.update({name: values[name] for name in LAB_LABELS if values.get(name)})
    text = f"Lab result of {values.get('collected_on')} saved."
    return _submit(request, viewer, registry, settings, patient_id, LAB, data, values, text)


@router.get("/patients/{patient_id}/adverse-events/new", response_class=HTMLResponse)
def new_event_form(
    request: Request, patient_id: str, viewer: StaffDep, registry: RegistryDep
) -> HTMLResponse:
    return _render(request, viewer, registry, patient_id, EVENT.template, {}, {}, 200)


@router.post("/patients/{patient_id}/adverse-events/new", response_class=HTMLResponse)
def add_event(
    request: Request,
    patient_id: str,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
    pairs: FormPairs,
) -> Response:
    values = single(pairs)
    suspected = multiple(pairs, "suspected_course_ids")
    data: dict[str, Any] = {"id": new_id("event"), "serious": values.get("serious") == "yes"}
    data.update(
        {
            name: values[name]
            for name in EVENT_LABELS
            if values.get(name) and name not in ("serious", "suspected_course_ids")
        }
    )
    data["suspected_course_ids"] = suspected
    text = f"Adverse event '{values.get('term')}' saved."
    return _submit(
        request, viewer, registry, settings, patient_id, EVENT, data, values, text, suspected
    )
