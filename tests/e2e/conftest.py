"""Browser tests of the web app: a real server, a real registry and Debian's Chromium.

Each pytest worker (xdist) starts its own server: a temporary SQLite registry (migrated, sites
SITE-A and SITE-B, the example patients ``p-A1``/``p-A2`` at SITE-A and ``p-B1`` at SITE-B with
distinctive canary identifiers, and an account of every role as in ``web_harness``) served by
uvicorn on a free loopback port in a background thread. The app's clock is fixed at
``web_harness.NOW``, so "today" (alerts, diary) is the same on every run.

Journeys log in through the real /login form (``browser_steps.login``) and save screenshots of their
key steps to ``test-artifacts/screenshots/<test>-<step>.png`` (``browser_steps.screenshot``).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest
import uvicorn
from browser_steps import CANARY_IDENTIFIERS, SITE_OF
from playwright.sync_api import Browser, BrowserContext, Page, Playwright, sync_playwright
from record_examples import full_record
from web_harness import ACCOUNTS, NOW, PASSWORD

from spsreg.domain import PatientRecord, Site
from spsreg.store import Actor, Registry, Role, create_engine_for, migrate
from spsreg.web.app import create_app
from spsreg.web.settings import WebSettings

CHROMIUM = "/usr/bin/chromium"

SITE_A = Site(id="SITE-A", name="Site A Neurology", country="GB")
SITE_B = Site(id="SITE-B", name="Site B Neuroimmunology", country="DE")


def canary_record(patient_id: str) -> PatientRecord:
    """The full example record of ``patient_id`` with its canary identifiers."""
    record = full_record(patient_id, SITE_OF[patient_id])
    assert record.identifiers is not None
    identifiers = record.identifiers.model_copy(update=CANARY_IDENTIFIERS[patient_id])
    return record.model_copy(update={"identifiers": identifiers})


def seed(database_url: str) -> None:
    """Migrate the database and add the sites, example patients and accounts."""
    engine = create_engine_for(database_url)
    try:
        migrate(engine)
        registry = Registry(engine, clock=lambda: NOW)
        admin = Actor("registry-admin", Role.ADMIN)
        registry.add_site(admin, SITE_A)
        registry.add_site(admin, SITE_B)
        for patient_id in SITE_OF:
            registry.save_patient_record(admin, canary_record(patient_id), reason="example")
        for name, (role, site, patient) in ACCOUNTS.items():
            registry.add_user(admin, name, role, PASSWORD, site_id=site, patient_id=patient)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class LiveServer:
    """A running app: its base URL."""

    url: str


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app over a fresh seeded SQLite registry, served on a free loopback port.

    Session-scoped, so each xdist worker gets its own database, port and server.
    """
    database_url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'registry.sqlite3'}"
    seed(database_url)
    settings = WebSettings(
        database_url=database_url, clock=lambda: NOW, worklist_refresh=timedelta(0)
    )
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    config = uvicorn.Config(
        create_app(settings),
        log_level="warning",
        access_log=False,
        ws="none",
        lifespan="on",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{port}"
    _wait_until_healthy(url, thread)
    try:
        yield LiveServer(url)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()


def _wait_until_healthy(url: str, thread: threading.Thread, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not thread.is_alive():
            pytest.fail("the e2e server stopped while starting (see the log above)")
        try:
            response = httpx.get(f"{url}/api/v1/health", timeout=2)
        except httpx.HTTPError as error:
            last = str(error)
        else:
            if response.status_code == 200:
                return
            last = f"status {response.status_code}: {response.text[:200]}"
        time.sleep(0.1)
    pytest.fail(f"the e2e server at {url} did not become healthy: {last}")


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Playwright]:
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless (Playwright's own browsers are never downloaded)."""
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, args=["--no-sandbox"], headless=True
    )
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser, live_server: LiveServer) -> Iterator[BrowserContext]:
    """A fresh browser profile (no cookies) on the live server, desktop size."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def mobile_page(browser: Browser, live_server: LiveServer) -> Iterator[Page]:
    """A phone: 360 x 740 CSS pixels, touch input, mobile viewport rules."""
    context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 360, "height": 740},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()
