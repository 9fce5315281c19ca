"""How refusals reach the person: a page with the reason, or a JSON problem for the API.

The store's errors carry messages written for people and never reveal records outside the
caller's scope: :class:`~spsreg.store.ScopeError` becomes 403, :class:`~spsreg.store.NotFoundError`
404 (another site's patient looks exactly like a missing one), :class:`~spsreg.store.ConflictError`
409 with the version now stored. An API client gets ``{"detail": ..., "status": ...}``.
"""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from spsreg.store import ConflictError, NotFoundError, ScopeError
from spsreg.web.api.problems import validation_problem
from spsreg.web.auth import CsrfRefused, NotLoggedIn, RoleRefused
from spsreg.web.templating import render

__all__ = ["install_error_handlers", "is_api"]


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def problem(request: Request, status: int, title: str, detail: str, **extra: object) -> Response:
    """The refusal as JSON (API) or as the error page (pages)."""
    if is_api(request):
        return JSONResponse({"status": status, "title": title, "detail": detail, **extra}, status)
    return render(
        request,
        "error.html.j2",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, error: NotLoggedIn) -> Response:
        if is_api(request):
            return JSONResponse(
                {"status": 401, "title": "Not logged in", "detail": str(error)},
                401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(CsrfRefused)
    async def csrf_refused(request: Request, error: CsrfRefused) -> Response:
        return problem(request, 403, "Form expired", str(error))

    @app.exception_handler(RoleRefused)
    async def role_refused(request: Request, error: RoleRefused) -> Response:
        return problem(request, 403, "Not available to your role", str(error))

    @app.exception_handler(ScopeError)
    async def scope_refused(request: Request, error: ScopeError) -> Response:
        return problem(request, 403, "Outside your access", str(error))

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, error: NotFoundError) -> Response:
        return problem(request, 404, "Not found", str(error))

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, error: ConflictError) -> Response:
        return problem(
            request,
            409,
            "Changed by someone else",
            str(error),
            current_version=error.current_version,
        )

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        found = validation_problem(error.errors())
        if is_api(request):
            return JSONResponse(found.model_dump(), 422)
        return problem(request, 400, "Not understood", found.detail)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Method not allowed"}
        return problem(
            request,
            error.status_code,
            titles.get(error.status_code, "Request refused"),
            str(error.detail) if error.detail else "",
        )
