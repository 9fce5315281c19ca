"""Response headers that keep identifiable data out of caches and pages out of other sites' frames.

Every response gets a strict Content-Security-Policy (scripts, styles and images from spsreg
itself only: no CDN, no inline script), ``X-Content-Type-Options: nosniff``, ``Referrer-Policy:
no-referrer`` and ``frame-ancestors 'none'``; everything except static assets is ``Cache-Control:
no-store`` (a shared computer must not keep a patient page in its cache).

A figure served as a standalone SVG image (matplotlib writes its styles inline) gets
:data:`SVG_IMAGE_POLICY` instead: nothing may load or run in it (``default-src 'none'``, no script
source at all), only its own inline styles and embedded images apply, and it may not be framed.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import Request, Response

__all__ = ["CONTENT_SECURITY_POLICY", "SVG_IMAGE_POLICY", "add_security_headers"]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

SVG_IMAGE_POLICY = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'"
)


async def add_security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    headers = response.headers
    if headers.get("content-type", "").startswith("image/svg+xml"):
        headers["Content-Security-Policy"] = SVG_IMAGE_POLICY
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "no-referrer")
    headers.setdefault("X-Frame-Options", "DENY")
    if not request.url.path.startswith("/static/"):
        headers.setdefault("Cache-Control", "no-store")
    return response
