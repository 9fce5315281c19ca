"""The write API for clinical records on SQLite and PostgreSQL: creation with ETags, If-Match on
course changes (428 without, 412 when stale), 422 with field paths, role and CSRF refusals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from web_harness import add_accounts, login, web_app

from spsreg.store import Actor, RecordKind, Registry, Role

DR_A = Actor("dr.a", Role.CLINICIAN, "SITE-A")

COURSE = {
    "id": "api-course-1",
    "drug_id": "oxycodone",
    "route": "oral",
    "intent": "symptomatic",
    "schedule": "regular",
    "dose": {"value": 5, "unit": "mg"},
    "times_per_period": 2,
    "period_days": 1,
    "start_date": "2026-11-01",
}


@pytest.fixture
def app_registry(registry: Registry, admin: Actor) -> Registry:
    add_accounts(registry, admin)
    return registry


def session(registry: Registry, name: str) -> tuple[TestClient, dict[str, str]]:
    client = TestClient(web_app(registry))
    return client, {"X-CSRF-Token": login(client, name)}


def test_create_patient_visit_lab_and_event(app_registry: Registry) -> None:
    client, headers = session(app_registry, "dr.a")
    created = client.post(
        "/api/v1/patients",
        json={
            "patient": {
                "id": "api-p1",
                "pseudonym": "API-0001",
                "site_id": "SITE-A",
                "sex": "female",
                "birth_year_month": "1970-02",
            }
        },
        headers=headers,
    )
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == f'"{created.json()["version"]}"'
    visit = client.post(
        "/api/v1/patients/api-p1/visits",
        json={
            "id": "api-visit-1",
            "visit_date": "2026-11-02",
            "assessments": [
                {"id": "api-a1", "scale_id": "mrs", "scale_version": "1", "responses": {"grade": 2}}
            ],
        },
        headers=headers,
    )
    assert visit.status_code == 201, visit.text
    lab = client.post(
        "/api/v1/patients/api-p1/labs",
        json={
            "id": "api-lab-1",
            "analyte": "gad65_antibody",
            "collected_on": "2026-11-02",
            "specimen": "serum",
            "method": "ria",
            "value": 120,
            "unit": "nmol/L",
        },
        headers=headers,
    )
    assert lab.status_code == 201, lab.text
    event = client.post(
        "/api/v1/patients/api-p1/adverse-events",
        json={"id": "api-ae-1", "term": "Fall", "grade": 1, "onset_date": "2026-11-03"},
        headers=headers,
    )
    assert event.status_code == 201, event.text
    record = app_registry.load_patient_record(DR_A, "api-p1")
    assert [v.id for v in record.visits] == ["api-visit-1"]
    assert len(record.lab_results) == 1 and len(record.adverse_events) == 1


def test_invalid_bodies_are_422_with_field_paths(app_registry: Registry) -> None:
    client, headers = session(app_registry, "dr.a")
    negative = client.post(
        "/api/v1/patients/p-A1/medications",
        json={**COURSE, "dose": {"value": -1, "unit": "mg"}},
        headers=headers,
    )
    assert negative.status_code == 422
    assert "dose" in negative.text and "value" in negative.text
    wrong_unit = client.post(
        "/api/v1/patients/p-A1/labs",
        json={
            "id": "api-lab-2",
            "analyte": "gad65_antibody",
            "collected_on": "2026-11-02",
            "specimen": "serum",
            "method": "ria",
            "value": 120,
            "unit": "IU/mL",
        },
        headers=headers,
    )
    assert wrong_unit.status_code == 422
    assert wrong_unit.json()["errors"][0]["path"] == "unit"
    bad_scale = client.post(
        "/api/v1/patients/p-A1/visits",
        json={
            "id": "api-visit-2",
            "visit_date": "2026-11-02",
            "assessments": [
                {"id": "api-a2", "scale_id": "mrs", "scale_version": "1", "responses": {"grade": 9}}
            ],
        },
        headers=headers,
    )
    assert bad_scale.status_code == 422
    assert bad_scale.json()["errors"][0]["path"].startswith("assessments[0].responses")


def test_course_put_needs_a_current_if_match(app_registry: Registry) -> None:
    first, headers_1 = session(app_registry, "dr.a")
    second, headers_2 = session(app_registry, "coord.a")
    created = first.post("/api/v1/patients/p-A1/medications", json=COURSE, headers=headers_1)
    assert created.status_code == 201, created.text
    assert any("opioid" in alert["rule_id"] for alert in created.json()["new_alerts"])
    etag = created.headers["etag"]
    path = "/api/v1/patients/p-A1/medications/api-course-1"
    changed = {**COURSE, "dose": {"value": 10, "unit": "mg"}}
    missing = first.put(path, json=changed, headers=headers_1)
    assert missing.status_code == 428
    updated = first.put(path, json=changed, headers={**headers_1, "If-Match": etag})
    assert updated.status_code == 200, updated.text
    assert updated.headers["etag"] != etag
    stale = second.put(
        path,
        json={**COURSE, "dose": {"value": 7.5, "unit": "mg"}},
        headers={**headers_2, "If-Match": etag},
    )
    assert stale.status_code == 412
    assert f'"{stale.json()["current_version"]}"' == updated.headers["etag"]
    stored = app_registry.get(DR_A, RecordKind.MEDICATION_COURSES, "api-course-1")
    assert stored.record.dose.value == 10


def test_refusals(app_registry: Registry) -> None:
    client, headers = session(app_registry, "dr.a")
    assert client.post("/api/v1/patients/p-A1/medications", json=COURSE).status_code == 403
    outside = client.post("/api/v1/patients/p-B1/medications", json=COURSE, headers=headers)
    assert outside.status_code == 404 and "p-B1" not in outside.text.replace(
        "patient p-B1 not found", ""
    )
    researcher, research_headers = session(app_registry, "research")
    assert researcher.post(
        "/api/v1/patients/p-A1/labs", json={}, headers=research_headers
    ).status_code in (403, 422)
    refused = researcher.post(
        "/api/v1/patients/p-A1/medications", json=COURSE, headers=research_headers
    )
    assert refused.status_code == 403


def test_routes_are_documented_in_openapi(app_registry: Registry) -> None:
    client = TestClient(web_app(app_registry))
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/patients",
        "/api/v1/patients/{patient_id}/visits",
        "/api/v1/patients/{patient_id}/medications",
        "/api/v1/patients/{patient_id}/medications/{course_id}",
        "/api/v1/patients/{patient_id}/labs",
        "/api/v1/patients/{patient_id}/adverse-events",
        "/api/v1/scales/{scale_id}/score",
        "/api/v1/patients/{patient_id}/medication-check",
    ):
        assert path in paths
    put = paths["/api/v1/patients/{patient_id}/medications/{course_id}"]["put"]
    assert {"412", "428"} <= set(put["responses"])
