"""Journey: a patient fills in today's diary on a phone (360 x 740, touch)."""

from __future__ import annotations

import pytest
from browser_steps import TODAY, login, screenshot
from playwright.sync_api import Page, expect

MIN_TARGET_PX = 44


def _no_horizontal_scrolling(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide on a 360 px screen (horizontal scrolling)"


def _height(page: Page, selector: str) -> list[float]:
    heights: list[float] = page.eval_on_selector_all(
        selector, "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert heights, f"nothing matches {selector}"
    return heights


def test_patient_records_today_on_a_phone(
    mobile_page: Page, request: pytest.FixtureRequest
) -> None:
    page = mobile_page
    login(page, "patient.a")
    page.goto("/diary")
    expect(page.get_by_role("heading", level=1, name="My diary")).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=f"Today, {TODAY.isoformat()}")).to_be_visible()
    _no_horizontal_scrolling(page)
    screenshot(page, request, "01-diary-form")

    small = [h for h in _height(page, "#diary-form label.choice") if h < MIN_TARGET_PX]
    assert not small, f"choice targets under {MIN_TARGET_PX} px tall: {small}"
    save = page.get_by_role("button", name="Save")
    save_box = save.bounding_box()
    assert save_box is not None and save_box["height"] >= MIN_TARGET_PX, save_box

    stiffness = page.get_by_role("group", name="How stiff were you?")
    stiffness.locator("label.choice", has_text="7").tap()
    expect(stiffness.get_by_role("radio", name="7")).to_be_checked()
    spasms = page.get_by_label("How many spasms did you have?")
    spasms.tap()
    spasms.fill("3")
    drowsy = page.get_by_role("group", name="How drowsy or sleepy did you feel?")
    drowsy.locator("label.choice", has_text="2").first.tap()
    expect(drowsy.get_by_role("radio", name="2", exact=True)).to_be_checked()
    screenshot(page, request, "02-filled")
    save.tap()

    expect(page.get_by_role("status")).to_have_text(f"Saved for {TODAY.isoformat()}.")
    recent = page.locator("#recent-entries > li").filter(
        has=page.get_by_role("link", name=TODAY.isoformat())
    )
    expect(recent).to_have_count(1)
    expect(recent).to_contain_text("Stiffness (0-10)")
    expect(recent.locator("dd").first).to_have_text("7")
    expect(recent.locator("dd").nth(1)).to_have_text("3")
    _no_horizontal_scrolling(page)
    screenshot(page, request, "03-saved")
