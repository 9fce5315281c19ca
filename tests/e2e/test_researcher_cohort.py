"""Journey: a researcher explores the cohort and never meets an identifier."""

from __future__ import annotations

import re
from urllib.parse import urljoin

import pytest
from browser_steps import SITE_OF, TODAY, canaries_of, login, screenshot
from playwright.sync_api import Page, expect


def test_researcher_sees_counts_without_identifiers(
    page: Page, request: pytest.FixtureRequest
) -> None:
    addresses: list[str] = []
    page.on("response", lambda response: addresses.append(response.url))
    login(page, "research")
    page.goto("/cohort")
    expect(page.get_by_role("heading", level=1, name="Cohort explorer")).to_be_visible()
    policy = page.locator("#policy")
    expect(policy).to_be_visible()
    expect(policy).to_contain_text("Disclosure control")
    expect(policy).to_contain_text("suppressed")
    summary = re.compile(rf"As of {TODAY.isoformat()}: (suppressed|\d+) patients")
    expect(page.get_by_text(summary)).to_be_visible()
    tables = page.get_by_role("table")
    assert tables.count() >= 1
    expect(tables.first.get_by_role("columnheader", name="patients")).to_be_visible()
    site_table = page.get_by_role("table", name="Patients by site (controlled)")
    expect(site_table.get_by_role("rowheader", name="SITE-A")).to_be_visible()
    expect(site_table.get_by_role("cell", name="suppressed").first).to_be_visible()
    images = page.get_by_role("img")
    assert images.count() == tables.count(), "every count table has its bar chart"
    page.wait_for_load_state("networkidle")
    screenshot(page, request, "01-cohort")

    forbidden = canaries_of(*SITE_OF)
    text = page.locator("body").inner_text()
    html = page.content()
    for canary in forbidden:
        assert canary not in text and canary not in html, f"{canary!r} is on the cohort page"

    # Every image and link the page offers, fetched with the researcher's session.
    sources = page.eval_on_selector_all("img[src]", "els => els.map(e => e.src)")
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    same_site = [u for u in sources + links if u.startswith(urljoin(page.url, "/"))]
    assert any("/cohort/figures/" in u for u in same_site)
    assert any("/api/v1/cohort" in u for u in same_site)
    for url in dict.fromkeys(same_site):
        response = page.request.get(url)
        assert response.status < 500, f"{url}: status {response.status}"
        body = response.text()
        for canary in forbidden:
            assert canary not in body, f"{canary!r} is in {url}"
    for url in addresses:
        for canary in forbidden:
            assert canary not in url, f"{canary!r} is in the address {url}"
