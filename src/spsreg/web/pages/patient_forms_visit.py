"""``GET/POST /patients/{id}/visits/new``: a visit with its standardized assessments.

Every scale of the knowledge pack is offered with its items and permitted answers; a scale is
recorded when at least one of its items is answered. While the user types, the form posts its
fields to ``/api/v1/scales/score`` and shows each scale's total, range and missing items; on
submit the same checks run here and each problem is shown at its item.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from spsreg.domain.assessments import Assessment, Visit, VisitKind
from spsreg.knowledge.scales import ScaleDefinition, format_number
from spsreg.store import RecordKind, Registry
from spsreg.web.auth import RegistryDep, SettingsDep, StaffDep, Viewer
from spsreg.web.form_errors import field_messages
from spsreg.web.pages.patient_forms_common import (
    SAVE_REASON,
    FormPairs,
    entry_form,
    entry_problems,
    new_id,
    patient_of,
    saved_redirect,
    single,
    store_refusal,
)
from spsreg.web.pages.patient_forms_parse import offered_scales, read_scale

__all__ = ["router"]

router = APIRouter()

LABELS = {
    "visit_date": "the visit date",
    "kind": "the kind of visit",
    "weight_kg": "the weight in kg",
}


def _items(definition: ScaleDefinition) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    for item in definition.items:
        entry: dict[str, Any] = {
            "name": f"{definition.id}.{item.id}",
            "label": item.label,
            "hint": item.note or "",
            "options": None,
            "permitted": item.describe_permitted(),
            "optional": item.optional,
        }
        if item.values is not None:
            entry["options"] = [(str(v.value), f"{v.value} = {v.label}") for v in item.values]
        elif item.range is not None:
            entry["step"] = "1" if item.range.type == "integer" else "any"
            entry["min"] = format_number(item.range.minimum)
            entry["max"] = format_number(item.range.maximum) if item.range.maximum else ""
        items.append(entry)
    return items


def _page(
    request: Request,
    viewer: Viewer,
    registry: Registry,
    patient_id: str,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HTMLResponse:
    scales = [
        {"id": d.id, "name": d.name, "description": d.description, "items": _items(d)}
        for d in offered_scales()
    ]
    kinds = [(k.value, k.value) for k in VisitKind]
    patient = patient_of(registry, viewer, patient_id)
    choices = {"scales": scales, "kinds": kinds}
    return entry_form(
        request, viewer, "form_visit.html.j2", patient, values, errors, status, choices
    )


@router.get("/patients/{patient_id}/visits/new", response_class=HTMLResponse)
def new_visit_form(
    request: Request,
    patient_id: str,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> HTMLResponse:
    defaults = {"visit_date": settings.today().isoformat(), "kind": VisitKind.ROUTINE.value}
    return _page(request, viewer, registry, patient_id, defaults, {})


def _assessments(values: dict[str, str], errors: dict[str, str]) -> list[Assessment]:
    assessments: list[Assessment] = []
    for definition in offered_scales():
        reading = read_scale(definition.id, values)
        if not reading.answered:
            continue
        for item_id, message in reading.problems.items():
            errors[f"{definition.id}.{item_id}" if item_id else definition.id] = message
        if not reading.problems:
            assessments.append(
                reading.assessment.model_copy(
                    update={
                        "id": new_id("assessment"),
                        "responses": {k: v for k, v in reading.responses.items() if v is not None},
                    }
                )
            )
    return assessments


@router.post("/patients/{patient_id}/visits/new", response_class=HTMLResponse)
def add_visit(
    request: Request,
    patient_id: str,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
    pairs: FormPairs,
) -> Response:
    values = single(pairs)
    patient_of(registry, viewer, patient_id)
    errors: dict[str, str] = {}
    assessments = _assessments(values, errors)
    data = {name: values[name] for name in LABELS if values.get(name)}
    visit: Visit | None = None
    try:
        visit = Visit.model_validate({"id": new_id("visit"), **data, "assessments": assessments})
    except ValidationError as error:
        errors.update(field_messages(error, labels=LABELS))
    if visit is not None and not errors:
        today = settings.today()
        errors.update(
            entry_problems(
                registry, viewer, patient_id, "visits", visit, as_of=today, labels=LABELS
            )
        )
    if visit is None or errors:
        return _page(request, viewer, registry, patient_id, values, errors, 400)
    try:
        registry.add(viewer.actor, patient_id, RecordKind.VISITS, visit, SAVE_REASON)
    except ValidationError as error:
        return _page(
            request, viewer, registry, patient_id, values, store_refusal(error, LABELS), 400
        )
    scored = ", ".join(
        scale.name
        for scale in offered_scales()
        if any(a.scale_id == scale.id for a in visit.assessments)
    )
    text = f"Visit of {visit.visit_date.isoformat()} saved" + (
        f" with {scored}." if scored else " (no scale recorded)."
    )
    return saved_redirect(patient_id, text, viewer)
