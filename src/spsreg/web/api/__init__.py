"""The JSON REST API under ``/api/v1`` (in the OpenAPI document)."""

from fastapi import APIRouter

from spsreg.web.api import (
    checks_api,
    cohort_api,
    diary_api,
    health,
    patients_api,
    records_api,
    timeline_api,
    trials_api,
    worklist_api,
)

__all__ = ["router"]

router = APIRouter(prefix="/api/v1")
for _module in (
    health,
    patients_api,
    timeline_api,
    worklist_api,
    records_api,
    checks_api,
    diary_api,
    cohort_api,
    trials_api,
):
    router.include_router(_module.router)
