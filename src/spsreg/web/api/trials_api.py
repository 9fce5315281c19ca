"""Trials in the REST API: the stored trials, a site's screening list, feasibility counts.

``GET /api/v1/trials`` (staff and researchers), ``GET /api/v1/trials/{nct_id}/screening``
(clinicians and coordinators: their own site's patients, scoped by the store) and ``GET
/api/v1/trials/{nct_id}/feasibility`` (counts per site and status through the sharing service,
with the ``disclosure_control`` metadata; never a patient row).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from spsreg.services.trial_overview import feasibility_for, trial_summaries
from spsreg.services.trial_screening import screen_trial
from spsreg.web.auth import RegistryDep, SettingsDep
from spsreg.web.pages.trial_pages import ScreeningViewerDep, TrialViewerDep

__all__ = ["FeasibilityCounts", "ScreeningList", "TrialItem", "router"]

router = APIRouter(tags=["trials"])


class Problem(BaseModel):
    status: int
    title: str
    detail: str


class TrialItem(BaseModel):
    nct_id: str
    title: str = Field(description="the brief title")
    status: str | None = Field(description="overall recruitment status")
    phases: list[str]
    criteria_version: int | None = Field(description="attached criteria version; null if none")


class ScreenedPatientItem(BaseModel):
    patient_id: str
    site_id: str
    status: str = Field(description="eligible, not_contactable, ineligible or undetermined")
    contactable: bool
    failed_criterion: str | None = Field(description="the first failed criterion's label")
    missing: list[str] = Field(description="the data missing for an undetermined patient")


class ScreeningList(BaseModel):
    nct_id: str
    criteria_version: int
    as_of: date
    patients: list[ScreenedPatientItem]


class FeasibilityRow(BaseModel):
    site: str
    counts: dict[str, int | None] = Field(description="patients per status; null if suppressed")
    total: int | None


class FeasibilityCounts(BaseModel):
    nct_id: str
    criteria_version: int
    as_of: date
    policy: str = Field(description="how the counts were released, in one line")
    sites: list[FeasibilityRow]
    status_totals: dict[str, int | None]
    total: int | None
    disclosure_control: dict[str, Any]


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "not logged in"},
    403: {"model": Problem, "description": "not available to this role"},
    404: {"model": Problem, "description": "no such trial, or no criteria attached"},
}


@router.get(
    "/trials",
    response_model=list[TrialItem],
    summary="The stored trial records",
    responses={k: v for k, v in _ERRORS.items() if k != 404},
)
def list_trials(viewer: TrialViewerDep, registry: RegistryDep) -> list[TrialItem]:
    """Every stored trial with whether structured criteria are attached."""
    return [
        TrialItem(
            nct_id=s.trial.record.nct_id,
            title=s.trial.record.brief_title,
            status=None
            if s.trial.record.overall_status is None
            else s.trial.record.overall_status.value,
            phases=[str(p) for p in s.trial.record.phases],
            criteria_version=s.criteria_version,
        )
        for s in trial_summaries(registry, viewer.actor)
    ]


@router.get(
    "/trials/{nct_id}/screening",
    response_model=ScreeningList,
    summary="Screen the viewer's site's patients against a trial's criteria",
    responses=_ERRORS,
)
def trial_screening(
    nct_id: str, viewer: ScreeningViewerDep, registry: RegistryDep, settings: SettingsDep
) -> ScreeningList:
    """Every patient of the viewer's site, screened today (site staff only)."""
    screened = screen_trial(registry, viewer.actor, nct_id, as_of=settings.today())
    return ScreeningList(
        nct_id=nct_id,
        criteria_version=screened.criteria_version,
        as_of=screened.screening.as_of,
        patients=[
            ScreenedPatientItem(
                patient_id=p.patient_id,
                site_id=p.site_id,
                status=p.status.value,
                contactable=p.contactable,
                failed_criterion=None if p.failed is None else p.failed.label,
                missing=list(p.missing),
            )
            for p in screened.screening.patients
        ],
    )


@router.get(
    "/trials/{nct_id}/feasibility",
    response_model=FeasibilityCounts,
    summary="Patients per site and screening status, through disclosure control",
    responses=_ERRORS,
)
def trial_feasibility_counts(
    nct_id: str,
    viewer: TrialViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
    share: Annotated[bool, Query(description="prepare for sharing: controlled")] = False,
) -> FeasibilityCounts:
    """Counts only: exact for own-site staff (or the administrator), controlled otherwise."""
    feasibility = feasibility_for(
        registry, viewer.actor, nct_id, as_of=settings.today(), share=share
    )
    table = feasibility.table
    columns = [str(c) for c in table.column_labels]
    return FeasibilityCounts(
        nct_id=nct_id,
        criteria_version=feasibility.criteria_version,
        as_of=feasibility.as_of,
        policy=feasibility.sharing.policy_line(),
        sites=[
            FeasibilityRow(
                site=str(label), counts=dict(zip(columns, cells, strict=True)), total=total
            )
            for label, cells, total in zip(
                table.row_labels, table.cells, table.row_totals, strict=True
            )
        ],
        status_totals=dict(zip(columns, table.column_totals, strict=True)),
        total=table.grand_total,
        disclosure_control=feasibility.metadata()["disclosure_control"],
    )
