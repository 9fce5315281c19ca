"""The patient list, the patient page, its timeline figure and the patients API, on SQLite and
PostgreSQL: identifiers for the patient's own site staff only, site isolation, role refusals,
the page's clinical content and the access trail of identifiable reads."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from fastapi.testclient import TestClient
from record_examples import minimal_record, pseudonym_for
from web_harness import NOW, add_accounts, login, web_app

from spsreg.domain import PatientRecord
from spsreg.services.monitoring import evaluate_patients
from spsreg.store import Actor, Registry

A1, A2, B1 = "p-A1", "p-A2", "p-B1"
NAME_A1 = "Lovelace-Test"  # family name of every full_record example
HOSPITAL_A1 = f"HN-{A1}"
HOSPITAL_B1 = f"HN-{B1}"


@pytest.fixture
def app_registry(registry: Registry, admin: Actor) -> Registry:
    add_accounts(registry, admin)
    return registry


def client_of(registry: Registry, user: str) -> TestClient:
    client = TestClient(web_app(registry))
    login(client, user)
    return client


def many_patients(registry: Registry, admin: Actor, count: int) -> None:
    for number in range(count):
        data = minimal_record(f"p-A-{number:03d}", "SITE-A").model_dump()
        data["patient"]["phenotype"] = "partial" if number % 2 else "classic"
        record = PatientRecord.model_validate(data)
        registry.save_patient_record(admin, record, reason="many patients")


def test_clinician_lists_own_site_with_identifiers(app_registry: Registry) -> None:
    client = client_of(app_registry, "dr.a")
    page = client.get("/patients")
    assert page.status_code == 200
    assert f'href="/patients/{A1}"' in page.text and pseudonym_for(A2) in page.text
    assert HOSPITAL_A1 in page.text and NAME_A1 in page.text
    assert pseudonym_for(B1) not in page.text and HOSPITAL_B1 not in page.text
    listed = client.get("/api/v1/patients").json()
    assert listed["total"] == 2
    assert {item["patient_id"] for item in listed["items"]} == {A1, A2}
    assert all(item["identifiers"]["hospital_number"] for item in listed["items"])


def test_admin_lists_every_site_without_identifiers(app_registry: Registry) -> None:
    client = client_of(app_registry, "root")
    page = client.get("/patients")
    assert page.status_code == 200
    assert all(pseudonym_for(p) in page.text for p in (A1, A2, B1))
    assert "HN-" not in page.text and NAME_A1 not in page.text
    assert 'id="site"' in page.text  # the site filter is for administrators
    only_b = client.get("/patients", params={"site": "SITE-B"}).text
    assert pseudonym_for(B1) in only_b and pseudonym_for(A1) not in only_b
    listed = client.get("/api/v1/patients").json()
    assert listed["total"] == 3
    assert all(item["identifiers"] is None for item in listed["items"])
    assert "HN-" not in client.get(f"/api/v1/patients/{A1}").text


def test_search_filter_and_paging(app_registry: Registry, admin: Actor) -> None:
    many_patients(app_registry, admin, 60)
    client = client_of(app_registry, "dr.a")
    first = client.get("/patients")
    assert "62 patients found; page 1 of 2" in first.text
    assert first.text.count('<th scope="row"><a href="/patients/') == 50
    assert 'rel="next"' in first.text
    second = client.get("/patients", params={"page": 2})
    assert second.text.count('<th scope="row"><a href="/patients/') == 12
    assert 'rel="prev"' in second.text
    by_hospital_number = client.get("/patients", params={"q": HOSPITAL_A1.lower()}).text
    assert "1 patient found" in by_hospital_number and pseudonym_for(A1) in by_hospital_number
    partial = client.get("/api/v1/patients", params={"phenotype": "partial", "limit": 500}).json()
    assert partial["total"] == 30
    assert {item["phenotype"] for item in partial["items"]} == {"partial"}
    paged = client.get("/api/v1/patients", params={"limit": 10, "offset": 55}).json()
    assert (paged["total"], len(paged["items"]), paged["offset"]) == (62, 7, 55)
    assert client.get("/api/v1/patients", params={"limit": 501}).status_code == 422
    assert client.get("/api/v1/patients", params={"phenotype": "nope"}).status_code == 422
    unknown = client.get("/patients", params={"phenotype": "nope"}).text
    assert "There is no phenotype" in unknown and 'aria-invalid="true"' in unknown


def test_admin_search_does_not_reach_identifiers(app_registry: Registry) -> None:
    client = client_of(app_registry, "root")
    assert client.get("/api/v1/patients", params={"search": HOSPITAL_A1}).json()["total"] == 0
    assert client.get("/api/v1/patients", params={"search": A1}).json()["total"] == 1


def test_patient_page_content(app_registry: Registry, admin: Actor) -> None:
    client = client_of(app_registry, "dr.a")
    page = client.get(f"/patients/{A1}")
    assert page.status_code == 200
    text = page.text
    assert f"<h1>Patient {pseudonym_for(A1)}</h1>" in text
    assert NAME_A1 in text and HOSPITAL_A1 in text
    # Active medications with dose, unit, route, frequency and start date.
    assert "7.5 mg" in text and "3 times every day" in text and "2019-09-01" in text
    assert "150 mcg" in text and "intrathecal" in text and "continuous, per day" in text
    assert f"/patients/{A1}/medications/{A1}-course-itb/edit" in text
    # Latest scores with the scale name and range.
    assert "modified Rankin Scale (mRS)" in text and "0–6" in text
    # Alerts: each with its message, explanation and source.
    alerts, *_ = evaluate_patients(app_registry, admin, NOW.date(), patient_ids=[A1])
    assert alerts, "the example record raises alerts on the harness's day"
    api = client.get(f"/api/v1/patients/{A1}").json()
    assert {a["rule_id"] for a in api["alerts"]} == {a.rule_id for a in alerts}
    for shown in api["alerts"]:
        assert shown["message"] in text.replace("&#39;", "'").replace("&quot;", '"')
        assert shown["explanation"] and shown["sources"]
        assert shown["sources"][0]["reference"] in text
    assert "Somnolence" in text and "Meningitis" in text
    assert f'<img src="/patients/{A1}/timeline.svg"' in text and 'alt="Timeline of' in text
    for link in ("visits/new", "medications/new", "labs/new", "adverse-events/new"):
        assert f"/patients/{A1}/{link}" in text
    assert f"/reports/case/{A1}" in text


def test_overview_api_schema(app_registry: Registry) -> None:
    client = client_of(app_registry, "coord.a")
    body = client.get(f"/api/v1/patients/{A1}").json()
    assert body["as_of"] == NOW.date().isoformat()
    assert body["patient"]["pseudonym"] == pseudonym_for(A1)
    assert body["identifiers"]["hospital_number"] == HOSPITAL_A1
    assert body["antibodies"]["gad65"] in {"high_titre", "positive", "negative", "unknown"}
    meds = {m["drug_id"]: m for m in body["medications"]}
    assert meds["diazepam"]["dose_value"] == 7.5 and meds["diazepam"]["dose_unit"] == "mg"
    assert meds["diazepam"]["daily_amount"] == 22.5 and meds["diazepam"]["daily_unit"] == "mg"
    assert meds["baclofen"]["route"] == "intrathecal"
    mrs = next(s for s in body["latest_scores"] if s["scale_id"] == "mrs")
    assert (mrs["minimum"], mrs["maximum"]) == (0, 6)
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/patients", "/api/v1/patients/{patient_id}"):
        get = schema["paths"][path]["get"]
        assert get["summary"] and "403" in get["responses"]
        assert "$ref" in get["responses"]["200"]["content"]["application/json"]["schema"]
    assert "/api/v1/patients/{patient_id}/timeline" in schema["paths"]


def test_timeline_svg_and_json(app_registry: Registry) -> None:
    client = client_of(app_registry, "dr.a")
    svg = client.get(f"/patients/{A1}/timeline.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(svg.content)
    assert root.tag.endswith("svg")
    assert NAME_A1.encode() not in svg.content and HOSPITAL_A1.encode() not in svg.content
    timeline = client.get(
        f"/api/v1/patients/{A1}/timeline", params={"from": "2021-02-28", "to": "2021-03-01"}
    )
    assert timeline.status_code == 200
    body = timeline.json()
    assert [d["entry_date"] for d in body["diary"]] == ["2021-02-28", "2021-03-01"]
    itb = next(c for c in body["courses"] if c["course_id"] == f"{A1}-course-itb")
    assert (itb["daily_amount"], itb["daily_unit"]) == (0.15, "mg")  # masses in mg
    assert "mrs" in body["scores"] and body["scores"]["mrs"][0]["total"] is not None
    assert any(lab["analyte"] == "gad65_antibody" for lab in body["labs"])
    backwards = client.get(
        f"/api/v1/patients/{A1}/timeline", params={"from": "2021-03-02", "to": "2021-03-01"}
    )
    assert backwards.status_code == 422


@pytest.mark.parametrize(
    "path",
    [
        f"/patients/{B1}",
        f"/patients/{B1}/timeline.svg",
        f"/api/v1/patients/{B1}",
        f"/api/v1/patients/{B1}/timeline",
        "/patients/p-nobody",
    ],
)
def test_other_site_patient_is_not_found(app_registry: Registry, path: str) -> None:
    client = client_of(app_registry, "dr.a")
    response = client.get(path)
    assert response.status_code == 404
    assert pseudonym_for(B1) not in response.text and HOSPITAL_B1 not in response.text
    assert "Lovelace" not in response.text


def test_site_staff_cannot_list_another_site(app_registry: Registry) -> None:
    client = client_of(app_registry, "dr.a")
    response = client.get("/api/v1/patients", params={"site": "SITE-B"})
    assert response.status_code == 403
    assert pseudonym_for(B1) not in response.text


@pytest.mark.parametrize("user", ["research", "patient.a"])
@pytest.mark.parametrize(
    "path",
    [
        "/patients",
        f"/patients/{A1}",
        f"/patients/{A1}/timeline.svg",
        "/api/v1/patients",
        f"/api/v1/patients/{A1}",
        f"/api/v1/patients/{A1}/timeline",
    ],
)
def test_researchers_and_patients_are_refused(app_registry: Registry, user: str, path: str) -> None:
    response = client_of(app_registry, user).get(path)
    assert response.status_code == 403
    assert pseudonym_for(A1) not in response.text and "Lovelace" not in response.text


def test_not_logged_in(app_registry: Registry) -> None:
    client = TestClient(web_app(app_registry))
    assert client.get("/api/v1/patients").status_code == 401
    page = client.get(f"/patients/{A1}", follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_identifiable_reads_are_in_the_access_trail(app_registry: Registry, admin: Actor) -> None:
    client = client_of(app_registry, "dr.a")
    assert client.get(f"/patients/{A1}").status_code == 200
    assert client.get("/patients").status_code == 200
    trail = [e for e in app_registry.access_trail(admin, A1) if e.actor_user == "dr.a"]
    assert {(e.what, e.channel) for e in trail} >= {("identifiers", "web")}
    assert len(trail) == 2  # the page and the list row each read the identifiers once
    admin_client = client_of(app_registry, "root")
    assert admin_client.get(f"/patients/{A1}").status_code == 200
    assert not [e for e in app_registry.access_trail(admin, A1) if e.actor_user == "root"]


def test_page_day_is_the_settings_day(app_registry: Registry) -> None:
    body = client_of(app_registry, "dr.a").get(f"/api/v1/patients/{A1}").json()
    assert date.fromisoformat(body["diary"]["last_day"]) == NOW.date()
