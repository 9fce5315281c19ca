"""The clinical data-entry forms: new patient, visit with live-scored scales, medication course
(new, edit, stale edit, safety check), lab result and adverse event; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from record_examples import full_record
from web_harness import NOW, add_accounts, login, web_app

from spsreg.domain import PatientRecord
from spsreg.services.monitoring import worklist
from spsreg.store import Actor, RecordKind, Registry, Role

DR_A = Actor("dr.a", Role.CLINICIAN, "SITE-A")


@pytest.fixture
def app_registry(registry: Registry, admin: Actor) -> Registry:
    add_accounts(registry, admin)
    return registry


@pytest.fixture
def client(app_registry: Registry) -> Iterator[TestClient]:
    with TestClient(web_app(app_registry)) as test_client:
        yield test_client


def session(app_registry: Registry, name: str) -> tuple[TestClient, str]:
    test_client = TestClient(web_app(app_registry))
    return test_client, login(test_client, name)


def notice_of(response_location: str) -> str:
    return parse_qs(urlsplit(response_location).query)["notice"][0]


COURSE = {
    "drug_id": "oxycodone",
    "route": "oral",
    "intent": "symptomatic",
    "schedule": "regular",
    "dose.value": "5",
    "dose.unit": "mg",
    "times_per_period": "2",
    "period_days": "1",
    "start_date": "2026-11-01",
}


def test_new_patient_is_registered_with_identifiers(
    app_registry: Registry, client: TestClient
) -> None:
    token = login(client, "dr.a")
    form = client.get("/patients/new")
    assert form.status_code == 200 and "Register patient" in form.text
    response = client.post(
        "/patients/new",
        data={
            "csrf_token": token,
            "pseudonym": "SPS-0900",
            "sex": "female",
            "birth_year_month": "1971-04",
            "phenotype": "classic",
            "diagnosis_date": "2020-05-01",
            "identifiers.given_name": "Ada",
            "identifiers.family_name": "Lovelace",
            "identifiers.hospital_number": "H-900",
            "identifiers.date_of_birth": "1971-04-12",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    patient_id = urlsplit(location).path.removeprefix("/patients/")
    assert "SPS-0900 registered" in notice_of(location)
    record = app_registry.load_patient_record(DR_A, patient_id)
    assert record.patient.site_id == "SITE-A"
    assert record.identifiers is not None and record.identifiers.family_name == "Lovelace"


def test_new_patient_field_errors_are_plain_and_keep_the_input(client: TestClient) -> None:
    token = login(client, "dr.a")
    response = client.post(
        "/patients/new",
        data={
            "csrf_token": token,
            "pseudonym": "SPS-0901",
            "sex": "female",
            "birth_year_month": "1971/04",
            "diagnosis_date": "2020-13-45",
        },
    )
    assert response.status_code == 400
    assert "Enter the birth year and month as YYYY-MM" in response.text
    assert "Enter a date as YYYY-MM-DD." in response.text
    assert 'value="1971/04"' in response.text and 'value="SPS-0901"' in response.text
    assert 'aria-invalid="true"' in response.text


def test_admin_identifiers_are_refused_by_the_store(app_registry: Registry) -> None:
    admin_client, token = session(app_registry, "root")
    before = len(app_registry.list_patients(DR_A))
    fields = {
        "csrf_token": token,
        "site_id": "SITE-A",
        "pseudonym": "SPS-0902",
        "sex": "male",
        "birth_year_month": "1980-01",
    }
    identifiers = {
        "identifiers.given_name": "Alan",
        "identifiers.family_name": "Turing",
        "identifiers.hospital_number": "H-902",
        "identifiers.date_of_birth": "1980-01-05",
    }
    refused = admin_client.post("/patients/new", data={**fields, **identifiers})
    assert refused.status_code == 403
    assert "only the staff of the" in refused.text, refused.text[refused.text.find("<main") :][
        :1500
    ]
    assert 'value="Turing"' in refused.text
    assert len(app_registry.list_patients(DR_A)) == before
    created = admin_client.post("/patients/new", data=fields, follow_redirects=False)
    assert created.status_code == 303
    assert len(app_registry.list_patients(DR_A)) == before + 1


def test_visit_with_scales_is_saved(app_registry: Registry, client: TestClient) -> None:
    token = login(client, "dr.a")
    form = client.get("/patients/p-A1/visits/new")
    assert form.status_code == 200
    assert 'data-live="/api/v1/scales/score"' in form.text
    assert "stiffness_index.lower_trunk" in form.text and "phq9.phq9_1" in form.text
    phq9 = {f"phq9.phq9_{n}": "1" for n in range(1, 10)}
    response = client.post(
        "/patients/p-A1/visits/new",
        data={"csrf_token": token, "visit_date": "2026-11-20", "kind": "routine", **phq9},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    assert "PHQ-9" in notice_of(response.headers["location"])
    record = app_registry.load_patient_record(DR_A, "p-A1")
    visit = next(v for v in record.visits if v.visit_date.isoformat() == "2026-11-20")
    assert [a.scale_id for a in visit.assessments] == ["phq9"]
    assert visit.assessments[0].responses["phq9_9"] == 1


def test_visit_range_problem_is_shown_at_the_item(client: TestClient) -> None:
    token = login(client, "dr.a")
    response = client.post(
        "/patients/p-A1/visits/new",
        data={
            "csrf_token": token,
            "visit_date": "2026-11-20",
            "t25fw.trial_1_seconds": "500",
            "t25fw.trial_2_seconds": "7.5",
        },
    )
    assert response.status_code == 400
    assert 'id="t25fw.trial_1_seconds-error"' in response.text
    assert "out of range" in response.text
    assert 'value="500"' in response.text and 'value="7.5"' in response.text


def test_live_scoring_reports_total_range_and_missing_items(client: TestClient) -> None:
    token = login(client, "dr.a")
    headers = {"X-CSRF-Token": token}
    reply = client.post(
        "/api/v1/scales/phq9/score",
        json={"items": {f"phq9_{n}": 2 for n in range(1, 10)}},
        headers=headers,
    ).json()
    assert reply["total"] == 18 and reply["complete"] is True
    assert "range 0 to 27" in reply["message"]
    partial = client.post(
        "/api/v1/scales/score",
        json={"phq9.phq9_1": "1", "stiffness_index.face": "7"},
        headers=headers,
    ).json()
    assert partial["level"] == "error"
    assert "not answered" in partial["message"] and "not a permitted value" in partial["message"]


def test_medication_course_saved_with_its_combination_alert(
    app_registry: Registry, client: TestClient
) -> None:
    token = login(client, "dr.a")
    form = client.get("/patients/p-A1/medications/new")
    assert 'data-live="/api/v1/patients/p-A1/medication-check"' in form.text
    check = client.post(
        "/api/v1/patients/p-A1/medication-check", json=COURSE, headers={"X-CSRF-Token": token}
    ).json()
    rules = {alert["rule_id"] for alert in check["alerts"]}
    assert any("opioid" in rule for rule in rules), check
    assert all(alert["sources"] and alert["explanation"] for alert in check["alerts"])
    response = client.post(
        "/patients/p-A1/medications/new",
        data={"csrf_token": token, **COURSE},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    notice = notice_of(response.headers["location"])
    assert "new alert" in notice and "worklist" in notice
    listed = worklist(app_registry, DR_A, NOW.date(), patient_ids=["p-A1"])
    assert rules <= {entry.alert.rule_id for entry in listed.entries}


def test_medication_check_reports_a_dose_above_the_limit(client: TestClient) -> None:
    token = login(client, "dr.a")
    course = {**COURSE, "drug_id": "gabapentin", "dose.value": "1600", "times_per_period": "3"}
    reply = client.post(
        "/api/v1/patients/p-A2/medication-check", json=course, headers={"X-CSRF-Token": token}
    ).json()
    assert "gabapentin_above_sps_reported_maximum" in {a["rule_id"] for a in reply["alerts"]}
    assert "Safety check" in reply["message"]


def test_medication_field_errors_in_plain_language(client: TestClient) -> None:
    token = login(client, "dr.a")
    response = client.post(
        "/patients/p-A1/medications/new",
        data={"csrf_token": token, **COURSE, "dose.value": "-5", "start_date": "01/11/2026"},
    )
    assert response.status_code == 400
    assert "The dose must be more than 0 mg." in response.text
    assert "Enter a date as YYYY-MM-DD." in response.text
    assert 'value="-5"' in response.text and 'value="01/11/2026"' in response.text


def test_stale_course_edit_gets_a_conflict_page_with_input_kept(app_registry: Registry) -> None:
    first, token_1 = session(app_registry, "dr.a")
    second, token_2 = session(app_registry, "coord.a")
    course_id = "p-A1-course-diazepam-2"
    path = f"/patients/p-A1/medications/{course_id}/edit"
    form_1, form_2 = first.get(path).text, second.get(path).text
    version = re.search(r'name="version" value="(\d+)"', form_1)
    assert version is not None and f'name="version" value="{version.group(1)}"' in form_2
    fields = {
        "drug_id": "diazepam",
        "route": "oral",
        "intent": "symptomatic",
        "schedule": "regular",
        "dose.unit": "mg",
        "times_per_period": "3",
        "period_days": "1",
        "start_date": "2019-09-01",
        "previous_course_id": "p-A1-course-diazepam-1",
        "version": version.group(1),
    }
    saved = first.post(
        path, data={"csrf_token": token_1, **fields, "dose.value": "8"}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    stale = second.post(path, data={"csrf_token": token_2, **fields, "dose.value": "9.5"})
    assert stale.status_code == 409
    assert "Someone else changed this medication course" in stale.text
    assert 'value="9.5"' in stale.text
    assert "Stored now" in stale.text and "8 mg" in stale.text
    stored = app_registry.get(DR_A, RecordKind.MEDICATION_COURSES, course_id)
    assert stored.record.dose.value == 8


def test_lab_and_adverse_event_forms(app_registry: Registry, client: TestClient) -> None:
    token = login(client, "dr.a")
    assert client.get("/patients/p-A1/labs/new").status_code == 200
    wrong_unit = {
        "csrf_token": token,
        "analyte": "gad65_antibody",
        "collected_on": "2026-10-01",
        "specimen": "serum",
        "method": "ria",
        "value": "250",
        "unit": "IU/mL",
    }
    refused = client.post("/patients/p-A1/labs/new", data=wrong_unit)
    assert refused.status_code == 400 and "nmol/L" in refused.text
    assert 'value="IU/mL"' in refused.text
    saved = client.post(
        "/patients/p-A1/labs/new", data={**wrong_unit, "unit": "nmol/L"}, follow_redirects=False
    )
    assert saved.status_code == 303, saved.text
    event = {
        "csrf_token": token,
        "term": "Somnolence",
        "grade": "2",
        "onset_date": "2026-10-02",
        "suspected_course_ids": "p-A1-course-diazepam-2",
    }
    bad = client.post("/patients/p-A1/adverse-events/new", data={**event, "grade": "4"})
    assert bad.status_code == 400 and "serious" in bad.text.lower()
    done = client.post("/patients/p-A1/adverse-events/new", data=event, follow_redirects=False)
    assert done.status_code == 303, done.text
    record: PatientRecord = app_registry.load_patient_record(DR_A, "p-A1")
    assert any(e.term == "Somnolence" for e in record.adverse_events)
    assert any(lab.collected_on.isoformat() == "2026-10-01" for lab in record.lab_results)


@pytest.mark.parametrize(
    "path",
    [
        "/patients/p-B1/visits/new",
        "/patients/p-B1/medications/new",
        "/patients/p-B1/medications/p-B1-course-diazepam-2/edit",
        "/patients/p-B1/labs/new",
        "/patients/p-B1/adverse-events/new",
    ],
)
def test_site_b_patient_forms_are_not_found_for_site_a(client: TestClient, path: str) -> None:
    login(client, "dr.a")
    response = client.get(path)
    assert response.status_code == 404
    assert full_record("p-B1", "SITE-B").patient.pseudonym not in response.text
    shown = response.text.replace("p-B1-course-diazepam-2", "")  # the id asked for
    assert "HN-p-B1" not in shown and "diazepam" not in shown


@pytest.mark.parametrize("user", ["research", "patient.a"])
def test_researcher_and_patient_are_refused(app_registry: Registry, user: str) -> None:
    other, token = session(app_registry, user)
    assert other.get("/patients/new").status_code == 403
    assert other.get("/patients/p-A1/medications/new").status_code == 403
    reply = other.post(
        "/api/v1/patients/p-A1/medication-check", json=COURSE, headers={"X-CSRF-Token": token}
    )
    assert reply.status_code == 403


def test_forms_refuse_a_post_without_csrf_token(app_registry: Registry, client: TestClient) -> None:
    login(client, "dr.a")
    response = client.post("/patients/p-A1/medications/new", data=COURSE)
    assert response.status_code == 403
    assert all(
        c.drug_id != "oxycodone"
        for c in app_registry.load_patient_record(DR_A, "p-A1").medication_courses
    )
