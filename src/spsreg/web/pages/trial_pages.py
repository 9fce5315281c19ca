"""Trial pages: the stored trials, one trial's details, its screening (site staff) and its
feasibility counts (through sharing).

* ``GET /trials``: every stored trial (NCT number, title, status, phases, criteria attached);
  for staff and researchers.
* ``GET /trials/{nct_id}``: details and the eligibility text as registered.
* ``GET /trials/{nct_id}/screening``: a clinician's or coordinator's own site's patients sorted
  into eligible / not contactable / ineligible (first failed criterion) / undetermined (missing
  data), by :func:`spsreg.services.trial_screening.screen_trial` (scoped by the store).
* ``GET /trials/{nct_id}/feasibility``: the site x status counts, exact only for own-site staff
  (or the administrator inside the registry), disclosure-controlled otherwise, with the policy.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from spsreg.services.trial_overview import feasibility_for, trial_summaries
from spsreg.services.trial_screening import screen_trial
from spsreg.store import NotFoundError, Role
from spsreg.trials.screening import ScreeningStatus
from spsreg.web.auth import RegistryDep, SettingsDep, Viewer, require_roles
from spsreg.web.templating import render

__all__ = ["ScreeningViewerDep", "TrialViewerDep", "router"]

router = APIRouter()

TrialViewerDep = Annotated[
    Viewer,
    require_roles(
        Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN, Role.RESEARCHER, purpose="Trial records"
    ),
]
ScreeningViewerDep = Annotated[
    Viewer,
    require_roles(
        Role.CLINICIAN,
        Role.COORDINATOR,
        purpose="Trial screening lists a site's own patients",
    ),
]

STATUS_HEADINGS = {
    ScreeningStatus.ELIGIBLE: "Eligible",
    ScreeningStatus.NOT_CONTACTABLE: "Eligible but not contactable (no consent to be contacted)",
    ScreeningStatus.INELIGIBLE: "Ineligible (first failed criterion)",
    ScreeningStatus.UNDETERMINED: "Undetermined (missing data)",
}


@router.get("/trials", response_class=HTMLResponse)
def trials_page(request: Request, viewer: TrialViewerDep, registry: RegistryDep) -> Response:
    """The stored trials."""
    summaries = trial_summaries(registry, viewer.actor)
    return render(request, "trials.html.j2", {"summaries": summaries}, viewer=viewer)


@router.get("/trials/{nct_id}", response_class=HTMLResponse)
def trial_page(
    request: Request, nct_id: str, viewer: TrialViewerDep, registry: RegistryDep
) -> Response:
    """One trial: its registration details and eligibility text."""
    stored = registry.get_trial(viewer.actor, nct_id)
    try:
        criteria_version: int | None = registry.get_trial_criteria(viewer.actor, nct_id).version
    except NotFoundError:
        criteria_version = None
    context = {"trial": stored.record, "criteria_version": criteria_version}
    return render(request, "trial.html.j2", context, viewer=viewer)


@router.get("/trials/{nct_id}/screening", response_class=HTMLResponse)
def screening_page(
    request: Request,
    nct_id: str,
    viewer: ScreeningViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> Response:
    """The viewer's site's patients screened against the trial's criteria today."""
    screened = screen_trial(registry, viewer.actor, nct_id, as_of=settings.today())
    groups = [
        (status, heading, screened.screening.with_status(status))
        for status, heading in STATUS_HEADINGS.items()
    ]
    context = {
        "screened": screened,
        "groups": groups,
        "trial": registry.get_trial(viewer.actor, nct_id).record,
    }
    return render(request, "trial_screening.html.j2", context, viewer=viewer)


@router.get("/trials/{nct_id}/feasibility", response_class=HTMLResponse)
def feasibility_page(
    request: Request,
    nct_id: str,
    viewer: TrialViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
    share: Annotated[bool, Query()] = False,
) -> Response:
    """How many patients per site would screen into each status (counts only)."""
    feasibility = feasibility_for(
        registry, viewer.actor, nct_id, as_of=settings.today(), share=share
    )
    context = {
        "feasibility": feasibility,
        "trial": registry.get_trial(viewer.actor, nct_id).record,
        "share": share,
    }
    return render(request, "trial_feasibility.html.j2", context, viewer=viewer)
