"""Pieces the clinical data-entry forms share: reading a posted form, new record ids, the site's
monitoring settings, knowledge-pack checks of one entered record, and the signed notice a form
leaves for the patient page after post/redirect/get.

The notice travels in the redirect's query (``?notice=...&sig=...``), signed with the session's
CSRF token, so a link made by someone else cannot put words on a patient page:
:func:`read_notice` returns the text only when the signature is this session's.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping, Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import ValidationError

from spsreg.domain.patient import Patient
from spsreg.domain.record import PatientRecord
from spsreg.domain.record_checks import check_patient_record
from spsreg.domain.validation import ValidationIssue
from spsreg.knowledge import load_knowledge_pack
from spsreg.monitoring import SiteMonitoringConfig
from spsreg.services.monitoring import WorklistEntry, load_site_config
from spsreg.store import RecordKind, Registry
from spsreg.web.auth import Viewer
from spsreg.web.form_errors import FORM_KEY, field_messages, issue_messages
from spsreg.web.settings import WebSettings
from spsreg.web.templating import render

__all__ = [
    "FORM_KEY",
    "SAVE_REASON",
    "FormPairs",
    "alerts_notice",
    "entry_form",
    "entry_problems",
    "item_issues",
    "monitoring_config",
    "multiple",
    "new_id",
    "notice_location",
    "patient_of",
    "read_notice",
    "saved_redirect",
    "single",
    "store_refusal",
    "with_item",
]

SAVE_REASON = "entered in the web form"


async def _form_pairs(request: Request) -> list[tuple[str, str]]:
    form = await request.form()
    return [(key, value) for key, value in form.multi_items() if isinstance(value, str)]


FormPairs = Annotated[list[tuple[str, str]], Depends(_form_pairs)]
"""The posted form's text fields, in order (a key may repeat)."""


def single(pairs: Sequence[tuple[str, str]]) -> dict[str, str]:
    """Each field's first value, stripped (the CSRF token left out)."""
    values: dict[str, str] = {}
    for key, value in pairs:
        if key != "csrf_token":
            values.setdefault(key, value.strip())
    return values


def multiple(pairs: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [value.strip() for key, value in pairs if key == name and value.strip()]


def new_id(prefix: str) -> str:
    """A new record id, e.g. ``course-3f9a1c7e5b2d``."""
    return f"{prefix}-{secrets.token_hex(6)}"


@lru_cache(maxsize=8)
def _site_config(path: Path) -> SiteMonitoringConfig:
    return load_site_config(path)


def monitoring_config(settings: WebSettings) -> SiteMonitoringConfig | None:
    """The site's monitoring settings (the shipped defaults when none is configured)."""
    return _site_config(settings.monitoring_config) if settings.monitoring_config else None


def patient_of(registry: Registry, viewer: Viewer, patient_id: str) -> Patient:
    """The patient (no identifiers); :class:`NotFoundError` outside the viewer's scope."""
    patient: Patient = registry.get(
        viewer.actor, RecordKind.PATIENT, patient_id, channel=viewer.channel
    ).record
    return patient


def item_issues(
    record: PatientRecord,
    section: str,
    item_id: str,
    *,
    as_of: date,
    labels: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Knowledge-pack problems of the record ``item_id`` in ``section`` of ``record`` (dates after
    ``as_of`` included), keyed by field path within the item."""
    items = getattr(record, section)
    index = next(i for i, item in enumerate(items) if item.id == item_id)
    issues: list[ValidationIssue] = check_patient_record(
        record, pack=load_knowledge_pack(), as_of=as_of
    )
    return issue_messages(issues, prefix=f"{section}[{index}]", labels=labels)


def with_item(record: PatientRecord, section: str, item: Any) -> PatientRecord | dict[str, str]:
    """``record`` with ``item`` added to ``section`` (replacing one with its id), validated as a
    whole; the problems as field messages when the record would no longer hold together."""
    items = [existing for existing in getattr(record, section) if existing.id != item.id]
    data = record.model_dump()
    data[section] = [*(i.model_dump() for i in items), item.model_dump()]
    try:
        return PatientRecord.model_validate(data)
    except ValidationError as error:
        return {FORM_KEY: " ".join(field_messages(error).values())}


def entry_problems(
    registry: Registry,
    viewer: Viewer,
    patient_id: str,
    section: str,
    item: Any,
    *,
    as_of: date,
    labels: Mapping[str, str],
) -> dict[str, str]:
    """The problems ``item`` would bring to the patient's stored record in ``section``: the
    record no longer holding together, or the knowledge pack's checks (empty: it fits)."""
    stored = registry.load_patient_record(viewer.actor, patient_id, channel=viewer.channel)
    changed = with_item(stored, section, item)
    if isinstance(changed, dict):
        return changed
    return item_issues(changed, section, item.id, as_of=as_of, labels=labels)


def entry_form(
    request: Request,
    viewer: Viewer,
    template: str,
    patient: Patient,
    values: Mapping[str, str],
    errors: Mapping[str, str],
    status: int,
    choices: Mapping[str, object],
) -> HTMLResponse:
    """A data-entry form for ``patient`` (named in its header) with what was typed, the problems
    at their fields, and the form's ``choices``."""
    context = {"patient": patient, "values": values, "errors": errors, **choices}
    return render(request, template, context, viewer=viewer, status_code=status)


def saved_redirect(patient_id: str, text: str, viewer: Viewer) -> RedirectResponse:
    """Back to the patient page after a save (303), with ``text`` as its notice."""
    return RedirectResponse(notice_location(f"/patients/{patient_id}", text, viewer), 303)


def store_refusal(error: ValidationError, labels: Mapping[str, str]) -> dict[str, str]:
    """A whole-record refusal from the store (the entry would break the record)."""
    return {FORM_KEY: " ".join(field_messages(error, labels=labels).values())}


def _signature(token: str | None, text: str) -> str:
    key = (token or "").encode("utf-8")
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def notice_location(path: str, text: str, viewer: Viewer) -> str:
    """``path`` with a notice for the next page, signed for this session."""
    return f"{path}?{urlencode({'notice': text, 'sig': _signature(viewer.csrf_token, text)})}"


def read_notice(request: Request, viewer: Viewer) -> str | None:
    """The notice a form left for this page, if it was signed for this session (else None)."""
    text = request.query_params.get("notice")
    given = request.query_params.get("sig", "")
    if not text or not viewer.csrf_token:
        return None
    return text if hmac.compare_digest(_signature(viewer.csrf_token, text), given) else None


def alerts_notice(saved_what: str, entries: Sequence[WorklistEntry]) -> str:
    """'Medication course saved. 1 new alert: ...' (the worklist shows them too)."""
    if not entries:
        return f"{saved_what} saved. It raised no new alert."
    titles = "; ".join(
        f"{entry.alert.title} ({entry.alert.severity.value})"
        + (" - kept quiet by an earlier decision" if entry.silenced_by is not None else "")
        for entry in entries
    )
    count = f"{len(entries)} new alert" + ("s" if len(entries) != 1 else "")
    return f"{saved_what} saved. {count}: {titles}. They are on the worklist too."
