"""Every route of the app, enumerated when the tests run, called as the wrong person.

A site-A clinician (by session and by API token) asking for site-B resources gets 403 or 404,
changes nothing, and never receives a site-B identifier, pseudonym or record id; a researcher
never receives an identifier of any site; a patient nothing about another patient. Identifiable
reads leave a row in the access trail and every change an audit entry. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from record_examples import PHI_CANARY, phi_canary_record
from web_harness import NOW, PASSWORD, login, web_app
from web_routes import (
    ALERT_OF_SITE_B,
    SITE_B_CANARIES,
    SITE_B_PARAMETERS,
    SITE_B_PATIENT,
    WebRoute,
    current_audit_head,
    data_snapshot,
    minimal_body,
    seed_two_sites,
    site_b_ids,
    site_b_record,
    web_routes,
)

from spsreg.domain import Site
from spsreg.store import Actor, Registry, Role
from spsreg.web.auth import SESSION_COOKIE

NOT_CALLED = {"POST /login"}
"""Needs no login (its refusals are tested in test_web_auth.py)."""

PHI_PATIENT = "xq9-patient-7731"


@dataclass
class World:
    registry: Registry
    app: FastAPI
    routes: list[WebRoute]
    site_b_alerts: tuple[str, ...]


@pytest.fixture
def world(registry: Registry, admin: Actor) -> Iterator[World]:
    seed_two_sites(registry, admin)
    registry.add_site(admin, Site(id="xq9-site-hospital", name="Xq9 site", country="GB"))
    registry.save_patient_record(admin, phi_canary_record(), reason="example")
    app = web_app(registry)
    with TestClient(app) as client:
        login(client, "dr.b")
        worklist = client.get("/api/v1/worklist", params={"limit": 500})
    assert worklist.status_code == 200, worklist.text
    alerts = tuple(
        entry["id"] for entry in worklist.json()["entries"] if entry["patient_id"] == SITE_B_PATIENT
    )
    assert alerts, "the site-B patient has no alert to test the alert routes with"
    yield World(registry, app, web_routes(app), alerts[:2])


def values_for(
    world: World, patient_id: str, alerts: tuple[str, ...]
) -> dict[str, tuple[str, ...]]:
    """Every parameter's values, for ``patient_id`` (and ``alerts``) instead of site B's."""
    values: dict[str, tuple[str, ...]] = {}
    for name, (candidates, _) in SITE_B_PARAMETERS.items():
        if candidates == (ALERT_OF_SITE_B,):
            values[name] = alerts
        else:
            values[name] = tuple(value.replace(SITE_B_PATIENT, patient_id) for value in candidates)
    return values


class Caller:
    """One person calling routes, by session (with the CSRF token) or by API token."""

    def __init__(self, world: World, user: str, via: str) -> None:
        self.world = world
        self.user = user
        self.via = via
        self.client = TestClient(world.app, raise_server_exceptions=False)
        self.headers: dict[str, str] = {}
        if via == "token":
            actor = world.registry.verify_login(user, PASSWORD, now=NOW)
            assert isinstance(actor, Actor)
            token, _ = world.registry.create_api_token(actor, user, "tests", now=NOW)
            self.headers = {"Authorization": f"Bearer {token}"}
        else:
            self._login()

    def _login(self) -> None:
        self.client.cookies.clear()
        self.headers = {"X-CSRF-Token": login(self.client, self.user)}

    def call(self, route: WebRoute, url: str) -> tuple[Any, str]:
        """The response to ``route`` at ``url`` with a minimal body, and the request's text."""
        body = minimal_body(route)
        response = self.client.request(
            route.method,
            url,
            headers=self.headers,
            follow_redirects=False,
            **body,
        )
        if self.via == "session" and not self._still_logged_in():
            self._login()  # the route ended the session (logging out, a password change)
        return response, url + json.dumps(body)

    def _still_logged_in(self) -> bool:
        probe = self.client.get("/account/password", follow_redirects=False)
        return probe.status_code == 200 and bool(self.client.cookies.get(SESSION_COOKIE))


def called_routes(world: World) -> list[WebRoute]:
    routes = [route for route in world.routes if str(route) not in NOT_CALLED]
    for route in routes:
        unknown = set(route.parameters) - set(SITE_B_PARAMETERS)
        assert not unknown, f"{route}: add {sorted(unknown)} to web_routes.SITE_B_PARAMETERS"
    return routes


def leaks(content: bytes, forbidden: list[str], request_text: str) -> list[str]:
    """The forbidden strings in ``content`` (ids the request itself named are echoes, allowed)."""
    return [
        text for text in forbidden if text not in request_text and text.encode("utf-8") in content
    ]


def site_b_forbidden() -> list[str]:
    return [*SITE_B_CANARIES.values(), *sorted(set(site_b_ids(site_b_record())))]


@pytest.mark.parametrize("via", ["session", "token"])
def test_a_site_a_clinician_gets_nothing_of_site_b_from_any_route(world: World, via: str) -> None:
    caller = Caller(world, "dr.a", via)
    values = values_for(world, SITE_B_PATIENT, world.site_b_alerts)
    forbidden = site_b_forbidden()
    engine = world.registry.engine
    problems: list[str] = []
    for route in called_routes(world):
        for url in route.urls(values):
            snapshot = data_snapshot(engine) if route.method != "GET" else None
            head = current_audit_head(engine)
            response, request_text = caller.call(route, url)
            status = response.status_code
            where = f"{route.method} {url} ({via}) -> {status}"
            if route.site_specific:
                if status not in (403, 404):
                    problems.append(f"{where}: expected 403 or 404")
                unchanged = snapshot is None or data_snapshot(engine) == snapshot
                if current_audit_head(engine) != head or not unchanged:
                    problems.append(f"{where}: changed the registry")
            elif status >= 500:
                problems.append(f"{where}: server error")
            found = leaks(response.content, forbidden, request_text)
            if found:
                problems.append(f"{where}: leaked {found}")
    assert not problems, "\n".join(problems)


def phi_identifiers() -> list[str]:
    """Identifiers of every site: the PHI canary record's, site B's canaries, site A's."""
    canary = phi_canary_record().identifiers
    assert canary is not None
    return [
        canary.given_name or "",
        canary.family_name or "",
        canary.hospital_number or "",
        canary.address or "",
        canary.email or "",
        "XQ9-PSEUDONYM-7731",
        *(SITE_B_CANARIES[key] for key in ("given_name", "family_name", "hospital_number")),
        SITE_B_CANARIES["date_of_birth"],
        SITE_B_CANARIES["email"],
        "Lovelace-Test",
        "HN-p-A1",
        "HN-p-A2",
        "1971-04-14",
        "ada.test@example.org",
    ]


@pytest.mark.parametrize("via", ["session", "token"])
def test_a_researcher_never_receives_an_identifier(world: World, via: str) -> None:
    caller = Caller(world, "research", via)
    forbidden = phi_identifiers()
    assert all(PHI_CANARY in text.lower() for text in forbidden[:6])
    problems: list[str] = []
    for patient_id, alerts in ((PHI_PATIENT, ()), (SITE_B_PATIENT, world.site_b_alerts)):
        values = values_for(world, patient_id, alerts or world.site_b_alerts)
        for route in called_routes(world):
            for url in route.urls(values):
                response, _ = caller.call(route, url)
                where = f"{route.method} {url} ({via}) -> {response.status_code}"
                if response.status_code >= 500:
                    problems.append(f"{where}: server error")
                found = [text for text in forbidden if text.encode("utf-8") in response.content]
                if found:
                    problems.append(f"{where}: leaked {found}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("via", ["session", "token"])
def test_a_patient_receives_nothing_about_another_patient(world: World, via: str) -> None:
    caller = Caller(world, "patient.a", via)
    other_ids = [text for text in site_b_forbidden() if text != SITE_B_CANARIES["pseudonym"]] + [
        "PSN-P-A2",
        "HN-p-A2",
        "p-A2",
    ]
    forbidden = [*other_ids, SITE_B_CANARIES["pseudonym"], *phi_identifiers()[:6]]
    problems: list[str] = []
    for patient_id in ("p-A2", SITE_B_PATIENT):
        values = values_for(world, patient_id, world.site_b_alerts)
        for route in called_routes(world):
            for url in route.urls(values):
                response, request_text = caller.call(route, url)
                status = response.status_code
                where = f"{route.method} {url} ({via}) -> {status}"
                if route.site_specific and status not in (403, 404):
                    problems.append(f"{where}: expected 403 or 404")
                if status >= 500:
                    problems.append(f"{where}: server error")
                found = leaks(response.content, forbidden, request_text)
                if found:
                    problems.append(f"{where}: leaked {found}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("via", ["session", "token"])
def test_identifiable_reads_are_in_the_access_trail_and_changes_in_the_audit(
    world: World, via: str
) -> None:
    caller = Caller(world, "dr.a", via)
    staff = Actor("dr.a", Role.CLINICIAN, "SITE-A")
    values = values_for(world, "p-A1", world.site_b_alerts)
    engine = world.registry.engine
    shown_identifiers = 0
    problems: list[str] = []
    for route in called_routes(world):
        for url in route.urls(values):
            trail = len(world.registry.access_trail(staff, "p-A1"))
            snapshot = data_snapshot(engine) if route.method != "GET" else None
            head = current_audit_head(engine)
            response, _ = caller.call(route, url)
            where = f"{route.method} {url} ({via}) -> {response.status_code}"
            if response.status_code >= 500:
                problems.append(f"{where}: server error")
            if b"HN-p-A1" in response.content or b"Lovelace-Test" in response.content:
                shown_identifiers += 1
                entries = world.registry.access_trail(staff, "p-A1")[trail:]
                channel = "web" if via == "session" else "api"
                if not any(
                    entry.actor_user == "dr.a" and entry.channel == channel for entry in entries
                ):
                    problems.append(f"{where}: showed identifiers without an access-trail row")
            if (
                snapshot is not None
                and data_snapshot(engine) != snapshot
                and current_audit_head(engine) == head
            ):
                problems.append(f"{where}: changed the registry without an audit entry")
    assert shown_identifiers >= 1, "no route showed p-A1's identifiers to its own clinician"
    assert not problems, "\n".join(problems)
