"""``GET /api/v1/cohort``: the cohort explorer's released count tables, as JSON.

The same tables as the page (:func:`spsreg.services.cohort_explorer.explore_cohort`, through the
sharing service), each count null where suppressed, with the ``disclosure_control`` metadata
saying who the counts are for and how they were released. Never a patient-level row.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from spsreg.services.cohort_explorer import DIMENSIONS, NOT_RECORDED
from spsreg.web.api.problems import Problem
from spsreg.web.auth import RegistryDep, SettingsDep
from spsreg.web.pages.cohort_pages import CohortViewerDep, cohort_counts, phenotype_problem

__all__ = ["CohortCountRow", "CohortOverview", "CohortTable", "router"]

router = APIRouter(tags=["cohort"])


class CohortCountRow(BaseModel):
    key: str = Field(description="the category (site id, phenotype, sex, status, therapy id)")
    label: str = Field(description="the category as shown to people")
    patients: int | None = Field(description="released patient count; null when suppressed")


class CohortTable(BaseModel):
    name: str = Field(description="site, phenotype, sex, gad65_status, glyr_status or therapy")
    caption: str
    rows: list[CohortCountRow]
    total: int | None = Field(
        description="released total (null when suppressed, or for the therapy table, whose "
        "rows overlap)"
    )


class CohortOverview(BaseModel):
    as_of: date
    phenotype: str | None = Field(description=f"the phenotype filter ({NOT_RECORDED}: none)")
    site: str | None = Field(description="the site filter")
    patients: int | None = Field(description="released number of patients; null if suppressed")
    counts: str = Field(description="'exact' or 'controlled'")
    policy: str = Field(description="how the counts were released, in one line")
    tables: list[CohortTable]
    disclosure_control: dict[str, Any] = Field(
        description="audience, policy (threshold, rounding), suppressions per table, withheld"
    )
    elapsed_ms: float = Field(
        description="how long computing the counts took (a result is reused for a minute)"
    )


@router.get(
    "/cohort",
    response_model=CohortOverview,
    summary="Patient counts by site, phenotype, sex, antibody status and therapy",
    responses={
        401: {"model": Problem, "description": "not logged in"},
        403: {"model": Problem, "description": "a patient account, or another site's filter"},
        422: {"model": Problem, "description": "an unknown phenotype"},
    },
)
def cohort_overview(
    viewer: CohortViewerDep,
    registry: RegistryDep,
    settings: SettingsDep,
    phenotype: Annotated[str | None, Query(description="phenotype filter")] = None,
    site: Annotated[str | None, Query(description="site filter")] = None,
    share: Annotated[bool, Query(description="prepare for sharing: controlled")] = False,
) -> CohortOverview:
    """The released count tables of the cohort, with their disclosure-control metadata."""
    problem = phenotype_problem(phenotype or None)
    if problem is not None:
        from fastapi.exceptions import RequestValidationError

        raise RequestValidationError(
            [{"loc": ("query", "phenotype"), "msg": problem, "type": "value_error"}]
        )
    counts = cohort_counts(registry, viewer, settings.today(), phenotype or None, site, share)
    return CohortOverview(
        as_of=counts.as_of,
        phenotype=counts.phenotype,
        site=counts.site,
        patients=counts.patients,
        counts="exact" if counts.exact else "controlled",
        policy=counts.sharing.policy_line(),
        tables=[
            CohortTable(
                name=name,
                caption=caption,
                rows=[
                    CohortCountRow(key=r.key, label=r.label, patients=r.count)
                    for r in counts.rows(name)
                ],
                total=counts.total(name),
            )
            for name, caption in DIMENSIONS.items()
        ],
        disclosure_control=counts.metadata()["disclosure_control"],
        elapsed_ms=round(counts.elapsed_ms, 1),
    )
