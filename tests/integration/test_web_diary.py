"""The patient's diary pages, their summary, the staff's read-only diary and the diary API, on
SQLite and PostgreSQL (the clock is fixed at 2026-11-21)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from fastapi.testclient import TestClient
from web_harness import NOW, add_accounts, login, web_app

from spsreg.domain import DiaryEntry
from spsreg.store import Actor, RecordKind, Registry
from spsreg.web.diary_entries import diary_entry_id

TODAY = "2026-11-21"


@pytest.fixture
def app_registry(registry: Registry, admin: Actor) -> Registry:
    add_accounts(registry, admin)
    return registry


@pytest.fixture
def client(app_registry: Registry) -> TestClient:
    return TestClient(web_app(app_registry))


def stored_entry(registry: Registry, admin: Actor, patient_id: str, day: str) -> DiaryEntry:
    entry = registry.get(
        admin, RecordKind.DIARY_ENTRIES, diary_entry_id(patient_id, date.fromisoformat(day))
    ).record
    assert isinstance(entry, DiaryEntry)
    return entry


def version_in(html: str) -> str:
    found = re.search(r'name="version" id="version" value="([^"]*)"', html)
    assert found is not None
    return found.group(1)


def bearer(registry: Registry, admin: Actor, user: str) -> dict[str, str]:
    token, _ = registry.create_api_token(admin, user, "diary tests", now=NOW)
    return {"Authorization": f"Bearer {token}"}


# Pages


def test_the_diary_page_is_phone_ready_and_every_input_has_a_label(client: TestClient) -> None:
    login(client, "patient.a")
    page = client.get("/diary")
    assert page.status_code == 200
    html = page.text
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    assert '<link rel="stylesheet" href="/static/diary.css">' in html
    visible = re.findall(r'<input id="([^"]+)"[^>]*type="(?!hidden)', html)
    visible += re.findall(r'<input type="(?:radio|checkbox)" id="([^"]+)"', html)
    assert {"stiffness-0", "stiffness-10", "sedation-5", "spasm_count", "falls"} <= set(visible)
    for input_id in visible:
        assert f'for="{input_id}"' in html, f"input {input_id} has no label"
    assert html.count('inputmode="numeric"') >= 4  # spasms, falls, two current medicines
    assert 'id="dose-diazepam"' in html and "Diazepam" in html and "7.5 mg" in html
    assert 'id="dose-ivig"' not in html  # stopped in 2020: not a current medicine
    assert f'max="{TODAY}"' in html and f"Today, {TODAY}" in html
    assert "0 = not stiff at all. 10 = the worst stiffness you can imagine." in html
    assert client.get("/static/diary.css").status_code == 200


def test_a_patient_saves_then_edits_an_entry(
    client: TestClient, app_registry: Registry, admin: Actor
) -> None:
    csrf = login(client, "patient.a")
    form = {
        "csrf_token": csrf,
        "entry_date": TODAY,
        "version": "",
        "stiffness": "4",
        "sedation": "",
        "spasm_count": "3",
        "falls": "0",
        "triggers": ["noise", "cold"],
        "doses.diazepam": "2",
        "doses.baclofen": "",
    }
    saved = client.post("/diary", data=form, follow_redirects=False)
    assert saved.status_code == 303
    assert saved.headers["location"] == f"/diary?date={TODAY}&saved={TODAY}"
    page = client.get(saved.headers["location"])
    assert f"Saved for {TODAY}." in page.text
    assert 'id="stiffness-4" name="stiffness" value="4" checked' in page.text
    entry = stored_entry(app_registry, admin, "p-A1", TODAY)
    assert (entry.stiffness, entry.spasm_count, entry.falls, entry.sedation) == (4, 3, 0, None)
    assert [t.value for t in entry.triggers] == ["noise", "cold"]
    assert [(d.drug_id, d.doses) for d in entry.doses_taken] == [("diazepam", 2)]

    edited = client.post(
        "/diary",
        data={**form, "version": version_in(page.text), "stiffness": "6", "triggers": []},
        follow_redirects=False,
    )
    assert edited.status_code == 303
    entry = stored_entry(app_registry, admin, "p-A1", TODAY)
    assert entry.stiffness == 6 and entry.triggers == ()
    assert f"{TODAY}" in client.get("/diary").text.split('id="recent-entries"')[1]


def test_an_earlier_day_is_prefilled_and_a_stale_edit_keeps_the_input(
    client: TestClient, app_registry: Registry, admin: Actor
) -> None:
    csrf = login(client, "patient.a")
    page = client.get("/diary?date=2021-03-02")  # imported entry, stiffness 5
    assert page.status_code == 200
    assert 'id="stiffness-5" name="stiffness" value="5" checked' in page.text
    old_version = version_in(page.text)
    assert old_version
    form = {"csrf_token": csrf, "entry_date": "2021-03-02", "version": old_version}
    first = client.post("/diary", data={**form, "stiffness": "7"}, follow_redirects=False)
    assert first.status_code == 303
    stale = client.post("/diary", data={**form, "stiffness": "2", "spasm_count": "9"})
    assert stale.status_code == 409
    assert "Someone else changed this diary day" in stale.text
    assert 'id="stiffness-2" name="stiffness" value="2" checked' in stale.text
    assert 'value="9"' in stale.text  # the patient's spasm count is still in the form
    assert "What is stored now for 2021-03-02" in stale.text
    assert version_in(stale.text) != old_version
    stored = app_registry.get(admin, RecordKind.DIARY_ENTRIES, "p-A1-diary-2021-03-02").record
    assert stored.stiffness == 7  # kept its imported id, nothing overwritten by the stale form
    # Creating a day that already has an entry (form without a version) is refused too.
    created_twice = client.post("/diary", data={**form, "version": "", "stiffness": "1"})
    assert created_twice.status_code == 409
    assert "An entry for this day was saved in the meantime" in created_twice.text


def test_empty_future_and_out_of_range_entries_are_refused_in_plain_words(
    client: TestClient, app_registry: Registry, admin: Actor
) -> None:
    csrf = login(client, "patient.a")
    base = {"csrf_token": csrf, "entry_date": TODAY, "version": ""}
    empty = client.post("/diary", data=base)
    assert empty.status_code == 400
    assert "Nothing was saved: An empty diary entry: record at least one symptom" in empty.text
    future = client.post("/diary", data={**base, "entry_date": "2026-11-22", "stiffness": "3"})
    assert future.status_code == 400
    assert "2026-11-22 is in the future" in future.text
    assert client.get("/diary?date=2026-11-22").status_code == 400
    wrong = client.post(
        "/diary", data={**base, "stiffness": "11", "spasm_count": "many", "doses.diazepam": "-1"}
    )
    assert wrong.status_code == 400
    assert "Choose your stiffness as a number from 0 to 10" in wrong.text
    assert "Enter the number of spasms as a whole number from 0 to 1000" in wrong.text
    assert "Enter the doses of Diazepam as a whole number from 0 to 48" in wrong.text
    assert 'aria-invalid="true" aria-describedby="spasm_count-error"' in wrong.text
    assert 'value="many"' in wrong.text
    with pytest.raises(Exception, match="not found"):
        stored_entry(app_registry, admin, "p-A1", TODAY)


def test_a_form_without_the_csrf_token_is_refused(
    client: TestClient, app_registry: Registry, admin: Actor
) -> None:
    login(client, "patient.a")
    refused = client.post("/diary", data={"entry_date": TODAY, "stiffness": "3"})
    assert refused.status_code == 403
    with pytest.raises(Exception, match="not found"):
        stored_entry(app_registry, admin, "p-A1", TODAY)


def test_my_summary_shows_only_my_own_record(client: TestClient) -> None:
    login(client, "patient.a")
    page = client.get("/me")
    assert page.status_code == 200
    assert "Diazepam" in page.text and "7.5 mg 3x every day" in page.text
    assert "modified Rankin Scale (mRS)" in page.text and "2019-06-03" in page.text
    assert "2021-03-02" in page.text
    assert "p-A2" not in page.text and "p-B1" not in page.text
    assert "dr.a" not in page.text


@pytest.mark.parametrize("user", ["dr.a", "coord.a", "root", "research"])
def test_staff_cannot_open_the_patient_pages(client: TestClient, user: str) -> None:
    login(client, user)
    for path in ("/me", "/diary"):
        refused = client.get(path)
        assert refused.status_code == 403
        assert "for patient accounts only" in refused.text


def test_site_staff_read_a_patients_diary_and_other_sites_get_404(client: TestClient) -> None:
    login(client, "dr.a")
    page = client.get("/patients/p-A1/diary")
    assert page.status_code == 200
    assert "<caption>3 diary entries, newest first</caption>" in page.text
    assert "noise or a sudden sound, cold" in page.text and "Diazepam: 3" in page.text
    assert client.get("/patients/p-B1/diary").status_code == 404
    client.cookies.clear()
    login(client, "dr.b")
    hidden = client.get("/patients/p-A1/diary")
    assert hidden.status_code == 404
    assert "2021-03-01" not in hidden.text
    client.cookies.clear()
    login(client, "research")
    assert client.get("/patients/p-A1/diary").status_code == 403
    client.cookies.clear()
    login(client, "patient.a")
    assert client.get("/patients/p-A1/diary").status_code == 403


# API


def test_api_create_replace_conflict_and_precondition(
    client: TestClient, app_registry: Registry, admin: Actor
) -> None:
    headers = bearer(app_registry, admin, "dr.a")
    url = "/api/v1/patients/p-A1/diary/2026-11-20"
    created = client.put(url, json={"stiffness": 5, "triggers": ["touch"]}, headers=headers)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["id"] == "p-A1:diary:2026-11-20" and body["stiffness"] == 5
    assert created.headers["etag"] == f'"{body["version"]}"'
    again = client.put(url, json={"stiffness": 1}, headers=headers)
    assert again.status_code == 409
    assert again.json()["current_version"] == body["version"]
    stale = client.put(
        url, json={"stiffness": 1}, headers={**headers, "If-Match": f'"{body["version"] - 1}"'}
    )
    assert stale.status_code == 412
    assert stale.json()["current_version"] == body["version"]
    replaced = client.put(
        url, json={"falls": 2}, headers={**headers, "If-Match": created.headers["etag"]}
    )
    assert replaced.status_code == 200
    assert replaced.json()["falls"] == 2 and replaced.json()["stiffness"] is None
    assert replaced.headers["etag"] != created.headers["etag"]
    listed = client.get(
        "/api/v1/patients/p-A1/diary?from=2021-03-01&to=2026-11-30", headers=headers
    )
    assert listed.status_code == 200
    entries = listed.json()["entries"]
    assert [e["entry_date"] for e in entries] == ["2021-03-01", "2021-03-02", "2026-11-20"]
    assert entries[-1]["version"] == replaced.json()["version"]


def test_api_replaces_an_imported_entry_keeping_its_id(
    client: TestClient, app_registry: Registry, admin: Actor
) -> None:
    headers = bearer(app_registry, admin, "coord.a")
    url = "/api/v1/patients/p-A1/diary/2021-03-01"
    conflict = client.put(url, json={"stiffness": 2}, headers=headers)
    assert conflict.status_code == 409
    version = conflict.json()["current_version"]
    assert isinstance(version, int)
    replaced = client.put(
        url, json={"stiffness": 2}, headers={**headers, "If-Match": f'"{version}"'}
    )
    assert replaced.status_code == 200
    assert replaced.json()["id"] == "p-A1-diary-2021-03-01"
    absent = client.put(
        "/api/v1/patients/p-A1/diary/2026-01-01",
        json={"stiffness": 2},
        headers={**headers, "If-Match": '"1"'},
    )
    assert absent.status_code == 412


def test_api_refuses_future_empty_and_identified_bodies(
    client: TestClient, app_registry: Registry, admin: Actor
) -> None:
    headers = bearer(app_registry, admin, "dr.a")
    future = client.put(
        "/api/v1/patients/p-A1/diary/2026-11-22", json={"falls": 1}, headers=headers
    )
    assert future.status_code == 422 and "in the future" in future.json()["detail"]
    empty = client.put("/api/v1/patients/p-A1/diary/2026-11-20", json={}, headers=headers)
    assert empty.status_code == 422 and "empty diary entry" in empty.json()["detail"]
    with_id = client.put(
        "/api/v1/patients/p-A1/diary/2026-11-20", json={"id": "x", "falls": 1}, headers=headers
    )
    assert with_id.status_code == 422


def test_api_access_by_role_patient_and_site(
    client: TestClient, app_registry: Registry, admin: Actor
) -> None:
    own = bearer(app_registry, admin, "patient.a")
    body = {"spasm_count": 4}
    assert (
        client.put("/api/v1/patients/p-A1/diary/2026-11-21", json=body, headers=own).status_code
        == 201
    )
    assert client.get("/api/v1/patients/p-A1/diary", headers=own).status_code == 200
    for other in ("p-A2", "p-B1", "p-missing"):
        assert client.get(f"/api/v1/patients/{other}/diary", headers=own).status_code == 404
        put = client.put(f"/api/v1/patients/{other}/diary/2026-11-21", json=body, headers=own)
        assert put.status_code == 404
    site_b = bearer(app_registry, admin, "dr.b")
    hidden = client.get("/api/v1/patients/p-A1/diary", headers=site_b)
    assert hidden.status_code == 404 and "2021-03-01" not in hidden.text
    assert (
        client.put("/api/v1/patients/p-A1/diary/2026-11-20", json=body, headers=site_b).status_code
        == 404
    )
    for user in ("research", "root"):
        headers = bearer(app_registry, admin, user)
        assert client.get("/api/v1/patients/p-A1/diary", headers=headers).status_code == 403
        refused = client.put("/api/v1/patients/p-A1/diary/2026-11-20", json=body, headers=headers)
        assert refused.status_code == 403
    assert client.get("/api/v1/patients/p-A1/diary").status_code == 401


def test_api_over_a_session_needs_the_csrf_header(client: TestClient) -> None:
    csrf = login(client, "patient.a")
    url = "/api/v1/patients/p-A1/diary/2026-11-19"
    assert client.put(url, json={"falls": 1}).status_code == 403
    saved = client.put(url, json={"falls": 1}, headers={"X-CSRF-Token": csrf})
    assert saved.status_code == 201
    assert (
        client.put(
            "/api/v1/patients/p-A2/diary/2026-11-19",
            json={"falls": 1},
            headers={"X-CSRF-Token": csrf},
        ).status_code
        == 404
    )
