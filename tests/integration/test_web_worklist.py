"""The worklist API and the dashboard page on SQLite and PostgreSQL: the service's worklist with
pseudonyms, decisions by alert id (site scope, unknown and ambiguous ids), role refusals, CSRF,
field errors with the input kept, and the notice after a decision."""

from __future__ import annotations

from datetime import date

import pytest
from fastapi.testclient import TestClient
from record_examples import minimal_record
from web_harness import NOW, add_accounts, csrf_of, login, web_app

from spsreg.domain import Dose, DoseUnit, DosingSchedule, MedicationCourse, Route, TherapyIntent
from spsreg.services import worklist_cache as cache_module
from spsreg.services.monitoring import worklist
from spsreg.store import Actor, Registry, Role

A, B = "p-web-wl-a", "p-web-wl-b"
COMBINATION = "benzodiazepine_with_opioid"
TODAY = NOW.date()


def course(patient_id: str, name: str, drug: str, mg: float, times: int) -> MedicationCourse:
    return MedicationCourse(
        id=f"{patient_id}-{name}",
        drug_id=drug,
        route=Route.ORAL,
        intent=TherapyIntent.SYMPTOMATIC,
        schedule=DosingSchedule.REGULAR,
        dose=Dose(value=mg, unit=DoseUnit.MG),
        times_per_period=times,
        period_days=1,
        start_date=date(2026, 1, 5),
    )


@pytest.fixture
def client(registry: Registry, admin: Actor) -> TestClient:
    add_accounts(registry, admin)
    for patient_id, site in ((A, "SITE-A"), (B, "SITE-B")):
        record = minimal_record(patient_id, site).model_copy(
            update={
                "medication_courses": (
                    course(patient_id, "dzp", "diazepam", 10, 3),
                    course(patient_id, "oxy", "oxycodone", 5, 2),
                )
            }
        )
        registry.save_patient_record(admin, record, reason="worklist web test")
    return TestClient(web_app(registry))


def combination_of(body: dict[str, object], patient_id: str) -> dict[str, object]:
    entries = body["entries"]
    assert isinstance(entries, list)
    return next(e for e in entries if e["rule_id"] == COMBINATION and e["patient_id"] == patient_id)


def test_the_api_lists_the_services_worklist_with_pseudonyms_and_sources(
    client: TestClient, registry: Registry
) -> None:
    login(client, "dr.a")
    body = client.get("/api/v1/worklist").json()
    expected = worklist(registry, Actor("dr.a", Role.CLINICIAN, "SITE-A"), TODAY)
    assert [e["id"] for e in body["entries"]] == [e.alert_id for e in expected.entries]
    assert body["total"] == len(expected.entries) and body["as_of"] == TODAY.isoformat()
    item = combination_of(body, A)
    assert item["severity"] == "critical" and item["site_id"] == "SITE-A"
    assert item["pseudonym"] == minimal_record(A, "SITE-A").patient.pseudonym
    assert item["sources"] and item["explanation"] and item["rule_name"]
    assert {e["site_id"] for e in body["entries"]} == {"SITE-A"} and B not in str(body)
    assert client.get("/api/v1/worklist", params={"site": "SITE-B"}).status_code == 403
    paged = client.get("/api/v1/worklist", params={"limit": 1, "offset": 1}).json()
    assert [e["id"] for e in paged["entries"]] == [e["id"] for e in body["entries"][1:2]]


def test_researchers_and_patients_get_no_worklist(client: TestClient) -> None:
    for name in ("research", "patient.a"):
        fresh = TestClient(client.app)
        login(fresh, name)
        for path in ("/api/v1/worklist", "/dashboard"):
            response = fresh.get(path)
            assert response.status_code == 403, (name, path)
            assert "worklist" in response.text
    assert TestClient(client.app).get("/api/v1/worklist").status_code == 401


def test_decisions_through_the_api_are_scoped_and_silence_the_alert(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = TestClient(client.app)
    login(other, "dr.b")
    b_id = combination_of(other.get("/api/v1/worklist").json(), B)["id"]
    token = login(client, "dr.a")
    headers = {"X-CSRF-Token": token}
    refused = client.post(
        f"/api/v1/alerts/{b_id}/acknowledge", json={"reason": "x"}, headers=headers
    )
    assert refused.status_code == 404 and B not in refused.text
    a_id = combination_of(client.get("/api/v1/worklist").json(), A)["id"]
    assert (
        client.post(f"/api/v1/alerts/{a_id}/acknowledge", json={"reason": ""}, headers=headers)
    ).status_code == 422
    assert (
        client.post(f"/api/v1/alerts/{a_id}/acknowledge", json={"reason": "x"})
    ).status_code == 403  # a session without its CSRF token
    snoozed = client.post(
        f"/api/v1/alerts/{a_id}/snooze",
        json={"reason": "taper booked", "until": "2026-12-01"},
        headers=headers,
    )
    assert snoozed.status_code == 200, snoozed.text
    decision = snoozed.json()
    assert (decision["decision"], decision["until"], decision["by"]) == (
        "snooze",
        "2026-12-01",
        "dr.a",
    )
    listed = client.get("/api/v1/worklist").json()
    assert a_id not in {e["id"] for e in listed["entries"]} and listed["silenced_hidden"] == 1
    silenced = client.get("/api/v1/worklist", params={"include_silenced": True}).json()
    assert combination_of(silenced, A)["silenced_by"]["reason"] == "taper booked"
    monkeypatch.setattr(cache_module, "MIN_PREFIX_LENGTH", 0)
    root = TestClient(client.app)
    root_headers = {"X-CSRF-Token": login(root, "root")}
    ambiguous = root.post(
        "/api/v1/alerts/%20/acknowledge", json={"reason": "x"}, headers=root_headers
    )
    assert ambiguous.status_code == 409 and "give more of its characters" in ambiguous.text


def test_the_dashboard_shows_the_worklist_and_records_decisions_by_form(
    client: TestClient,
) -> None:
    login(client, "dr.a")
    page = client.get("/dashboard")
    assert page.status_code == 200
    html = page.text
    a_id = combination_of(client.get("/api/v1/worklist").json(), A)["id"]
    assert "<caption>" in html and ">Critical</span>" in html
    assert f'href="/patients/{A}"' in html and B not in html
    assert "0 silenced alerts hidden" in html
    token = csrf_of(html)
    assert (client.post(f"/alerts/{a_id}/acknowledge", data={"reason": "seen"})).status_code == 403
    missing = client.post(
        f"/alerts/{a_id}/snooze", data={"reason": "", "until": "2026-12-01", "csrf_token": token}
    )
    assert missing.status_code == 400
    assert 'aria-invalid="true"' in missing.text and "Enter a reason" in missing.text
    assert 'value="2026-12-01"' in missing.text
    done = client.post(
        f"/alerts/{a_id}/acknowledge",
        data={"reason": "reviewed with the patient", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303 and done.headers["location"].startswith("/dashboard?")
    after = client.get(done.headers["location"]).text
    assert f"Alert {a_id} ({COMBINATION})" in after and "acknowledged" in after
    assert "1 silenced alert hidden" in after and 'href="/dashboard?include_silenced=1"' in after
    assert "reviewed with the patient" in client.get("/dashboard?include_silenced=1").text


def test_an_administrator_picks_a_site_but_records_no_decision(client: TestClient) -> None:
    token = login(client, "root")
    html = client.get("/dashboard", params={"site": "SITE-B"}).text
    assert 'id="site"' in html and f'href="/patients/{B}"' in html and A not in html
    assert "/acknowledge" not in html
    b_id = combination_of(client.get("/api/v1/worklist").json(), B)["id"]
    refused = client.post(f"/alerts/{b_id}/acknowledge", data={"reason": "x", "csrf_token": token})
    assert refused.status_code == 403 and "no site" in refused.text
