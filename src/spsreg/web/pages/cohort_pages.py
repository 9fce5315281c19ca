"""The cohort explorer pages: counts of patients as tables and bar charts, through sharing.

``GET /cohort`` shows the released count tables of :func:`spsreg.services.cohort_explorer.
explore_cohort` (exact for a site's own staff about their own site, disclosure-controlled for a
researcher or anything covering another site) with the policy line; ``GET
/cohort/figures/{name}.svg`` draws one table as a bar chart from the same released counts, never
from raw counts. Optional filters: ``phenotype``, ``site`` (a site's staff may only pick their
own), ``share`` (prepare the counts for sharing: controlled for anyone).
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from spsreg.knowledge.vocabulary import Phenotype
from spsreg.services.cohort_explorer import DIMENSIONS, NOT_RECORDED, CohortCounts, explore_cohort
from spsreg.store import NotFoundError, Registry, Role
from spsreg.web.auth import RegistryDep, SettingsDep, Viewer, require_roles
from spsreg.web.pages.cohort_figures import bar_chart_svg
from spsreg.web.security_headers import SVG_IMAGE_POLICY
from spsreg.web.templating import render

__all__ = [
    "COHORT_ROLES",
    "FIGURE_CSP",
    "CohortViewerDep",
    "cohort_counts",
    "phenotype_problem",
    "router",
]

router = APIRouter()

COHORT_ROLES = (Role.RESEARCHER, Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN)
CohortViewerDep = Annotated[
    Viewer, require_roles(*COHORT_ROLES, purpose="The cohort explorer (patient counts)")
]

FIGURE_CSP = SVG_IMAGE_POLICY
"""The policy of a figure served on its own: its own SVG styles, nothing else, no scripts."""

PHENOTYPE_CHOICES = [(p.value, p.value.replace("_", " ")) for p in Phenotype] + [
    (NOT_RECORDED, "not recorded")
]


def phenotype_problem(value: str | None) -> str | None:
    """Why ``value`` is not a phenotype choice (None when it is one, or empty)."""
    if not value or value in {key for key, _ in PHENOTYPE_CHOICES}:
        return None
    names = ", ".join(label for _, label in PHENOTYPE_CHOICES)
    return f"Choose a phenotype from the list ({names})."


def site_choices(registry: Registry, viewer: Viewer) -> list[str]:
    """The sites a viewer may filter on: their own only, or every registered site."""
    if viewer.actor.site_id is not None:
        return [viewer.actor.site_id]
    return [site.id for site in registry.list_sites(viewer.actor)]


def _query(phenotype: str | None, site: str | None, share: bool) -> str:
    pairs = [("phenotype", phenotype), ("site", site), ("share", "1" if share else None)]
    encoded = urlencode([(k, v) for k, v in pairs if v])
    return f"?{encoded}" if encoded else ""


def cohort_counts(
    registry: Registry,
    viewer: Viewer,
    day: date,
    phenotype: str | None,
    site: str | None,
    share: bool,
) -> CohortCounts:
    """The released counts of the explorer's question (filters already checked)."""
    return explore_cohort(
        registry, viewer.actor, as_of=day, phenotype=phenotype, site=site or None, share=share
    )


@router.get("/cohort", response_class=HTMLResponse)
def cohort_page(
    request: Request,
    viewer: CohortViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
    phenotype: Annotated[str | None, Query()] = None,
    site: Annotated[str | None, Query()] = None,
    share: Annotated[bool, Query()] = False,
) -> Response:
    """The cohort explorer page."""
    phenotype = phenotype or None
    site = site or None
    problem = phenotype_problem(phenotype)
    context: dict[str, Any] = {
        "phenotype": phenotype,
        "site": site,
        "share": share,
        "phenotypes": PHENOTYPE_CHOICES,
        "sites": site_choices(registry, viewer),
        "dimensions": DIMENSIONS,
        "phenotype_error": problem,
    }
    if problem is not None:
        return render(request, "cohort.html.j2", context, viewer=viewer, status_code=400)
    counts = cohort_counts(registry, viewer, settings.today(), phenotype, site, share)
    context.update(counts=counts, query=_query(phenotype, site, share))
    return render(request, "cohort.html.j2", context, viewer=viewer)


@router.get("/cohort/figures/{name}.svg")
def cohort_figure(
    viewer: CohortViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
    name: str,
    phenotype: Annotated[str | None, Query()] = None,
    site: Annotated[str | None, Query()] = None,
    share: Annotated[bool, Query()] = False,
) -> Response:
    """One count table of the explorer as a bar chart (SVG), from the released counts."""
    if name not in DIMENSIONS:
        raise NotFoundError(f"there is no cohort figure {name!r}")
    phenotype = phenotype or None
    problem = phenotype_problem(phenotype)
    if problem is not None:
        return Response(problem, status_code=400, media_type="text/plain")
    counts = cohort_counts(registry, viewer, settings.today(), phenotype, site or None, share)
    svg = bar_chart_svg(DIMENSIONS[name], counts.rows(name), exact=counts.exact)
    return Response(
        svg, media_type="image/svg+xml", headers={"Content-Security-Policy": FIGURE_CSP}
    )
