"""Journey: a site-A clinician types the addresses of a site-B patient's pages."""

from __future__ import annotations

import pytest
from browser_steps import CANARY_IDENTIFIERS, canaries_of, login, screenshot
from playwright.sync_api import Page, expect
from record_examples import pseudonym_for

SITE_B_PAGES = {
    "patient": "/patients/p-B1",
    "case-report": "/reports/case/p-B1",
    "diary": "/patients/p-B1/diary",
}
REFUSAL_TITLES = {404: "Not found", 403: "Outside your access"}


def test_site_a_user_is_refused_site_b_pages(page: Page, request: pytest.FixtureRequest) -> None:
    login(page, "dr.a")
    # The canaries are really there: dr.a sees the identifiers of a site-A patient.
    page.goto("/patients/p-A1")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Patient {pseudonym_for('p-A1')}")
    expect(page.get_by_text(CANARY_IDENTIFIERS["p-A1"]["hospital_number"])).to_be_visible()
    leaks = [*canaries_of("p-B1"), "SITE-B", "Site B Neuroimmunology"]
    for step, path in SITE_B_PAGES.items():
        response = page.goto(path)
        assert response is not None
        assert response.status in REFUSAL_TITLES, f"{path}: status {response.status}"
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(REFUSAL_TITLES[response.status])
        expect(page.get_by_role("alert")).to_be_visible()
        expect(page.get_by_role("link", name="Back to your start page")).to_be_visible()
        text = page.locator("body").inner_text()
        html = page.content()
        for leaked in leaks:
            assert leaked not in text and leaked not in html, f"{leaked!r} is on {path}"
        screenshot(page, request, step)
