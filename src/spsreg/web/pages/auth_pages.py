"""Logging in and out, and changing one's own password.

The login form is protected against login CSRF by a double-submit token (cookie
``spsreg_login_csrf`` and the form field ``csrf_token``). A successful login always starts a new
session with a new id (any session the browser still held is ended first), so a session id fixed
before login is worthless. Logging out ends the session in the database, not only the cookie.
Changing the password ends every session of the account and starts a fresh one for this browser.
"""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from spsreg.store import Actor
from spsreg.store.accounts import LoginRefusal
from spsreg.store.passwords import PasswordPolicyError
from spsreg.store.sessions import NewSession, WrongPasswordError
from spsreg.web.auth import (
    SESSION_COOKIE,
    RegistryDep,
    SettingsDep,
    ViewerDep,
    tokens_match,
)
from spsreg.web.templating import home_path, render

__all__ = ["router"]

router = APIRouter()

LOGIN_CSRF_COOKIE = "spsreg_login_csrf"


def _is_tls(request: Request) -> bool:
    return request.url.scheme == "https"


def _safe_next(target: str | None) -> str | None:
    """Only a path on this server (never ``//host`` or a full URL) may follow a login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def set_session_cookie(response: Response, request: Request, session: NewSession) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session.token,
        httponly=True,
        samesite="lax",
        secure=_is_tls(request),
        path="/",
    )


def _login_page(
    request: Request, *, error: str | None, username: str = "", next_path: str | None = None
) -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(
        request,
        "login.html.j2",
        {"error": error, "username": username, "login_csrf": token, "next": next_path or ""},
        status_code=200 if error is None else 400,
    )
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_is_tls(request),
        path="/login",
    )
    return response


@router.get("/")
async def home(request: Request) -> Response:
    if request.cookies.get(SESSION_COOKIE):
        return RedirectResponse("/home", status_code=303)
    return RedirectResponse("/login", status_code=303)


@router.get("/home")
async def role_home(viewer: ViewerDep) -> Response:
    return RedirectResponse(home_path(viewer.role), status_code=303)


@router.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> HTMLResponse:
    return _login_page(request, error=None, next_path=_safe_next(next))


@router.post("/login")
async def login(
    request: Request,
    registry: RegistryDep,
    settings: SettingsDep,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=4096)] = "",
    csrf_token: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    next_path = _safe_next(next)
    if not tokens_match(request.cookies.get(LOGIN_CSRF_COOKIE), csrf_token):
        return _login_page(
            request,
            error="The login form expired: please enter your user name and password again.",
            username=username,
            next_path=next_path,
        )
    if not username.strip() or not password:
        return _login_page(
            request,
            error="Enter your user name and your password.",
            username=username,
            next_path=next_path,
        )
    now = settings.clock()
    outcome = await run_in_threadpool(registry.verify_login, username.strip(), password, now=now)
    if isinstance(outcome, LoginRefusal):
        return _login_page(
            request,
            error=outcome.message.capitalize() + ".",
            username=username,
            next_path=next_path,
        )
    old = request.cookies.get(SESSION_COOKIE)
    if old:
        await run_in_threadpool(registry.end_session, old)
    session = await run_in_threadpool(
        registry.start_session, outcome, now=now, policy=settings.session
    )
    response = RedirectResponse(next_path or home_path(outcome.role), status_code=303)
    set_session_cookie(response, request, session)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
async def logout(request: Request, registry: RegistryDep, viewer: ViewerDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await run_in_threadpool(registry.end_session, token)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password", response_class=HTMLResponse)
async def password_form(request: Request, viewer: ViewerDep) -> HTMLResponse:
    return render(request, "password.html.j2", {"errors": {}, "done": False}, viewer=viewer)


@router.post("/account/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    registry: RegistryDep,
    settings: SettingsDep,
    viewer: ViewerDep,
    current_password: Annotated[str, Form(max_length=4096)] = "",
    new_password: Annotated[str, Form(max_length=4096)] = "",
    confirm_password: Annotated[str, Form(max_length=4096)] = "",
) -> Response:
    errors: dict[str, str] = {}
    if not current_password:
        errors["current_password"] = "Enter your current password."
    if new_password != confirm_password:
        errors["confirm_password"] = "The two new passwords are not the same."
    if not errors:
        try:
            await _change(registry, viewer.actor, current_password, new_password, settings)
        except WrongPasswordError as error:
            errors["current_password"] = str(error)
        except PasswordPolicyError as error:
            errors["new_password"] = str(error)
    if errors:
        return render(
            request,
            "password.html.j2",
            {"errors": errors, "done": False},
            viewer=viewer,
            status_code=400,
        )
    session = await run_in_threadpool(
        registry.start_session, viewer.actor, now=settings.clock(), policy=settings.session
    )
    response = render(
        request,
        "password.html.j2",
        {"errors": {}, "done": True},
        viewer=type(viewer)(viewer.actor, "session", session.csrf_token),
    )
    set_session_cookie(response, request, session)
    return response


async def _change(
    registry: RegistryDep, actor: Actor, current: str, new: str, settings: SettingsDep
) -> None:
    await run_in_threadpool(registry.change_own_password, actor, current, new, now=settings.clock())
