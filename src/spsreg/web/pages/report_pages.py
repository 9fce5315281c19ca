"""Report pages: what each role may produce, the case report and the cohort report, with download.

* ``GET /reports``: the reports open to the viewer's role.
* ``GET /reports/case/{patient_id}``: the de-identified CARE-style case report of one patient, for
  staff whose scope holds the patient (another site's patient is 404, as if missing; researchers
  403); ``?download=html|md|pdf`` returns the file as an attachment.
* ``GET /reports/cohort``: the case series of a cohort (optional ``therapy``, ``phenotype``,
  ``site``, ``share``): exact for a site's own staff about their own site (and the administrator
  inside the registry), the shared, disclosure-controlled report for researchers, anything
  covering another site, or when marked for sharing; ``?download=html|md|pdf``.

In the app the report's sections are rendered with the app's own templates (no inline style, so
the strict CSP stays as it is for every page) and its figures are separate image endpoints. The
downloaded HTML is the self-contained document of :mod:`spsreg.reports.render` (inline <style>,
inline SVG), served as an attachment with its own policy: its inline style, no script at all.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from spsreg.analysis.cohort import CohortFilter
from spsreg.knowledge.vocabulary import Phenotype
from spsreg.reports.case_report import build_case_report
from spsreg.reports.cohort_report import build_cohort_report
from spsreg.reports.render import (
    FigureBlock,
    ReportDocument,
    render_html,
    render_markdown,
    write_pdf,
)
from spsreg.services.analytics import cohort_analysis, patient_analysis
from spsreg.services.cohort_release import release_cohort
from spsreg.services.sharing import sharing_for
from spsreg.store import NotFoundError, Registry, Role
from spsreg.web.auth import RegistryDep, SettingsDep, Viewer, require_roles
from spsreg.web.pages.cohort_pages import FIGURE_CSP
from spsreg.web.templating import render

__all__ = ["DOWNLOAD_CSP", "router"]

router = APIRouter()

ReportViewerDep = Annotated[
    Viewer,
    require_roles(Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN, Role.RESEARCHER, purpose="Reports"),
]
CaseViewerDep = Annotated[
    Viewer,
    require_roles(
        Role.CLINICIAN,
        Role.COORDINATOR,
        Role.ADMIN,
        purpose="A case report describes one patient",
    ),
]
Download = Literal["html", "md", "pdf"]

DOWNLOAD_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox"
"""The downloaded report's own policy: its inline style and inline figures, never a script."""

_MEDIA = {
    "html": "text/html; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "pdf": "application/pdf",
}


@router.get("/reports", response_class=HTMLResponse)
def reports_index(request: Request, viewer: ReportViewerDep) -> Response:
    """The reports the viewer's role may produce."""
    return render(request, "reports.html.j2", {}, viewer=viewer)


def _case_document(
    registry: Registry, viewer: Viewer, patient_id: str, day: object
) -> ReportDocument:
    from datetime import date

    assert isinstance(day, date)
    analysis = patient_analysis(registry, viewer.actor, patient_id, as_of=day, with_alerts=True)
    return build_case_report(
        analysis.frames,
        analysis.patient_id,
        analysis.pseudonym,
        analysis.responses,
        settings=analysis.settings,
        alerts=[(day, alert.title) for alert in analysis.alerts],
    )


def _download(document: ReportDocument, fmt: Download, stem: str, figure_base: str) -> Response:
    """The document as an attachment in ``fmt``."""
    filename = f"{stem}.{fmt}"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Security-Policy": DOWNLOAD_CSP,
    }
    if fmt == "html":
        content: bytes = render_html(document).encode("utf-8")
    elif fmt == "md":
        links = {f.name: f"{figure_base}/{f.name}.png" for f in document.figures}
        content = render_markdown(document, links).encode("utf-8")
    else:
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / filename
            write_pdf(document, path)
            content = path.read_bytes()
    return Response(content, media_type=_MEDIA[fmt], headers=headers)


def _figure(document: ReportDocument, name: str, suffix: str) -> Response:
    found: list[FigureBlock] = [f for f in document.figures if f.name == name]
    if not found or suffix not in ("svg", "png"):
        raise NotFoundError(f"this report has no figure {name!r}")
    headers = {"Content-Security-Policy": FIGURE_CSP}
    if suffix == "png":
        return Response(found[0].png, media_type="image/png", headers=headers)
    return Response(found[0].svg, media_type="image/svg+xml", headers=headers)


@router.get("/reports/case/{patient_id}", response_class=HTMLResponse)
def case_report_page(
    request: Request,
    patient_id: str,
    viewer: CaseViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
    download: Annotated[Download | None, Query()] = None,
) -> Response:
    """The case report of one patient in scope, in the app or as a download."""
    document = _case_document(registry, viewer, patient_id, settings.today())
    base = f"/reports/case/{patient_id}/figures"
    if download is not None:
        absolute = str(request.base_url).rstrip("/") + base
        return _download(document, download, _safe(f"case-report-{patient_id}"), absolute)
    context = {
        "document": document,
        "figure_base": base,
        "figure_query": "",
        "downloads": f"/reports/case/{patient_id}?",
    }
    return render(request, "report_view.html.j2", context, viewer=viewer)


@router.get("/reports/case/{patient_id}/figures/{name}.{suffix}")
def case_report_figure(
    patient_id: str,
    name: str,
    suffix: str,
    viewer: CaseViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
) -> Response:
    """One figure of the case report (SVG or PNG)."""
    return _figure(_case_document(registry, viewer, patient_id, settings.today()), name, suffix)


def _cohort_document(
    registry: Registry,
    viewer: Viewer,
    day: object,
    therapy: list[str],
    phenotype: Phenotype | None,
    site: str | None,
    share: bool,
) -> ReportDocument:
    from datetime import date

    assert isinstance(day, date)
    chosen = CohortFilter(phenotypes=(phenotype,) if phenotype else ())
    analysis = cohort_analysis(
        registry, viewer.actor, as_of=day, cohort_filter=chosen, site=site, therapies=therapy
    )
    sites = {str(s) for s in analysis.frames.patients["site_id"]} | ({site} if site else set())
    release = release_cohort(analysis, sharing_for(viewer.actor, sites, share=share))
    return build_cohort_report(analysis, release=release)


@router.get("/reports/cohort", response_class=HTMLResponse)
def cohort_report_page(
    request: Request,
    viewer: ReportViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
    therapy: Annotated[list[str] | None, Query()] = None,
    phenotype: Annotated[Phenotype | None, Query()] = None,
    site: Annotated[str | None, Query()] = None,
    share: Annotated[bool, Query()] = False,
    download: Annotated[Download | None, Query()] = None,
) -> Response:
    """The cohort report (case series), in the app or as a download."""
    therapies = [t for t in (therapy or []) if t]
    document = _cohort_document(
        registry, viewer, settings.today(), therapies, phenotype, site or None, share
    )
    query = request.url.query
    base = "/reports/cohort/figures"
    kept = "&".join(p for p in query.split("&") if p and not p.startswith("download="))
    if download is not None:
        absolute = str(request.base_url).rstrip("/") + base
        return _download(document, download, "cohort-report", absolute)
    context = {
        "document": document,
        "figure_base": base,
        "figure_query": f"?{kept}" if kept else "",
        "downloads": "/reports/cohort" + (f"?{kept}&" if kept else "?"),
    }
    return render(request, "report_view.html.j2", context, viewer=viewer)


@router.get("/reports/cohort/figures/{name}.{suffix}")
def cohort_report_figure(
    name: str,
    suffix: str,
    viewer: ReportViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
    therapy: Annotated[list[str] | None, Query()] = None,
    phenotype: Annotated[Phenotype | None, Query()] = None,
    site: Annotated[str | None, Query()] = None,
    share: Annotated[bool, Query()] = False,
) -> Response:
    """One figure of the cohort report (only an exact report has per-patient figures)."""
    therapies = [t for t in (therapy or []) if t]
    document = _cohort_document(
        registry, viewer, settings.today(), therapies, phenotype, site or None, share
    )
    return _figure(document, name, suffix)


def _safe(stem: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "-" for c in stem)
