"""``/api/v1/worklist`` and alert decisions: the monitoring worklist of the caller's patients.

``GET /worklist`` lists the alerts most severe first (from the app's :class:`WorklistCache`, at
most ``WebSettings.worklist_refresh`` old); ``POST /alerts/{alert_id}/acknowledge`` and
``/snooze`` record a decision about one alert, typed back by its id (the start of its
fingerprint). Site staff and administrators only; an administrator reads every site (or one,
``site``) but records no decision (decisions are taken by staff of the patient's site).

The helpers here (the cache and configuration of the app, an alert's explanation, recording a
decision) are shared with the dashboard page.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import threading
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field, ValidationError

from spsreg.domain import AlertAcknowledgement
from spsreg.monitoring import Alert, SiteMonitoringConfig
from spsreg.monitoring.alerts import Fact, display
from spsreg.services.monitoring import (
    AlertLookupError,
    AmbiguousAlertError,
    WorklistEntry,
    acknowledge,
    load_site_config,
    snooze,
)
from spsreg.services.worklist_cache import WorklistCache
from spsreg.store import Actor, Registry, Role, Versioned
from spsreg.web.auth import Viewer, require_roles
from spsreg.web.errors import problem
from spsreg.web.settings import WebSettings

__all__ = [
    "AlertDecision",
    "WorklistItem",
    "WorklistPage",
    "WorklistReaderDep",
    "decision_problem",
    "explanation_of",
    "monitoring_config_of",
    "record_decision",
    "router",
    "start_warming",
    "worklist_cache_of",
]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["worklist"])

WorklistReaderDep = Annotated[
    Viewer,
    require_roles(Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN, purpose="The monitoring worklist"),
]
"""Site staff and administrators; researchers and patients are refused (403)."""

ERRORS: dict[int | str, dict[str, str]] = {
    401: {"description": "not logged in (no valid session or token)"},
    403: {"description": "not for this role, another site, or (decisions) an administrator"},
}


@functools.cache
def _load_config(path: Path) -> SiteMonitoringConfig:
    return load_site_config(path)


def monitoring_config_of(settings: WebSettings) -> SiteMonitoringConfig | None:
    """The site monitoring configuration of the app (read once), or None for the defaults."""
    return None if settings.monitoring_config is None else _load_config(settings.monitoring_config)


def worklist_cache_of(request: Request) -> WorklistCache:
    cache: WorklistCache = request.app.state.worklist_cache
    return cache


def start_warming(registry: Registry, settings: WebSettings, cache: WorklistCache) -> None:
    """Compute today's worklist of every site, and of all sites, in a background thread."""
    warmer = Actor("worklist-warmer", Role.SYSTEM)

    def warm() -> None:
        day = settings.today()
        config = monitoring_config_of(settings)
        try:
            for site in [None, *(s.id for s in registry.list_sites(warmer))]:
                cache.view(registry, warmer, day, site=site, config=config)
        except Exception:
            logger.exception("warming the worklist cache failed")

    threading.Thread(target=warm, name="worklist-warmer", daemon=True).start()


def explanation_of(alert: Alert) -> str:
    """Why the alert was raised, in one line: the data that triggered it."""
    return "; ".join(
        f"{name.replace('_', ' ')}: {display(value)}" for name, value in alert.rationale.items()
    )


class Source(BaseModel):
    """A citation behind the rule."""

    text: str = Field(description="the reference, e.g. an article or a drug label")
    url: str | None = Field(default=None, description="where to read it")


class SilencedBy(BaseModel):
    """The decision that keeps an alert quiet."""

    decision: Literal["acknowledge", "snooze"]
    reason: str
    by: str = Field(description="the user who decided")
    at: datetime
    until: date | None = Field(default=None, description="a snooze: shown again on this day")


class WorklistItem(BaseModel):
    """One alert on the worklist."""

    id: str = Field(description="the alert id to type back (start of the fingerprint)")
    fingerprint: str
    patient_id: str
    pseudonym: str
    site_id: str
    severity: str = Field(description="critical, high, moderate, low or info")
    rule_id: str
    rule_name: str
    message: str
    explanation: str = Field(description="the data that triggered the alert")
    rationale: dict[str, Fact]
    action: str = Field(description="what the rule suggests (decision support, not an order)")
    sources: list[Source]
    date: dt.date | None = Field(description="when action is due (None: no date)")
    silenced_by: SilencedBy | None = None


class WorklistPage(BaseModel):
    """A page of the worklist, most severe first."""

    as_of: date
    site: str | None = Field(description="the site listed (None: every site in your scope)")
    patients_evaluated: int
    total: int = Field(description="alerts listed in all (before limit and offset)")
    silenced_hidden: int = Field(description="alerts kept quiet by a decision and left out")
    offset: int
    limit: int
    entries: list[WorklistItem]


class AcknowledgeRequest(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, description="why (kept and audited)")


class SnoozeRequest(AcknowledgeRequest):
    until: date = Field(description="show the alert again on this day (YYYY-MM-DD)")


class AlertDecision(BaseModel):
    """A decision recorded about an alert."""

    id: str
    alert_id: str
    fingerprint: str
    patient_id: str
    rule_id: str
    decision: Literal["acknowledge", "snooze"]
    reason: str
    by: str
    at: datetime
    until: date | None
    version: int
    summary: str = Field(description="what was done, in words")


def silenced_of(decision: AlertAcknowledgement | None) -> SilencedBy | None:
    if decision is None:
        return None
    return SilencedBy(
        decision=decision.kind.value,
        reason=decision.reason,
        by=decision.acknowledged_by,
        at=decision.acknowledged_at,
        until=decision.snoozed_until,
    )


def item_of(entry: WorklistEntry, pseudonym: str) -> WorklistItem:
    alert = entry.alert
    return WorklistItem(
        id=entry.alert_id,
        fingerprint=alert.fingerprint,
        patient_id=alert.patient_id,
        pseudonym=pseudonym,
        site_id=alert.site_id,
        severity=alert.severity.value,
        rule_id=alert.rule_id,
        rule_name=alert.title,
        message=alert.message,
        explanation=explanation_of(alert),
        rationale=dict(alert.rationale),
        action=alert.action,
        sources=[Source(text=c.reference, url=c.url) for c in alert.citations],
        date=alert.due,
        silenced_by=silenced_of(entry.silenced_by),
    )


def record_decision(
    request: Request,
    viewer: Viewer,
    alert_id: str,
    as_of: date,
    *,
    reason: str,
    until: date | None = None,
) -> AlertDecision:
    """Find the alert in the viewer's worklist and record the decision (audited); lookup and store
    errors propagate (:func:`decision_problem` turns the lookups into answers)."""
    registry: Registry = request.app.state.registry
    settings: WebSettings = request.app.state.settings
    cache = worklist_cache_of(request)
    entry = cache.resolve(
        registry, viewer.actor, alert_id, as_of, config=monitoring_config_of(settings)
    )
    at = settings.clock()
    if until is None:
        saved = acknowledge(registry, viewer.actor, entry.alert, reason=reason, at=at)
    else:
        saved = snooze(registry, viewer.actor, entry.alert, until=until, reason=reason, at=at)
    cache.mark_stale()
    return _decision(entry, saved)


def _decision(entry: WorklistEntry, saved: Versioned[AlertAcknowledgement]) -> AlertDecision:
    decision = saved.record
    what = (
        "acknowledged: quiet until its data change"
        if decision.snoozed_until is None
        else f"snoozed: quiet until {decision.snoozed_until} (shown again on that day)"
    )
    return AlertDecision(
        id=decision.id,
        alert_id=entry.alert_id,
        fingerprint=decision.fingerprint,
        patient_id=decision.patient_id,
        rule_id=decision.rule_id,
        decision=decision.kind.value,
        reason=decision.reason,
        by=decision.acknowledged_by,
        at=decision.acknowledged_at,
        until=decision.snoozed_until,
        version=saved.version,
        summary=f"Alert {entry.alert_id} ({decision.rule_id}, {decision.patient_id}) {what}.",
    )


def decision_problem(request: Request, error: Exception) -> Response:
    """An alert id that names no alert (404), several (409), or a refused decision (422)."""
    if isinstance(error, AmbiguousAlertError):
        return problem(request, 409, "Ambiguous alert id", str(error))
    if isinstance(error, AlertLookupError):
        return problem(request, 404, "Not found", str(error))
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return problem(
            request, 422, "Decision refused", f"the decision was refused: {first['msg']}"
        )
    raise error


DECISION_ERRORS: dict[int | str, dict[str, str]] = {
    **ERRORS,
    404: {"description": "no alert with this id among your patients on that date"},
    409: {"description": "the id names several alerts: give more of its characters"},
    422: {"description": "a reason or date missing or refused"},
}


@router.get(
    "/worklist",
    response_model=WorklistPage,
    summary="The monitoring worklist, most severe first",
    responses=ERRORS,
)
def get_worklist(
    request: Request,
    viewer: WorklistReaderDep,
    site: Annotated[str | None, Query(description="one site (administrators)")] = None,
    include_silenced: Annotated[bool, Query(description="also list silenced alerts")] = False,
    as_of: Annotated[date | None, Query(description="the date evaluated (default today)")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000, description="alerts per page")] = 100,
) -> WorklistPage:
    settings: WebSettings = request.app.state.settings
    view = worklist_cache_of(request).view(
        request.app.state.registry,
        viewer.actor,
        as_of or settings.today(),
        site=site,
        config=monitoring_config_of(settings),
        include_silenced=include_silenced,
    )
    listed = view.worklist
    return WorklistPage(
        as_of=listed.as_of,
        site=site or viewer.actor.site_id,
        patients_evaluated=listed.patients_evaluated,
        total=len(listed.entries),
        silenced_hidden=listed.silenced_hidden,
        offset=offset,
        limit=limit,
        entries=[
            item_of(entry, view.pseudonym_of(entry.alert.patient_id))
            for entry in listed.entries[offset : offset + limit]
        ],
    )


def _decision_reply(
    request: Request,
    viewer: Viewer,
    alert_id: str,
    as_of: date | None,
    *,
    reason: str,
    until: date | None = None,
) -> AlertDecision | Response:
    """Record an acknowledgement (or, with ``until``, a snooze) of the alert listed on ``as_of``
    (default today) and answer with it, or with the problem when it cannot be recorded."""
    settings: WebSettings = request.app.state.settings
    try:
        return record_decision(
            request, viewer, alert_id, as_of or settings.today(), reason=reason, until=until
        )
    except (AlertLookupError, ValidationError) as error:
        return decision_problem(request, error)


AsOfQuery = Annotated[
    date | None, Query(description="the date the alert was listed on (default today)")
]


@router.post(
    "/alerts/{alert_id}/acknowledge",
    response_model=AlertDecision,
    summary="Acknowledge an alert: quiet until the data behind it change (audited)",
    responses=DECISION_ERRORS,
)
def acknowledge_alert(
    request: Request,
    viewer: WorklistReaderDep,
    alert_id: str,
    body: Annotated[AcknowledgeRequest, Body()],
    as_of: AsOfQuery = None,
) -> AlertDecision | Response:
    return _decision_reply(request, viewer, alert_id, as_of, reason=body.reason)


@router.post(
    "/alerts/{alert_id}/snooze",
    response_model=AlertDecision,
    summary="Snooze an alert's rule for its patient until a date (audited)",
    responses=DECISION_ERRORS,
)
def snooze_alert(
    request: Request,
    viewer: WorklistReaderDep,
    alert_id: str,
    body: Annotated[SnoozeRequest, Body()],
    as_of: AsOfQuery = None,
) -> AlertDecision | Response:
    return _decision_reply(request, viewer, alert_id, as_of, reason=body.reason, until=body.until)
