"""The patient's own summary (``GET /me``): their current medications with doses, latest scores,
upcoming and recent visits and their recent diary entries.

Only the patient role may open it (staff get 403 with the reason: they have the patient pages).
Everything comes from the patient's own record through the store's scope, which for a patient is
that one record: no other patient's data and no identifier of anyone else can appear.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from spsreg.domain.overview import patient_overview
from spsreg.domain.scales import ScaleError
from spsreg.domain.scales.definitions import scale_definition
from spsreg.knowledge import load_knowledge_pack
from spsreg.store import Role
from spsreg.store.diary_reads import list_diary_entries
from spsreg.web.auth import RegistryDep, SettingsDep, Viewer, require_roles
from spsreg.web.pages.diary_view import diary_rows, drug_name
from spsreg.web.templating import render

__all__ = ["router"]

router = APIRouter()

MeDep = Annotated[Viewer, require_roles(Role.PATIENT, purpose="Your own summary")]

RECENT_VISITS = 5
RECENT_DIARY = 7


@dataclass(frozen=True)
class MedicationLine:
    name: str
    dose: str
    route: str
    since: date


@dataclass(frozen=True)
class ScoreLine:
    scale: str
    scale_range: str
    assessed_on: date
    total: float | None
    band: str | None
    complete: bool


@dataclass(frozen=True)
class VisitLine:
    visit_date: date
    kind: str
    scales: str


def _scale_label(scale_id: str) -> tuple[str, str]:
    """The scale's name and its total's range in words (the id when the scale is unknown)."""
    try:
        definition = scale_definition(scale_id)
    except ScaleError:
        return scale_id, ""
    total = definition.scoring.total
    return definition.name, ("" if total is None else total.describe())


@router.get("/me", response_class=HTMLResponse)
def my_summary(
    request: Request, viewer: MeDep, registry: RegistryDep, settings: SettingsDep
) -> HTMLResponse:
    patient_id = viewer.actor.patient_id
    assert patient_id is not None  # the patient role always has one (Actor checks it)
    today = settings.today()
    pack = load_knowledge_pack()
    record = registry.load_patient_record(viewer.actor, patient_id, channel=viewer.channel)
    overview = patient_overview(record, today, pack)
    medications = [
        MedicationLine(drug_name(pack, m.drug_id), m.dose, m.route, m.since)
        for m in overview.active_medications
    ]
    scores = []
    for score in overview.latest_scores:
        name, described = _scale_label(score.scale_id)
        scores.append(
            ScoreLine(name, described, score.assessed_on, score.total, score.band, score.complete)
        )
    visits = sorted(record.visits, key=lambda v: v.visit_date)

    def line(visit_index: int) -> VisitLine:
        visit = visits[visit_index]
        names = ", ".join(_scale_label(a.scale_id)[0] for a in visit.assessments)
        return VisitLine(visit.visit_date, visit.kind.value, names)

    upcoming = [line(i) for i, v in enumerate(visits) if v.visit_date > today]
    recent = [line(i) for i, v in enumerate(visits) if v.visit_date <= today][-RECENT_VISITS:]
    diary = list_diary_entries(
        registry, viewer.actor, patient_id, date_to=today, latest=RECENT_DIARY
    )
    context = {
        "today": today,
        "medications": medications,
        "scores": scores,
        "upcoming": upcoming,
        "recent_visits": list(reversed(recent)),
        "diary": diary_rows(diary, pack),
        "diary_days_28": overview.diary_days_last_28,
    }
    return render(request, "me.html.j2", context, viewer=viewer)
