"""Steps shared by the browser journeys: logging in through the real form, and screenshots.

Screenshots go to ``test-artifacts/screenshots/<test>-<step>.png`` at the repository root (the
folder is ignored by git).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from record_examples import pseudonym_for
from web_harness import NOW, PASSWORD

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
TODAY = NOW.date()
"""The app's "today" (its clock is fixed at ``web_harness.NOW``)."""

__all__ = [
    "CANARY_IDENTIFIERS",
    "SCREENSHOTS",
    "SITE_OF",
    "TODAY",
    "canaries_of",
    "login",
    "screenshot",
]

CANARY_IDENTIFIERS: dict[str, dict[str, str]] = {
    "p-A1": {
        "given_name": "Quorvalina",
        "family_name": "Zentrapolk",
        "hospital_number": "HNA-CANARY-40917",
    },
    "p-A2": {
        "given_name": "Brixaldune",
        "family_name": "Vommerstrand",
        "hospital_number": "HNA-CANARY-73355",
    },
    "p-B1": {
        "given_name": "Zorbakanary",
        "family_name": "Quillonbeeb",
        "hospital_number": "HNB-CANARY-58213",
    },
}
"""Identifiers no other test data contains: none may reach a researcher, nor site B's a site-A
user."""

SITE_OF = {"p-A1": "SITE-A", "p-A2": "SITE-A", "p-B1": "SITE-B"}


def canaries_of(*patient_ids: str) -> list[str]:
    """The canary identifiers and the pseudonyms of ``patient_ids`` (strings never to show)."""
    found = [value for p in patient_ids for value in CANARY_IDENTIFIERS[p].values()]
    return found + [pseudonym_for(p) for p in patient_ids]


def login(page: Page, user: str, password: str = PASSWORD) -> None:
    """Log in through the real /login form and wait for the role's start page."""
    page.goto("/login")
    page.get_by_label("User name").fill(user)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda url: "/login" not in url)
    expect(page.locator(".site-header .account")).to_contain_text(f"{user} · ")


def screenshot(page: Page, request: pytest.FixtureRequest, step: str) -> Path:
    """Save a full-page PNG of ``page`` as ``test-artifacts/screenshots/<test>-<step>.png``."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{request.node.name}-{step}")
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
