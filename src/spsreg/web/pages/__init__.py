"""The server-rendered pages (not in the OpenAPI document)."""

from fastapi import APIRouter

from spsreg.web.pages import (
    auth_pages,
    cohort_pages,
    dashboard_pages,
    diary_pages,
    patient_forms,
    patient_pages,
    report_pages,
    trial_pages,
)

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
for _module in (
    auth_pages,
    dashboard_pages,
    patient_forms,
    patient_pages,
    diary_pages,
    cohort_pages,
    trial_pages,
    report_pages,
):
    router.include_router(_module.router)
