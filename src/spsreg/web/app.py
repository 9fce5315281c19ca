"""The application factory: pages, the ``/api/v1`` REST API, static assets and error handling.

``create_app(settings)`` opens the registry when the app starts and closes it when it stops; tests
may pass a ``registry`` of their own. The OpenAPI document is served at ``/api/v1/openapi.json``
(no interactive documentation page: it would load scripts from a CDN).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from spsreg import __version__
from spsreg.services.worklist_cache import WorklistCache
from spsreg.store import Registry, create_engine_for, schema_status
from spsreg.web.api import router as api_router
from spsreg.web.api.problems import problem_openapi
from spsreg.web.api.worklist_api import start_warming
from spsreg.web.errors import install_error_handlers
from spsreg.web.pages import router as pages_router
from spsreg.web.security_headers import add_security_headers
from spsreg.web.settings import WebSettings

__all__ = ["SchemaNotCurrent", "create_app"]

STATIC_DIR = Path(__file__).resolve().parent / "static"

API_DESCRIPTION = (
    "The spsreg registry API. Authenticate with `Authorization: Bearer <token>` "
    "(`spsreg users token-add`). Every call runs with the token's role and site: site staff see "
    "their own site's patients, researchers de-identified aggregates only, patients their own "
    "diary. Clinical decision support, not a medical device."
)


class SchemaNotCurrent(RuntimeError):
    """The database is missing or not at this spsreg's schema: run ``spsreg init``."""


def _open_registry(settings: WebSettings) -> Registry:
    engine = create_engine_for(settings.database_url)
    status = schema_status(engine)
    if status.current != status.head:
        engine.dispose()
        raise SchemaNotCurrent(
            f"the database is at schema {status.current or 'none'}, this spsreg needs "
            f"{status.head}: run `spsreg init` first"
        )
    return Registry(engine, clock=settings.clock)


def create_app(settings: WebSettings, *, registry: Registry | None = None) -> FastAPI:
    """The spsreg web application for ``settings`` (over ``registry`` when given)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = registry is None
        app.state.registry = _open_registry(settings) if own else registry
        if settings.warm_worklists:
            start_warming(app.state.registry, settings, app.state.worklist_cache)
        try:
            yield
        finally:
            if own:
                app.state.registry.close()

    app = FastAPI(
        title="spsreg",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/v1/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.worklist_cache = WorklistCache(settings.worklist_refresh)
    if registry is not None:
        app.state.registry = registry
    app.middleware("http")(add_security_headers)
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")
    app.include_router(api_router)
    app.include_router(pages_router)
    app.openapi = problem_openapi(app)  # type: ignore[method-assign]
    return app
