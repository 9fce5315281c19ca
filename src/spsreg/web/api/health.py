"""``GET /api/v1/health``: is the app up and its database reachable (no login needed)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from starlette.concurrency import run_in_threadpool

from spsreg import __version__
from spsreg.store import Registry
from spsreg.web.auth import RegistryDep

__all__ = ["Health", "router"]

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """The app's state: ``ok`` when the database answers, else ``unavailable``."""

    status: Literal["ok", "unavailable"]
    version: str
    database: Literal["ok", "unreachable"]


def _database_answers(registry: Registry) -> bool:
    try:
        with registry.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return False
    return True


@router.get(
    "/health",
    response_model=Health,
    summary="Health of the app and its database",
    responses={503: {"model": Health, "description": "the database does not answer"}},
)
async def health(registry: RegistryDep, response: Response) -> Health:
    answers = await run_in_threadpool(_database_answers, registry)
    if not answers:
        response.status_code = 503
    return Health(
        status="ok" if answers else "unavailable",
        version=__version__,
        database="ok" if answers else "unreachable",
    )
