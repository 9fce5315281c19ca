"""Report pages on SQLite and PostgreSQL: the case report (staff of the patient's site, with
downloads), the cohort report (exact for own-site staff, controlled for researchers), site
isolation, role refusals and the PHI canary."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from record_examples import PHI_CANARY
from test_web_cohort import canary_at_site_a
from web_harness import add_accounts, login, web_app

from spsreg.store import Actor, Registry


@pytest.fixture
def app_registry(registry: Registry, admin: Actor) -> Registry:
    add_accounts(registry, admin)
    registry.save_patient_record(admin, canary_at_site_a(), reason="PHI canary")
    return registry


def client_of(registry: Registry, user: str) -> TestClient:
    client = TestClient(web_app(registry))
    login(client, user)
    return client


def test_case_report_in_the_app_and_as_downloads(app_registry: Registry) -> None:
    client = client_of(app_registry, "dr.a")
    page = client.get("/reports/case/p-A1")
    assert page.status_code == 200
    assert "<style" not in page.text and "<svg" not in page.text
    assert 'href="/reports/case/p-A1?download=pdf"' in page.text
    expected = {"html": "text/html", "md": "text/markdown", "pdf": "application/pdf"}
    for fmt, media in expected.items():
        response = client.get(f"/reports/case/p-A1?download={fmt}")
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(media)
        disposition = response.headers["content-disposition"]
        assert disposition == f'attachment; filename="case-report-p-A1.{fmt}"'
        assert "script-src" not in response.headers["content-security-policy"]
    assert client.get("/reports/case/p-A1?download=pdf").content.startswith(b"%PDF")
    html = client.get("/reports/case/p-A1?download=html").text
    assert "<style" in html
    assert "Xq9given" not in html and "Xq9family" not in html


def test_case_report_site_isolation_and_roles(app_registry: Registry) -> None:
    client = client_of(app_registry, "dr.a")
    other = client.get("/reports/case/p-B1")
    assert other.status_code == 404
    assert "p-B1" not in client.get("/reports/case/p-B1?download=html").text.replace(
        "patient p-B1 not found", ""
    )
    assert client_of(app_registry, "dr.b").get("/reports/case/p-A1").status_code == 404
    assert client_of(app_registry, "research").get("/reports/case/p-A1").status_code == 403
    patient = client_of(app_registry, "patient.a")
    for path in ("/reports", "/reports/case/p-A1", "/reports/cohort"):
        assert patient.get(path).status_code == 403, path


def test_cohort_report_exact_for_own_site_staff(app_registry: Registry) -> None:
    client = client_of(app_registry, "dr.a")
    page = client.get("/reports/cohort")
    assert page.status_code == 200
    assert "3 patients" in page.text
    assert "Exact counts" in page.text
    download = client.get("/reports/cohort?download=html")
    assert download.headers["content-disposition"] == 'attachment; filename="cohort-report.html"'


def test_cohort_report_controlled_for_researchers_without_identifiers(
    app_registry: Registry,
) -> None:
    client = client_of(app_registry, "research")
    index = client.get("/reports")
    assert index.status_code == 200 and "Case report" not in index.text
    page = client.get("/reports/cohort")
    assert page.status_code == 200
    assert "suppressed patients" in page.text
    assert "Disclosure control" in page.text
    for path in (
        "/reports/cohort",
        "/reports/cohort?download=html",
        "/reports/cohort?download=md",
        "/reports/cohort?therapy=ivig",
    ):
        response = client.get(path)
        assert response.status_code == 200, path
        body = response.text.lower()
        assert PHI_CANARY not in body, path
        for identifier in ("p-a1", "p-a2", "p-b1", "sps-"):
            assert identifier not in body, (path, identifier)
    pdf = client.get("/reports/cohort?download=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert PHI_CANARY.encode() not in pdf.content.lower()
