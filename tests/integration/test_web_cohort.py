"""The cohort explorer (page, figures, API) on SQLite and PostgreSQL: a researcher sees only
disclosure-controlled counts and nothing identifiable; a site's staff see exact counts of their
own site only; a patient account is refused."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from record_examples import PHI_CANARY, minimal_record, phi_canary_record
from web_harness import add_accounts, login, web_app

from spsreg.domain import PatientRecord
from spsreg.store import Actor, Registry

PAGES = ("/cohort", "/api/v1/cohort", "/cohort/figures/site.svg", "/cohort/figures/therapy.svg")


def canary_at_site_a() -> PatientRecord:
    """The PHI canary patient, registered at SITE-A (its planted values all contain the canary)."""
    data = phi_canary_record().model_dump()
    data["patient"]["site_id"] = "SITE-A"
    return PatientRecord.model_validate(data)


@pytest.fixture
def app_registry(registry: Registry, admin: Actor) -> Registry:
    add_accounts(registry, admin)
    registry.save_patient_record(admin, canary_at_site_a(), reason="PHI canary")
    return registry


def client_of(registry: Registry, user: str) -> TestClient:
    client = TestClient(web_app(registry))
    login(client, user)
    return client


def table(document: dict[str, object], name: str) -> dict[str, int | None]:
    tables = document["tables"]
    assert isinstance(tables, list)
    (found,) = [t for t in tables if t["name"] == name]
    return {row["key"]: row["patients"] for row in found["rows"]}


def test_researcher_sees_controlled_counts_and_nothing_identifiable(
    app_registry: Registry,
) -> None:
    client = client_of(app_registry, "research")
    page = client.get("/cohort")
    assert page.status_code == 200
    assert "Disclosure control (a researcher is not a site" in page.text
    assert "suppressed" in page.text
    api = client.get("/api/v1/cohort").json()
    assert api["counts"] == "controlled"
    assert api["disclosure_control"]["audience"] == "shared"
    assert table(api, "site") == {"SITE-A": None, "SITE-B": None}  # 3 and 1: both suppressed
    assert api["patients"] is None
    for name in ("phenotype", "sex", "gad65_status", "therapy"):
        for count in table(api, name).values():
            assert count is None or count % 5 == 0
    for path in PAGES:
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.text.lower()
        assert PHI_CANARY not in body, path
        for identifier in ("p-a1", "p-a2", "p-b1", "sps-"):
            assert identifier not in body, (path, identifier)
    figure = client.get("/cohort/figures/site.svg")
    assert figure.headers["content-type"] == "image/svg+xml"
    assert "script-src" not in figure.headers["content-security-policy"]
    assert "suppressed" in figure.text


def test_released_counts_are_rounded_and_small_cells_suppressed(
    registry: Registry, admin: Actor
) -> None:
    add_accounts(registry, admin)
    for number in range(9):
        registry.save_patient_record(admin, minimal_record(f"pa{number}", "SITE-A"), reason="t")
        registry.save_patient_record(admin, minimal_record(f"pb{number}", "SITE-B"), reason="t")
    client = client_of(registry, "research")
    api = client.get("/api/v1/cohort").json()
    assert table(api, "site") == {"SITE-A": 10, "SITE-B": 10}  # 11 and 10 rounded to 5
    assert api["patients"] == 20
    shared = client.get("/api/v1/cohort?phenotype=classic").json()
    assert shared["phenotype"] == "classic"
    assert "policy" in shared and shared["policy"].startswith("Disclosure control")


def test_own_site_staff_see_exact_counts_of_their_site_only(app_registry: Registry) -> None:
    client = client_of(app_registry, "dr.a")
    api = client.get("/api/v1/cohort").json()
    assert api["counts"] == "exact"
    assert table(api, "site") == {"SITE-A": 3}
    assert api["patients"] == 3
    assert sum(v or 0 for v in table(api, "sex").values()) == 3
    page = client.get("/cohort")
    assert "Exact counts (SITE-A staff about SITE-A" in page.text
    assert "SITE-B" not in page.text
    refused = client.get("/cohort?site=SITE-B")
    assert refused.status_code == 403
    assert client.get("/api/v1/cohort?site=SITE-B").status_code == 403


def test_administrator_exact_inside_the_registry_and_controlled_when_shared(
    app_registry: Registry,
) -> None:
    client = client_of(app_registry, "root")
    exact = client.get("/api/v1/cohort").json()
    assert exact["disclosure_control"]["audience"] == "registry_administrator"
    assert table(exact, "site") == {"SITE-A": 3, "SITE-B": 1}
    shared = client.get("/api/v1/cohort?share=true").json()
    assert shared["counts"] == "controlled"
    assert table(shared, "site") == {"SITE-A": None, "SITE-B": None}
    page = client.get("/cohort?share=1&site=SITE-B")
    assert page.status_code == 200
    figure = re.search(r'src="(/cohort/figures/site.svg[^"]*)"', page.text)
    assert figure is not None
    assert figure.group(1) == "/cohort/figures/site.svg?site=SITE-B&amp;share=1"


def test_patient_accounts_are_refused(app_registry: Registry) -> None:
    client = client_of(app_registry, "patient.a")
    for path in PAGES:
        assert client.get(path).status_code == 403, path


def test_filters_are_checked(app_registry: Registry) -> None:
    client = client_of(app_registry, "dr.a")
    page = client.get("/cohort?phenotype=banana")
    assert page.status_code == 400
    assert 'aria-invalid="true"' in page.text
    assert "Choose a phenotype from the list" in page.text
    assert client.get("/api/v1/cohort?phenotype=banana").status_code == 422
    assert client.get("/cohort/figures/nothing.svg").status_code == 404
    none = client.get("/api/v1/cohort?phenotype=not_recorded").json()
    assert none["patients"] == 0


def test_not_logged_in_is_refused(app_registry: Registry) -> None:
    client = TestClient(web_app(app_registry))
    assert client.get("/api/v1/cohort").status_code == 401
    assert client.get("/cohort", follow_redirects=False).status_code == 303
