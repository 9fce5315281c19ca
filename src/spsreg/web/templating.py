"""Rendering pages: one Jinja2 environment, the navigation of each role, and shared filters.

Templates live in ``web/templates`` and extend ``base.html.j2`` (skip link, navigation, main
landmark, the decision-support notice). Dates are shown as ISO 8601 (``2026-11-21``): never
ambiguous between day-first and month-first readers; doses and scores always carry their unit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from spsreg.store import Role
from spsreg.web.auth import Viewer

__all__ = ["NavItem", "home_path", "navigation", "render", "templates"]

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"

templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
# Every template is HTML: escape every value (select_autoescape would miss the .j2 suffix).
templates.env.autoescape = True
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


def _iso_date(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()


def _number(value: float | int | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}f}"


templates.env.filters["iso"] = _iso_date
templates.env.filters["num"] = _number

NavItem = tuple[str, str]
"""(link, label)"""

_NAVIGATION: Mapping[Role, tuple[NavItem, ...]] = {
    Role.CLINICIAN: (
        ("/dashboard", "Worklist"),
        ("/patients", "Patients"),
        ("/patients/new", "New patient"),
        ("/cohort", "Cohort"),
        ("/trials", "Trials"),
        ("/reports", "Reports"),
    ),
    Role.COORDINATOR: (
        ("/dashboard", "Worklist"),
        ("/patients", "Patients"),
        ("/patients/new", "New patient"),
        ("/cohort", "Cohort"),
        ("/trials", "Trials"),
        ("/reports", "Reports"),
    ),
    Role.ADMIN: (
        ("/dashboard", "Worklist"),
        ("/patients", "Patients"),
        ("/cohort", "Cohort"),
        ("/trials", "Trials"),
        ("/reports", "Reports"),
    ),
    Role.RESEARCHER: (("/cohort", "Cohort"), ("/trials", "Trials"), ("/reports", "Reports")),
    Role.PATIENT: (("/diary", "My diary"), ("/me", "My summary")),
}


def navigation(role: Role) -> tuple[NavItem, ...]:
    """The links shown to ``role`` (only pages that role may open)."""
    return _NAVIGATION.get(role, ())


def home_path(role: Role) -> str:
    """Where a person lands after logging in."""
    return navigation(role)[0][0] if navigation(role) else "/account/password"


def render(
    request: Request,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    viewer: Viewer | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The page ``template`` with the viewer, their navigation and CSRF token in its context."""
    values: dict[str, Any] = {
        "viewer": viewer,
        "nav": navigation(viewer.role) if viewer is not None else (),
        "csrf_token": viewer.csrf_token if viewer is not None else None,
        "current_path": request.url.path,
    }
    values.update(context or {})
    return templates.TemplateResponse(request, template, values, status_code=status_code)
