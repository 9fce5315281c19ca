"""Laboratory results and adverse events: ``/patients/{id}/labs/new`` and
``/patients/{id}/adverse-events/new``.

A lab result names an analyte of the knowledge pack with the method and unit the pack allows for
it (GAD65 by RIA in nmol/L, never IU/mL); an adverse event is graded CTCAE-style and may name the
medication courses suspected of causing it.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
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
    item_issues,
    multiple,
    new_id,
    notice_location,
    single,
    store_refusal,
    with_item,
)
from spsreg.web.templating import render

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
    context = {
        "patient": record.patient,
        "values": values,
        "errors": errors,
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
    return render(request, template, context, viewer=viewer, status_code=status)


def _save(
    registry: Registry,
    viewer: Viewer,
    patient_id: str,
    model: type[BaseModel],
    section: str,
    data: dict[str, Any],
    labels: dict[str, str],
    today: Any,
) -> dict[str, str]:
    """Validate and add the record; the problems as field messages (empty: saved)."""
    try:
        item = model.model_validate(data)
    except ValidationError as error:
        return field_messages(error, labels=labels)
    stored = registry.load_patient_record(viewer.actor, patient_id, channel=viewer.channel)
    changed = with_item(stored, section, item)
    if isinstance(changed, dict):
        return changed
    errors = item_issues(changed, section, str(getattr(item, "id")), as_of=today, labels=labels)  # noqa: B009
    if errors:
        return errors
    try:
        registry.add(viewer.actor, patient_id, RecordKind(section), item, SAVE_REASON)
    except ValidationError as error:
        return store_refusal(error, labels)
    return {}


@router.get("/patients/{patient_id}/labs/new", response_class=HTMLResponse)
def new_lab_form(
    request: Request, patient_id: str, viewer: StaffDep, registry: RegistryDep
) -> HTMLResponse:
    return _render(request, viewer, registry, patient_id, "form_lab.html.j2", {}, {}, 200)


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
    errors = _save(
        registry, viewer, patient_id, LabResult, "lab_results", data, LAB_LABELS, settings.today()
    )
    if errors:
        return _render(
            request, viewer, registry, patient_id, "form_lab.html.j2", values, errors, 400
        )
    text = f"Lab result of {values.get('collected_on')} saved."
    return RedirectResponse(notice_location(f"/patients/{patient_id}", text, viewer), 303)


@router.get("/patients/{patient_id}/adverse-events/new", response_class=HTMLResponse)
def new_event_form(
    request: Request, patient_id: str, viewer: StaffDep, registry: RegistryDep
) -> HTMLResponse:
    return _render(request, viewer, registry, patient_id, "form_adverse_event.html.j2", {}, {}, 200)


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
    errors = _save(
        registry,
        viewer,
        patient_id,
        AdverseEvent,
        "adverse_events",
        data,
        EVENT_LABELS,
        settings.today(),
    )
    if errors:
        return _render(
            request,
            viewer,
            registry,
            patient_id,
            "form_adverse_event.html.j2",
            values,
            errors,
            400,
            suspected,
        )
    text = f"Adverse event '{values.get('term')}' saved."
    return RedirectResponse(notice_location(f"/patients/{patient_id}", text, viewer), 303)
