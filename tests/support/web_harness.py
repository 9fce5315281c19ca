"""Shared pieces of the web tests: an app over a test registry, accounts of every role, and
logging in through the real login form.

Accounts (password :data:`PASSWORD`): ``root`` (admin), ``dr.a`` (clinician, SITE-A),
``coord.a`` (coordinator, SITE-A), ``dr.b`` (clinician, SITE-B), ``research`` (researcher, no
site), ``patient.a`` (the patient ``p-A1`` of SITE-A). Patients: ``p-A1``, ``p-A2`` (SITE-A, full
records with identifiers) and ``p-B1`` (SITE-B).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from fastapi import FastAPI
from fastapi.testclient import TestClient
from record_examples import full_record

from spsreg.store import Actor, Registry, Role
from spsreg.web.app import create_app
from spsreg.web.settings import WebSettings

__all__ = [
    "ACCOUNTS",
    "NOW",
    "PASSWORD",
    "add_accounts",
    "csrf_of",
    "login",
    "web_app",
]

PASSWORD = "a long clinic passphrase"
NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

ACCOUNTS: dict[str, tuple[Role, str | None, str | None]] = {
    "root": (Role.ADMIN, None, None),
    "dr.a": (Role.CLINICIAN, "SITE-A", None),
    "coord.a": (Role.COORDINATOR, "SITE-A", None),
    "dr.b": (Role.CLINICIAN, "SITE-B", None),
    "research": (Role.RESEARCHER, None, None),
    "patient.a": (Role.PATIENT, "SITE-A", "p-A1"),
}

SITE_A_PATIENTS = ("p-A1", "p-A2")
SITE_B_PATIENTS = ("p-B1",)


def add_accounts(registry: Registry, admin: Actor) -> None:
    """The example patients (full records) and one account of every role."""
    for patient_id in SITE_A_PATIENTS:
        registry.save_patient_record(admin, full_record(patient_id, "SITE-A"), reason="example")
    for patient_id in SITE_B_PATIENTS:
        registry.save_patient_record(admin, full_record(patient_id, "SITE-B"), reason="example")
    for name, (role, site, patient) in ACCOUNTS.items():
        registry.add_user(admin, name, role, PASSWORD, site_id=site, patient_id=patient)


def web_app(registry: Registry, clock: Callable[[], datetime] = lambda: NOW) -> FastAPI:
    """The app over ``registry`` with a fixed clock."""
    return create_app(WebSettings(database_url="(test registry)", clock=clock), registry=registry)


_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def csrf_of(html: str) -> str:
    """The CSRF token a page carries (its meta tag, else its first form field)."""
    found = _CSRF_META.search(html) or _CSRF_FIELD.search(html)
    assert found is not None, "the page carries no CSRF token"
    return found.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log ``client`` in through the login form; returns the session's CSRF token."""
    form = client.get("/login")
    token = _CSRF_FIELD.search(form.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/account/password").text)
