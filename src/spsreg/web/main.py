"""The app as uvicorn starts it: settings from the environment (``spsreg serve`` sets them).

Environment: ``SPSREG_DATABASE_URL`` / ``SPSREG_HOME`` (the registry, as for every command),
``SPSREG_SESSION_IDLE_MINUTES`` (default 15), ``SPSREG_SESSION_LIFETIME_HOURS`` (default 8),
``SPSREG_MONITORING_CONFIG`` (a site monitoring configuration file), ``SPSREG_WARM_WORKLISTS``
(``0``: do not compute every site's worklist in the background at start-up).
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI

from spsreg.store import database_url_from_env
from spsreg.store.sessions import SessionPolicy
from spsreg.web.app import create_app
from spsreg.web.settings import WebSettings

__all__ = ["app_from_env", "settings_from_env"]


def _positive(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw is None or not raw.strip():
        return default
    try:
        value = float(raw)
    except ValueError as error:
        raise ValueError(f"{name}={raw!r} is not a number") from error
    if value <= 0:
        raise ValueError(f"{name}={raw!r} must be greater than 0")
    return value


def settings_from_env() -> WebSettings:
    idle = timedelta(minutes=_positive("SPSREG_SESSION_IDLE_MINUTES", 15))
    lifetime = timedelta(hours=_positive("SPSREG_SESSION_LIFETIME_HOURS", 8))
    config = os.environ.get("SPSREG_MONITORING_CONFIG")
    return WebSettings(
        database_url=database_url_from_env(),
        session=SessionPolicy(idle=idle, lifetime=lifetime),
        monitoring_config=Path(config) if config else None,
        warm_worklists=os.environ.get("SPSREG_WARM_WORKLISTS", "1") != "0",
    )


def app_from_env() -> FastAPI:
    """The factory uvicorn calls (``spsreg.web.main:app_from_env``, factory mode)."""
    return create_app(settings_from_env())
