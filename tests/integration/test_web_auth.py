"""Authentication hardening of the web app, on SQLite and PostgreSQL: password storage and policy,
lockout, session rotation and termination, cookie flags, CSRF (login form and every
state-changing route), API tokens, security headers and the login redirect."""

from __future__ import annotations

from datetime import datetime, timedelta
from http.cookies import SimpleCookie

import pytest
from argon2 import Type, extract_parameters
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import insert, select
from web_harness import NOW, PASSWORD, csrf_of, login, web_app
from web_routes import (
    SITE_B_PARAMETERS,
    current_audit_head,
    data_snapshot,
    minimal_body,
    seed_two_sites,
    web_routes,
)

from spsreg.store import Actor, Registry
from spsreg.store.tables import LOGIN_FAILURES, USERS
from spsreg.web.auth import SESSION_COOKIE, ViewerDep
from spsreg.web.security_headers import CONTENT_SECURITY_POLICY, SVG_IMAGE_POLICY

NEW_PASSWORD = "another long clinic phrase"
LOCKED = "Too many failed logins"


class Clock:
    """The app's clock, moved on by the tests."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def seeded(registry: Registry, admin: Actor) -> Registry:
    seed_two_sites(registry, admin)
    return registry


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(seeded: Registry, clock: Clock) -> FastAPI:
    """The app, plus two probe routes that exercise the authentication dependency directly."""
    app = web_app(seeded, clock=clock)

    @app.api_route("/api/v1/test-probe", methods=["GET", "POST"])
    def probe(viewer: ViewerDep) -> dict[str, str | None]:
        actor = viewer.actor
        return {"user": actor.user, "role": actor.role.value, "site": actor.site_id}

    @app.get("/api/v1/test-probe/{patient_id}")
    def probe_patient(patient_id: str, viewer: ViewerDep) -> dict[str, str]:
        record = seeded.load_patient_record(viewer.actor, patient_id, channel=viewer.channel)
        return {"patient_id": record.patient.id}

    return app


def session_of(client: TestClient) -> str:
    value = client.cookies.get(SESSION_COOKIE)
    assert value
    return value


def is_logged_in(app: FastAPI, session: str) -> bool:
    with TestClient(app, cookies={SESSION_COOKIE: session}) as probe:
        page = probe.get("/account/password", follow_redirects=False)
        api = probe.get("/api/v1/test-probe")
    if page.status_code == 200 and api.status_code == 200:
        return True
    assert page.status_code == 303 and page.headers["location"].startswith("/login"), page.text
    assert api.status_code == 401, api.text
    return False


def login_response(
    client: TestClient, username: str, password: str, next_path: str = ""
) -> Response:
    token = csrf_of(client.get("/login").text)
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token, "next": next_path},
        follow_redirects=False,
    )


def set_cookie_headers(response: Response, name: str) -> list[str]:
    return [
        header
        for header in response.headers.get_list("set-cookie")
        if header.startswith(f"{name}=")
    ]


# Password storage and policy


def test_stored_password_hashes_are_argon2id_at_the_owasp_parameters(
    seeded: Registry, app: FastAPI
) -> None:
    with TestClient(app) as client:
        csrf = login(client, "dr.a")
        changed = client.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD,
                "csrf_token": csrf,
            },
        )
        assert changed.status_code == 200, changed.text
    with seeded.engine.connect() as connection:
        hashes = connection.execute(select(USERS.c.name, USERS.c.password_hash)).all()
    assert len(hashes) == 6
    for name, stored in hashes:
        parameters = extract_parameters(stored)
        assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$"), name
        assert (parameters.type, parameters.memory_cost) == (Type.ID, 19456)
        assert (parameters.time_cost, parameters.parallelism) == (2, 1)
        assert PASSWORD not in stored and NEW_PASSWORD not in stored


def test_a_new_password_needs_twelve_characters(app: FastAPI) -> None:
    with TestClient(app) as client:
        csrf = login(client, "dr.a")
        short = "eleven char"
        refused = client.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": short,
                "confirm_password": short,
                "csrf_token": csrf,
            },
        )
        assert refused.status_code == 400
        assert "at least 12 characters" in refused.text
        assert 'aria-invalid="true"' in refused.text
        twelve = "twelve chars"
        accepted = client.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": twelve,
                "confirm_password": twelve,
                "csrf_token": csrf,
            },
        )
        assert accepted.status_code == 200, accepted.text
    with TestClient(app) as fresh:
        assert login_response(fresh, "dr.a", PASSWORD).status_code == 400
        assert login_response(fresh, "dr.a", twelve).status_code == 303


# Lockout


def add_failures(registry: Registry, name: str, count: int, at: datetime) -> None:
    with registry.engine.begin() as connection:
        connection.execute(insert(LOGIN_FAILURES), [{"user_name": name, "failed_at": at}] * count)


def test_a_hundred_failed_logins_in_an_hour_lock_the_account_for_that_hour(
    seeded: Registry, app: FastAPI, clock: Clock
) -> None:
    add_failures(seeded, "dr.a", 99, NOW)
    with TestClient(app) as client:
        wrong = login_response(client, "dr.a", "not the right password")
        assert wrong.status_code == 400
        assert "Wrong user name or password" in wrong.text
        locked = login_response(client, "dr.a", PASSWORD)
        assert locked.status_code == 400
        assert LOCKED in locked.text
        assert SESSION_COOKIE not in client.cookies
        other = login_response(client, "dr.b", PASSWORD)
        assert other.status_code == 303  # only the attacked account is locked
        client.cookies.clear()
        clock.now = NOW + timedelta(minutes=59)
        assert LOCKED in login_response(client, "dr.a", PASSWORD).text
        clock.now = NOW + timedelta(hours=1, seconds=1)
        opened = login_response(client, "dr.a", PASSWORD)
        assert opened.status_code == 303, opened.text
        assert is_logged_in(app, session_of(client))


def test_ninety_nine_failures_do_not_lock(seeded: Registry, app: FastAPI) -> None:
    add_failures(seeded, "dr.a", 99, NOW - timedelta(minutes=5))
    add_failures(seeded, "dr.a", 50, NOW - timedelta(hours=2))
    with TestClient(app) as client:
        assert login_response(client, "dr.a", PASSWORD).status_code == 303


# Sessions


def test_login_always_starts_a_new_session(app: FastAPI) -> None:
    with TestClient(app) as client:
        client.cookies.set(SESSION_COOKIE, "fixed-by-an-attacker", domain="testserver.local")
        login(client, "dr.a")
        first = session_of(client)
        assert first != "fixed-by-an-attacker"
        login(client, "dr.a")
        second = session_of(client)
    assert second != first
    assert not is_logged_in(app, first)
    assert is_logged_in(app, second)
    assert not is_logged_in(app, "fixed-by-an-attacker")


def test_logout_ends_the_session_on_the_server(app: FastAPI) -> None:
    with TestClient(app) as client:
        csrf = login(client, "dr.a")
        session = session_of(client)
        refused = client.post("/logout", follow_redirects=False)
        assert refused.status_code == 403
        assert is_logged_in(app, session)
        out = client.post("/logout", data={"csrf_token": csrf}, follow_redirects=False)
        assert out.status_code == 303
        assert out.headers["location"] == "/login"
    assert not is_logged_in(app, session)


def test_changing_the_password_ends_the_other_sessions(app: FastAPI) -> None:
    with TestClient(app) as laptop, TestClient(app) as ward_pc:
        login(ward_pc, "dr.a")
        other = session_of(ward_pc)
        csrf = login(laptop, "dr.a")
        before = session_of(laptop)
        changed = laptop.post(
            "/account/password",
            data={
                "current_password": PASSWORD,
                "new_password": NEW_PASSWORD,
                "confirm_password": NEW_PASSWORD,
                "csrf_token": csrf,
            },
        )
        assert changed.status_code == 200, changed.text
        after = session_of(laptop)
    assert after != before
    assert not is_logged_in(app, other)
    assert not is_logged_in(app, before)
    assert is_logged_in(app, after)


def test_sessions_end_after_the_idle_timeout(app: FastAPI, clock: Clock) -> None:
    with TestClient(app) as client:
        login(client, "dr.a")
        session = session_of(client)
    clock.now = NOW + timedelta(minutes=14)
    assert is_logged_in(app, session)
    clock.now = NOW + timedelta(minutes=14 + 15)
    assert not is_logged_in(app, session)


def test_sessions_end_at_their_absolute_lifetime_however_active(app: FastAPI, clock: Clock) -> None:
    with TestClient(app) as client:
        login(client, "dr.a")
        session = session_of(client)
    for minutes in range(10, 8 * 60, 10):
        clock.now = NOW + timedelta(minutes=minutes)
        assert is_logged_in(app, session), minutes
    clock.now = NOW + timedelta(hours=8)
    assert not is_logged_in(app, session)


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_session_cookie_flags(app: FastAPI, scheme: str) -> None:
    with TestClient(app, base_url=f"{scheme}://testserver") as client:
        response = login_response(client, "dr.a", PASSWORD)
    assert response.status_code == 303
    (header,) = set_cookie_headers(response, SESSION_COOKIE)
    morsel = SimpleCookie(header)[SESSION_COOKIE]
    assert morsel["httponly"] is True
    assert morsel["samesite"].lower() == "lax"
    assert morsel["path"] == "/"
    assert bool(morsel["secure"]) is (scheme == "https")
    assert not morsel["expires"] and not morsel["max-age"]  # ends with the browser


# CSRF


def test_login_needs_the_login_forms_csrf_token(app: FastAPI) -> None:
    with TestClient(app) as client:
        form = {"username": "dr.a", "password": PASSWORD}
        no_cookie = client.post(
            "/login", data={**form, "csrf_token": "made-up"}, follow_redirects=False
        )
        assert no_cookie.status_code == 400 and "expired" in no_cookie.text
        token = csrf_of(client.get("/login").text)
        for field in ("", "made-up", token[:-1]):
            refused = client.post(
                "/login", data={**form, "csrf_token": field}, follow_redirects=False
            )
            assert refused.status_code == 400 and "expired" in refused.text
            assert not set_cookie_headers(refused, SESSION_COOKIE)
        assert SESSION_COOKIE not in client.cookies


def site_a_values() -> dict[str, str]:
    """The first value of every parameter, for site A's patient ``p-A1``."""
    return {
        name: values[0].replace("p-B1", "p-A1") for name, (values, _) in SITE_B_PARAMETERS.items()
    }


def test_every_state_changing_session_route_refuses_a_missing_or_wrong_csrf_token(
    seeded: Registry, app: FastAPI
) -> None:
    values = site_a_values()
    unsafe = [
        route for route in web_routes(app) if route.method in {"POST", "PUT", "PATCH", "DELETE"}
    ]
    checked = [route for route in unsafe if route.uses_session]
    assert {str(route) for route in unsafe} - {str(route) for route in checked} == {"POST /login"}
    assert "POST /logout" in {str(route) for route in checked}
    with TestClient(app) as client:
        csrf = login(client, "dr.a")
        session = session_of(client)
        for route in checked:
            unknown = set(route.parameters) - set(values)
            assert not unknown, f"{route}: add {sorted(unknown)} to SITE_B_PARAMETERS"
            body = minimal_body(route)
            data = body.get("data")
            for headers, form in (
                ({}, data),
                ({"X-CSRF-Token": csrf[:-2]}, data),
                ({}, None if data is None else {**data, "csrf_token": "forged"}),
            ):
                snapshot, head = data_snapshot(seeded.engine), current_audit_head(seeded.engine)
                response = client.request(
                    route.method,
                    route.url(values),
                    headers=headers,
                    data=form,
                    json=body.get("json"),
                    follow_redirects=False,
                )
                assert response.status_code == 403, f"{route}: {response.status_code}"
                assert current_audit_head(seeded.engine) == head, route
                assert data_snapshot(seeded.engine) == snapshot, route
        assert session_of(client) == session
    assert is_logged_in(app, session)


def test_a_bearer_token_request_needs_no_csrf_token(seeded: Registry, app: FastAPI) -> None:
    token, _ = seeded.create_api_token(seeded_actor(seeded, "dr.a"), "dr.a", "script", now=NOW)
    with TestClient(app) as client:
        response = client.post("/api/v1/test-probe", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"user": "dr.a", "role": "clinician", "site": "SITE-A"}


# API tokens


def seeded_actor(registry: Registry, name: str) -> Actor:
    actor = registry.verify_login(name, PASSWORD, now=NOW)
    assert isinstance(actor, Actor)
    return actor


def test_api_tokens_work_with_their_accounts_role_and_site(seeded: Registry, app: FastAPI) -> None:
    token, _ = seeded.create_api_token(seeded_actor(seeded, "dr.a"), "dr.a", "script", now=NOW)
    bearer = {"Authorization": f"Bearer {token}"}
    with TestClient(app) as client:
        own = client.get("/api/v1/test-probe/p-A1", headers=bearer)
        assert own.status_code == 200 and own.json() == {"patient_id": "p-A1"}
        other = client.get("/api/v1/test-probe/p-B1", headers=bearer)
        assert other.status_code == 404
        assert other.json()["status"] == 404
    trail = seeded.access_trail(seeded_actor(seeded, "dr.a"), "p-A1")
    assert [(entry.actor_user, entry.channel) for entry in trail] == [("dr.a", "api")]


def test_revoked_and_expired_tokens_are_refused(
    seeded: Registry, app: FastAPI, clock: Clock
) -> None:
    actor = seeded_actor(seeded, "dr.a")
    revoked, listing = seeded.create_api_token(actor, "dr.a", "old laptop", now=NOW)
    expiring, _ = seeded.create_api_token(
        actor, "dr.a", "one hour", now=NOW, expires_at=NOW + timedelta(hours=1)
    )
    with TestClient(app) as client:
        for token in (revoked, expiring):
            ok = client.get("/api/v1/test-probe", headers={"Authorization": f"Bearer {token}"})
            assert ok.status_code == 200
        seeded.revoke_api_token(actor, listing.id, now=NOW)
        clock.now = NOW + timedelta(hours=1)
        for token in (revoked, expiring):
            refused = client.get("/api/v1/test-probe", headers={"Authorization": f"Bearer {token}"})
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == "Bearer"
            assert refused.json()["status"] == 401


MALFORMED_AUTHORIZATION = [
    "Bearer",
    "Bearer ",
    "Bearer x",
    "bearer spsreg_",
    "Basic ZHIuYTpwYXNzd29yZA==",
    "Token spsreg_0123456789abcdef_" + "A" * 43,
    "Bearer spsreg_0123456789abcdef_" + "A" * 43,
    "Bearer spsreg_0123456789ABCDEF_" + "A" * 43,
    "Bearer spsreg_0123456789abcdef_" + "A" * 42 + "=",
    "Bearer spsreg_' OR '1'='1",
    "Bearer " + "spsreg_" * 2000,
    "Bearer spsreg_\x7f\x01",
    "Bearer \xe9\xe8",
    "Bearer a b c",
]


@pytest.mark.parametrize("path", ["/api/v1/test-probe", "/api/v1/test-probe/p-A1"])
def test_malformed_authorization_headers_get_401_never_500(app: FastAPI, path: str) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        for header in MALFORMED_AUTHORIZATION:
            response = client.get(path, headers={"Authorization": header.encode("latin-1")})
            assert response.status_code == 401, (header[:40], response.status_code)


# Headers and redirects


def assert_security_headers(response: Response, where: str) -> None:
    headers = response.headers
    policy = headers.get("content-security-policy", "")
    if headers.get("content-type", "").startswith("image/svg+xml"):
        # A standalone figure: matplotlib's inline styles only; nothing loads or runs in it.
        assert policy == SVG_IMAGE_POLICY, where
        assert "script-src" not in policy and "default-src 'none'" in policy, where
        assert "frame-ancestors 'none'" in policy and "unsafe-eval" not in policy, where
    else:
        assert policy == CONTENT_SECURITY_POLICY, where
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, where
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy, where
    assert headers.get("x-content-type-options") == "nosniff", where
    assert "no-store" in headers.get("cache-control", ""), where
    assert headers.get("referrer-policy") == "no-referrer", where


def test_security_headers_on_pages_api_answers_and_errors(app: FastAPI) -> None:
    values = site_a_values()
    with TestClient(app) as client:
        for path in ("/login", "/api/v1/health", "/no-such-page", "/api/v1/no-such", "/"):
            assert_security_headers(client.get(path, follow_redirects=False), path)
        assert_security_headers(client.get("/api/v1/test-probe"), "401")
        login(client, "dr.a")
        for route in web_routes(app):
            if route.method == "GET" and set(route.parameters) <= set(values):
                response = client.get(route.url(values), follow_redirects=False)
                assert_security_headers(response, str(route))
        static = client.get("/static/app.css")
        assert static.headers["x-content-type-options"] == "nosniff"
        assert "unsafe-inline" not in static.headers["content-security-policy"]


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example",
        "//evil.example/login",
        "https://evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "http:evil.example",
        "/%2F%2Fevil.example",
        "javascript:alert(1)",
        " //evil.example",
    ],
)
def test_login_never_redirects_off_site(app: FastAPI, target: str) -> None:
    with TestClient(app) as client:
        form = client.get("/login", params={"next": target})
        assert "evil.example" not in form.text.replace("%2F%2Fevil.example", "")
        response = login_response(client, "dr.a", PASSWORD, next_path=target)
    assert response.status_code == 303
    location = response.headers["location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert "\\" not in location and ":" not in location.split("?")[0], location


def test_login_follows_a_local_next_path(app: FastAPI) -> None:
    with TestClient(app) as client:
        redirected = client.get("/account/password", follow_redirects=False)
        assert redirected.status_code == 303
        assert redirected.headers["location"] == "/login?next=%2Faccount%2Fpassword"
        response = login_response(client, "dr.a", PASSWORD, next_path="/account/password")
    assert response.headers["location"] == "/account/password"
