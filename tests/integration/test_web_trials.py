"""Trial pages and API on SQLite and PostgreSQL: the list and details for staff and researchers,
screening of the viewer's own site only (site staff), feasibility counts through sharing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from trial_screening_examples import CRITERIA_YAML, NCT, scenario_records, trial
from web_harness import add_accounts, login, web_app

from spsreg.services.trial_screening import attach_criteria
from spsreg.store import Actor, Registry


@pytest.fixture
def trial_registry(registry: Registry, admin: Actor) -> Registry:
    add_accounts(registry, admin)
    for record in scenario_records():
        registry.save_patient_record(admin, record, reason="screening example")
    registry.save_trial(admin, trial(), reason="trial imported")
    attach_criteria(registry, admin, NCT, CRITERIA_YAML, "criteria attached")
    return registry


def client_of(registry: Registry, user: str) -> TestClient:
    client = TestClient(web_app(registry))
    login(client, user)
    return client


def test_list_and_details_for_staff_and_researchers(trial_registry: Registry) -> None:
    for user in ("dr.a", "research", "root"):
        client = client_of(trial_registry, user)
        listing = client.get("/api/v1/trials").json()
        assert [t["nct_id"] for t in listing] == [NCT]
        assert listing[0]["criteria_version"] == 1
        assert NCT in client.get("/trials").text
        details = client.get(f"/trials/{NCT}")
        assert "Inclusion: adults with classic or partial SPS" in details.text
    assert client_of(trial_registry, "dr.a").get("/trials/NCT00000000").status_code == 404


def test_screening_lists_only_the_viewers_site(trial_registry: Registry) -> None:
    client = client_of(trial_registry, "dr.a")
    screening = client.get(f"/api/v1/trials/{NCT}/screening").json()
    statuses = {p["patient_id"]: p["status"] for p in screening["patients"]}
    assert statuses["P01"] == "eligible"
    assert statuses["P02"] == "not_contactable"
    assert {p["site_id"] for p in screening["patients"]} == {"SITE-A"}
    assert "P09" not in statuses and "P10" not in statuses and "p-B1" not in statuses
    failed = {p["patient_id"]: p["failed_criterion"] for p in screening["patients"]}
    assert failed["P04"] == "Aged 18 to 75"
    page = client.get(f"/trials/{NCT}/screening")
    assert page.status_code == 200
    assert "P01" in page.text and "P09" not in page.text and "p-B1" not in page.text
    assert "failed: Aged 18 to 75" in page.text


def test_feasibility_exact_for_own_site_controlled_for_researchers(
    trial_registry: Registry,
) -> None:
    own = client_of(trial_registry, "dr.a").get(f"/api/v1/trials/{NCT}/feasibility").json()
    assert own["disclosure_control"]["counts"] == "exact"
    assert [row["site"] for row in own["sites"]] == ["SITE-A"]
    assert own["sites"][0]["counts"]["eligible"] == 1
    researcher = client_of(trial_registry, "research")
    shared = researcher.get(f"/api/v1/trials/{NCT}/feasibility").json()
    assert shared["disclosure_control"]["counts"] == "controlled"
    assert shared["total"] == 15  # 13 patients, rounded to 5
    for row in shared["sites"]:
        assert all(count is None or count % 5 == 0 for count in row["counts"].values())
    page = researcher.get(f"/trials/{NCT}/feasibility")
    assert "Disclosure control" in page.text and "suppressed" in page.text
    for identifier in ("P01", "p-A1", "SPS-T"):
        assert identifier not in page.text
    assert researcher.get(f"/trials/{NCT}/screening").status_code == 403
    assert researcher.get(f"/api/v1/trials/{NCT}/screening").status_code == 403


def test_roles_refused(trial_registry: Registry) -> None:
    patient = client_of(trial_registry, "patient.a")
    for path in (
        "/trials",
        f"/trials/{NCT}",
        f"/trials/{NCT}/screening",
        f"/trials/{NCT}/feasibility",
        "/api/v1/trials",
        f"/api/v1/trials/{NCT}/screening",
        f"/api/v1/trials/{NCT}/feasibility",
    ):
        assert patient.get(path).status_code == 403, path
    admin = client_of(trial_registry, "root")
    assert admin.get(f"/trials/{NCT}/screening").status_code == 403
    assert admin.get(f"/api/v1/trials/{NCT}/feasibility").status_code == 200
