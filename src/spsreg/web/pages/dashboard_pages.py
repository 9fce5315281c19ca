"""``/dashboard``: the site worklist, with forms to acknowledge or snooze each alert.

Alerts come from the app's worklist cache (as ``GET /api/v1/worklist``), most severe first, a
page of :data:`PAGE_SIZE` at a time. Each row has two forms posting to
``/alerts/{alert_id}/acknowledge`` (a reason) and ``/alerts/{alert_id}/snooze`` (a date and a
reason); success redirects back (303) with a notice naming what was done, a missing or refused
field re-renders the page with the message by the field and what was typed kept. Administrators
see every site (a site picker) but decisions are for staff of the patient's site.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from spsreg.services.monitoring import AlertLookupError, AmbiguousAlertError
from spsreg.services.worklist_cache import WorklistView
from spsreg.store import Registry, Role
from spsreg.web.api.worklist_api import (
    WorklistReaderDep,
    explanation_of,
    monitoring_config_of,
    record_decision,
    worklist_cache_of,
)
from spsreg.web.auth import Viewer
from spsreg.web.settings import WebSettings
from spsreg.web.templating import render

__all__ = ["PAGE_SIZE", "router"]

router = APIRouter()

PAGE_SIZE = 100
"""Alerts per page of the dashboard."""

_ALERT_ID = re.compile(r"^[0-9a-f]{6,32}$")
_PLAIN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def _notice(
    view: WorklistView,
    done: str | None,
    alert: str | None,
    patient: str | None,
    rule: str | None,
    until: str | None,
) -> str | None:
    """The sentence naming the decision just recorded (built from checked values only)."""
    if done not in ("acknowledged", "snoozed") or alert is None or not _ALERT_ID.match(alert):
        return None
    who = ""
    if patient is not None and patient in view.pseudonyms:
        who = f" for {view.pseudonyms[patient]}"
    what = f" ({rule})" if rule is not None and _PLAIN_ID.match(rule) else ""
    if done == "acknowledged":
        return f"Alert {alert}{what}{who} acknowledged: quiet until its data change."
    try:
        day = date.fromisoformat(until or "")
    except ValueError:
        return None
    return f"Alert {alert}{what}{who} snoozed: quiet until {day.isoformat()} (shown again on that day)."


def _dashboard(
    request: Request,
    viewer: Viewer,
    *,
    site: str | None,
    include_silenced: bool,
    page: int,
    notice_of: dict[str, str | None] | None = None,
    errors: dict[str, str] | None = None,
    error: str | None = None,
    typed: dict[str, Any] | None = None,
    open_row: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    registry: Registry = request.app.state.registry
    settings: WebSettings = request.app.state.settings
    today = settings.today()
    view = worklist_cache_of(request).view(
        registry,
        viewer.actor,
        today,
        site=site,
        config=monitoring_config_of(settings),
        include_silenced=include_silenced,
    )
    listed = view.worklist
    pages = max(1, -(-len(listed.entries) // PAGE_SIZE))
    page = min(max(page, 1), pages)
    shown = listed.entries[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]
    rows = [
        {
            "entry": entry,
            "alert": entry.alert,
            "pseudonym": view.pseudonym_of(entry.alert.patient_id),
            "explanation": explanation_of(entry.alert),
        }
        for entry in shown
    ]
    sites = registry.list_sites(viewer.actor) if viewer.role is Role.ADMIN else []

    def link(**changes: object) -> str:
        query: dict[str, object] = {"site": site, "include_silenced": int(include_silenced)}
        query.update(changes)
        kept = {k: v for k, v in query.items() if v not in (None, 0, "")}
        return "/dashboard" + (f"?{urlencode(kept)}" if kept else "")

    notice = _notice(view, **notice_of) if notice_of else None
    return render(
        request,
        "dashboard.html.j2",
        {
            "listed": listed,
            "rows": rows,
            "today": today,
            "tomorrow": today + timedelta(days=1),
            "site": site,
            "sites": sites,
            "include_silenced": include_silenced,
            "may_decide": viewer.actor.site_id is not None,
            "page": page,
            "pages": pages,
            "first": (page - 1) * PAGE_SIZE + 1,
            "previous_link": link(page=page - 1) if page > 1 else None,
            "next_link": link(page=page + 1) if page < pages else None,
            "silenced_link": link(include_silenced=1, page=None),
            "unsilenced_link": link(include_silenced=0, page=None),
            "notice": notice,
            "errors": errors or {},
            "error": error,
            "typed": typed or {},
            "open_row": open_row,
        },
        viewer=viewer,
        status_code=status_code,
    )


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request,
    viewer: WorklistReaderDep,
    site: Annotated[str | None, Query()] = None,
    include_silenced: Annotated[bool, Query()] = False,
    page: Annotated[int, Query()] = 1,
    done: Annotated[str | None, Query()] = None,
    alert: Annotated[str | None, Query()] = None,
    patient: Annotated[str | None, Query()] = None,
    rule: Annotated[str | None, Query()] = None,
    until: Annotated[str | None, Query()] = None,
) -> HTMLResponse:
    """The worklist of the viewer's patients today (an administrator: every site, or one)."""
    return _dashboard(
        request,
        viewer,
        site=site or None,
        include_silenced=include_silenced,
        page=page,
        notice_of={"done": done, "alert": alert, "patient": patient, "rule": rule, "until": until},
    )


def _decide(
    request: Request,
    viewer: Viewer,
    alert_id: str,
    *,
    kind: str,
    reason: str,
    until_text: str | None,
    include_silenced: bool,
    page: int,
) -> Response:
    settings: WebSettings = request.app.state.settings
    today = settings.today()
    prefix = "ack" if kind == "acknowledged" else "snooze"
    errors: dict[str, str] = {}
    reason = reason.strip()
    if not reason:
        errors[f"{prefix}-reason-{alert_id}"] = "Enter a reason: it is kept with the decision."
    until: date | None = None
    if kind == "snoozed":
        try:
            until = date.fromisoformat((until_text or "").strip())
        except ValueError:
            errors[f"snooze-until-{alert_id}"] = "Enter a date as YYYY-MM-DD."
        else:
            if until <= today:
                errors[f"snooze-until-{alert_id}"] = (
                    f"Enter a day after {today.isoformat()}: the alert is shown again on that day."
                )
    typed = {f"{prefix}-reason-{alert_id}": reason, f"snooze-until-{alert_id}": until_text}

    def again(status: int, **extra: Any) -> HTMLResponse:
        return _dashboard(
            request,
            viewer,
            site=None,
            include_silenced=include_silenced,
            page=page,
            typed=typed,
            open_row=alert_id,
            status_code=status,
            **extra,
        )

    if errors:
        return again(400, errors=errors, error="The decision was not recorded: see below.")
    try:
        decision = record_decision(request, viewer, alert_id, today, reason=reason, until=until)
    except AmbiguousAlertError as refused:
        return again(409, error=str(refused))
    except AlertLookupError as refused:
        return again(404, error=str(refused))
    except ValidationError as refused:
        message = f"The decision was refused: {refused.errors()[0]['msg']}"
        return again(400, errors={f"{prefix}-reason-{alert_id}": message}, error=message)
    query = {
        "done": kind,
        "alert": decision.alert_id,
        "patient": decision.patient_id,
        "rule": decision.rule_id,
        **({"until": decision.until.isoformat()} if decision.until else {}),
    }
    return RedirectResponse(f"/dashboard?{urlencode(query)}", status_code=303)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge_form(
    request: Request,
    viewer: WorklistReaderDep,
    alert_id: str,
    reason: Annotated[str, Form()] = "",
    include_silenced: Annotated[bool, Form()] = False,
    page: Annotated[int, Form()] = 1,
) -> Response:
    """Acknowledge an alert (quiet until its data change), then back to the worklist."""
    return _decide(
        request,
        viewer,
        alert_id,
        kind="acknowledged",
        reason=reason,
        until_text=None,
        include_silenced=include_silenced,
        page=page,
    )


@router.post("/alerts/{alert_id}/snooze")
def snooze_form(
    request: Request,
    viewer: WorklistReaderDep,
    alert_id: str,
    reason: Annotated[str, Form()] = "",
    until: Annotated[str, Form()] = "",
    include_silenced: Annotated[bool, Form()] = False,
    page: Annotated[int, Form()] = 1,
) -> Response:
    """Snooze an alert until a date, then back to the worklist."""
    return _decide(
        request,
        viewer,
        alert_id,
        kind="snoozed",
        reason=reason,
        until_text=until,
        include_silenced=include_silenced,
        page=page,
    )
