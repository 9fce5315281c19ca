"""Who is asking: the session cookie or API token of a request, turned into the store's actor.

Every route that shows or changes data depends on :data:`ViewerDep` (or a role-restricted form of
it), so authentication and CSRF checks happen here, once:

* a browser session (cookie ``spsreg_session``, HttpOnly, SameSite=Lax, Secure over TLS) or an API
  token (``Authorization: Bearer spsreg_<id>_<secret>``) names the account;
* a state-changing request (POST, PUT, PATCH, DELETE) that relies on the session cookie must carry
  the session's CSRF token, in the form field ``csrf_token`` or the header ``X-CSRF-Token``
  (the synchronizer-token pattern); requests authenticated by a bearer token carry no ambient
  credential and need none;
* the :class:`~spsreg.store.Actor` built from the account is what every store call receives, so
  the store's site scope applies to every page and API call.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool

from spsreg.store import Actor, Registry, Role
from spsreg.web.settings import WebSettings

__all__ = [
    "CSRF_FIELD",
    "CSRF_HEADER",
    "SESSION_COOKIE",
    "STAFF_ROLES",
    "CsrfRefused",
    "NotLoggedIn",
    "RegistryDep",
    "RoleRefused",
    "SettingsDep",
    "StaffDep",
    "Viewer",
    "ViewerDep",
    "current_viewer",
    "require_roles",
    "tokens_match",
]

SESSION_COOKIE = "spsreg_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class NotLoggedIn(Exception):
    """No valid session or token: pages redirect to the login page, the API answers 401."""


class CsrfRefused(Exception):
    """A state-changing request on a session without the session's CSRF token (403)."""


class RoleRefused(Exception):
    """The account's role may not use this page or endpoint (403); the message says why."""


@dataclass(frozen=True)
class Viewer:
    """The person behind a request: their actor, how they authenticated, their CSRF token."""

    actor: Actor
    via: Literal["session", "token"]
    csrf_token: str | None = None

    @property
    def channel(self) -> str:
        """How reads are recorded in the access trail: ``web`` (pages) or ``api`` (tokens)."""
        return "web" if self.via == "session" else "api"

    @property
    def role(self) -> Role:
        return self.actor.role


def get_registry(request: Request) -> Registry:
    registry: Registry = request.app.state.registry
    return registry


def get_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


RegistryDep = Annotated[Registry, Depends(get_registry)]
SettingsDep = Annotated[WebSettings, Depends(get_settings)]


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two secrets; False when either is missing."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


async def submitted_csrf_token(request: Request) -> str | None:
    """The CSRF token of a request: the header, else the form field of a form post."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    content_type = request.headers.get("content-type", "")
    if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
        value = (await request.form()).get(CSRF_FIELD)
        return value if isinstance(value, str) else None
    return None


async def current_viewer(request: Request, registry: RegistryDep, settings: SettingsDep) -> Viewer:
    """The authenticated viewer of ``request`` (:class:`NotLoggedIn` when there is none)."""
    now = settings.clock()
    token = bearer_token(request)
    if token is not None:
        actor = await run_in_threadpool(registry.resolve_api_token, token, now=now)
        if actor is None:
            raise NotLoggedIn("the API token is unknown, revoked or expired")
        return Viewer(actor, "token")
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise NotLoggedIn("log in to continue")
    session = await run_in_threadpool(
        registry.resume_session, cookie, now=now, policy=settings.session
    )
    if session is None:
        raise NotLoggedIn("your session has ended: log in again")
    viewer = Viewer(session.actor, "session", session.csrf_token)
    if request.method in UNSAFE_METHODS and not tokens_match(
        session.csrf_token, await submitted_csrf_token(request)
    ):
        raise CsrfRefused(
            "this form has expired or did not come from spsreg: reload the page and try again"
        )
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


def require_roles(*roles: Role, purpose: str) -> object:
    """A dependency giving the viewer if their role is one of ``roles``; :class:`RoleRefused`
    (403) otherwise, saying what the page is for (``purpose``)."""
    allowed = frozenset(roles)

    def dependency(viewer: ViewerDep) -> Viewer:
        if viewer.role not in allowed:
            names = ", ".join(sorted(role.value for role in allowed))
            raise RoleRefused(
                f"{purpose}: for {names} accounts only, not for a {viewer.role.value} account"
            )
        return viewer

    return Depends(dependency)


STAFF_ROLES = (Role.CLINICIAN, Role.COORDINATOR, Role.ADMIN)
"""The roles that see patients with identifiers (their site's; an administrator every site's,
without identifiers)."""

StaffDep = Annotated[Viewer, require_roles(*STAFF_ROLES, purpose="Patient records")]
"""A clinician, coordinator or administrator."""
