"""``GET /api/v1/patients`` (search, filter, page) and ``GET /api/v1/patients/{id}`` (overview).

For site staff (their own site's patients, with identifiers) and administrators (every site,
never identifiers). Researchers and patients get 403: researchers see de-identified aggregates
only, patients their own summary on ``/me``. Another site's patient is 404, like a missing one.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from spsreg.domain import Phenotype
from spsreg.services.patient_overview import patient_page, site_monitoring_config
from spsreg.store import Registry
from spsreg.web.api.patient_models import (
    PatientListOut,
    PatientOverviewOut,
    list_item,
    overview_out,
)
from spsreg.web.auth import RegistryDep, SettingsDep, StaffDep, Viewer

__all__ = ["MAX_LIMIT", "list_patients_page", "router"]

MAX_LIMIT = 500
"""The most patients one API call returns."""

router = APIRouter(tags=["patients"])

_ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "Not logged in: no valid API token or session"},
    403: {"description": "Not for this role (researchers and patients), or outside your site"},
}


def list_patients_page(
    registry: Registry,
    viewer: Viewer,
    *,
    search: str | None,
    phenotype: Phenotype | None,
    site: str | None,
    limit: int,
    offset: int,
) -> PatientListOut:
    """One page of the patients in the viewer's scope, ordered by pseudonym; identifiers only
    for staff of the patient's own site (each read is access-logged by the store)."""
    found = registry.list_patients(
        viewer.actor, site_id=site, phenotype=phenotype, search=search, channel=viewer.channel
    )
    shown = found[offset : offset + limit]
    identifiers = registry.identifiers_of(
        viewer.actor, [summary.patient_id for summary in shown], channel=viewer.channel
    )
    items = [list_item(summary, identifiers.get(summary.patient_id)) for summary in shown]
    return PatientListOut(items=items, total=len(found), limit=limit, offset=offset)


@router.get(
    "/patients",
    response_model=PatientListOut,
    summary="List and search the patients you may see",
    responses=_ERRORS,
)
def api_list_patients(
    viewer: StaffDep,
    registry: RegistryDep,
    search: Annotated[
        str | None,
        Query(
            max_length=100,
            description="part of a pseudonym or patient id; site staff also find their own "
            "patients by name or hospital number",
        ),
    ] = None,
    phenotype: Annotated[Phenotype | None, Query(description="only this phenotype")] = None,
    site: Annotated[
        str | None, Query(max_length=64, description="only this site (administrators)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="patients per page")] = 50,
    offset: Annotated[int, Query(ge=0, description="patients to skip")] = 0,
) -> PatientListOut:
    """Patients in your scope ordered by pseudonym, ``limit`` from ``offset``, with the total."""
    return list_patients_page(
        registry,
        viewer,
        search=search,
        phenotype=phenotype,
        site=site,
        limit=limit,
        offset=offset,
    )


@router.get(
    "/patients/{patient_id}",
    response_model=PatientOverviewOut,
    summary="One patient's overview (as the patient page shows it)",
    responses={**_ERRORS, 404: {"description": "No such patient in your scope"}},
)
def api_patient_overview(
    request: Request,
    patient_id: str,
    viewer: StaffDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> PatientOverviewOut:
    """Header, antibody status, latest scores, active medications, current alerts with their
    explanation and sources, adverse events and the recent diary, on the server's today."""
    page = patient_page(
        registry,
        viewer.actor,
        patient_id,
        as_of=settings.today(),
        channel=viewer.channel,
        config=site_monitoring_config(settings.monitoring_config),
        worklist_cache=request.app.state.worklist_cache,
    )
    return overview_out(page)
