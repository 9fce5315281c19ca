"""The patient list (``/patients``), the patient page (``/patients/{id}``) and its timeline figure.

For site staff (their own site's patients, with name and hospital number) and administrators
(every site, without identifiers); researchers and patients are refused (403). The page shows the
same overview as ``GET /api/v1/patients/{id}``; the timeline is a separate SVG image drawn by
:func:`spsreg.reports.figures.patient_timeline` from the patient's analysis frames, with a text
alternative and the same facts as tables on the page.
"""

from __future__ import annotations

import io
from datetime import date
from urllib.parse import urlencode

import matplotlib
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from spsreg.domain import Phenotype
from spsreg.reports.figures import patient_timeline
from spsreg.services.analytics import load_cohort
from spsreg.services.monitoring import evaluate_patients
from spsreg.services.patient_overview import patient_page, site_monitoring_config
from spsreg.store import Role
from spsreg.web.api.patient_models import overview_out
from spsreg.web.api.patients_api import list_patients_page
from spsreg.web.api.worklist_api import worklist_cache_of
from spsreg.web.auth import RegistryDep, SettingsDep, StaffDep
from spsreg.web.pages.patient_forms_common import read_notice
from spsreg.web.templating import render

__all__ = ["PAGE_SIZE", "router"]

PAGE_SIZE = 50
"""Patients per page of the list."""

router = APIRouter()


def _phenotype(value: str | None) -> tuple[Phenotype | None, str | None]:
    if not value:
        return None, None
    try:
        return Phenotype(value), None
    except ValueError:
        known = ", ".join(p.value for p in Phenotype)
        return None, f"There is no phenotype {value!r}: choose one of {known}."


@router.get("/patients", response_class=HTMLResponse)
def patient_list(
    request: Request,
    viewer: StaffDep,
    registry: RegistryDep,
    q: str = "",
    phenotype: str = "",
    site: str = "",
    page: int = 1,
) -> HTMLResponse:
    q, page = q[:100], max(1, page)
    chosen, problem = _phenotype(phenotype)
    is_admin = viewer.role is Role.ADMIN
    listed = list_patients_page(
        registry,
        viewer,
        search=q.strip() or None,
        phenotype=chosen,
        site=(site or None) if is_admin else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-listed.total // PAGE_SIZE))

    def page_link(number: int) -> str:
        query = {"q": q, "phenotype": phenotype, "site": site if is_admin else "", "page": number}
        return "/patients?" + urlencode({k: v for k, v in query.items() if v not in ("", None)})

    return render(
        request,
        "patient_list.html.j2",
        {
            "listed": listed,
            "q": q,
            "phenotype": phenotype,
            "phenotypes": [p.value for p in Phenotype],
            "problem": problem,
            "site": site,
            "sites": registry.list_sites(viewer.actor) if is_admin else [],
            "show_identifiers": any(item.identifiers is not None for item in listed.items),
            "page": page,
            "pages": pages,
            "previous_link": page_link(page - 1) if page > 1 else None,
            "next_link": page_link(page + 1) if page < pages else None,
        },
        viewer=viewer,
    )


@router.get("/patients/{patient_id}", response_class=HTMLResponse)
def patient_overview_page(
    request: Request,
    patient_id: str,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> HTMLResponse:
    page = patient_page(
        registry,
        viewer.actor,
        patient_id,
        as_of=settings.today(),
        channel=viewer.channel,
        config=site_monitoring_config(settings.monitoring_config),
        worklist_cache=worklist_cache_of(request),
    )
    return render(
        request,
        "patient_page.html.j2",
        {
            "overview": overview_out(page),
            "may_edit": viewer.role is not Role.ADMIN,
            "notice": read_notice(request, viewer),
        },
        viewer=viewer,
    )


@router.get("/patients/{patient_id}/timeline.svg")
def patient_timeline_svg(
    patient_id: str, viewer: StaffDep, registry: RegistryDep, settings: SettingsDep
) -> Response:
    """The timeline figure (outcomes over treatments, adverse events, today's alerts) as SVG."""
    today = settings.today()
    loaded = load_cohort(registry, viewer.actor, as_of=today, patient_ids=[patient_id])
    alerts, *_ = evaluate_patients(
        registry,
        viewer.actor,
        today,
        patient_ids=[patient_id],
        config=site_monitoring_config(settings.monitoring_config),
    )
    marks: list[tuple[date, str]] = [(alert.due or today, alert.title) for alert in alerts]
    pseudonym = loaded.pseudonyms[patient_id]
    figure = patient_timeline(
        loaded.frames, patient_id, marks, title=f"{pseudonym}: outcomes and treatments"
    )
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "spsreg", "svg.fonttype": "path"}):
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": "spsreg"})
    return Response(
        buffer.getvalue(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "private, no-store"},
    )
