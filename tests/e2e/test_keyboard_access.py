"""Keyboard use: Tab reaches every control in document order, each with a visible focus outline,
and every form control has an accessible label (login page and the medication form)."""

from __future__ import annotations

import pytest
from browser_steps import screenshot
from playwright.sync_api import Page, expect

FOCUSABLE = (
    "a[href], button:not([disabled]), input:not([type=hidden]):not([disabled]), "
    "select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])"
)

DESCRIBE_ACTIVE = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  return {
    key: el.id || el.getAttribute("href") || el.getAttribute("name") || el.textContent.trim(),
    tag: el.tagName.toLowerCase(),
    outline: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
  };
}"""

EXPECTED_ORDER = """(selector) => Array.from(document.querySelectorAll(selector))
  .filter(el => el.tabIndex >= 0 && el.getClientRects().length > 0
          || el.classList.contains("skip-link"))
  .map(el => el.id || el.getAttribute("href") || el.getAttribute("name") || el.textContent.trim())"""

UNLABELLED = """() => Array.from(document.querySelectorAll(
    "input:not([type=hidden]), select, textarea"))
  .filter(el => !(el.getAttribute("aria-label")
                  || el.getAttribute("aria-labelledby")
                  || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`))
                  || el.closest("label")))
  .map(el => el.outerHTML)"""


def _tab_through(page: Page) -> list[str]:
    """Tab from the skip link to the last control; each focused element must show an outline."""
    expected: list[str] = page.evaluate(EXPECTED_ORDER, FOCUSABLE)
    assert len(expected) >= 3, expected
    page.locator(".skip-link").focus()
    visited: list[str] = []
    unoutlined: list[str] = []
    presses = 0
    while len(visited) < len(expected) and presses < 3 * len(expected):
        active = page.evaluate(DESCRIBE_ACTIVE)
        if not visited or visited[-1] != active["key"]:  # a date input takes several presses
            visited.append(active["key"])
            if active["outline"] == "none" or active["width"] <= 0:
                unoutlined.append(f"{active['tag']} {active['key']}")
        page.keyboard.press("Tab")
        presses += 1
    assert visited == expected, f"Tab order {visited} differs from the page order {expected}"
    assert not unoutlined, f"focused without a visible outline: {unoutlined}"
    return visited


def _every_control_labelled(page: Page) -> None:
    unlabelled: list[str] = page.evaluate(UNLABELLED)
    assert not unlabelled, f"controls without an accessible label: {unlabelled}"


def test_login_page_and_medication_form_by_keyboard(
    page: Page, request: pytest.FixtureRequest
) -> None:
    page.goto("/login")
    expect(page.get_by_role("heading", level=1, name="Log in")).to_be_visible()
    _every_control_labelled(page)
    visited = _tab_through(page)
    assert visited[-3:] == ["username", "password", "Log in"], visited
    screenshot(page, request, "01-login-focus")

    # Log in with the keyboard only.
    page.locator("#username").focus()
    page.keyboard.type("dr.a")
    page.keyboard.press("Tab")
    page.keyboard.type("a long clinic passphrase")
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/login" not in url)

    page.goto("/patients/p-A1/medications/new")
    expect(
        page.get_by_role("heading", level=1, name="New medication course · PSN-P-A1")
    ).to_be_visible()
    _every_control_labelled(page)
    for label in (
        "Drug",
        "Route",
        "Intent",
        "Dose unit",
        "Schedule",
        "Times per period",
        "Period (days)",
        "Days per course",
        "Start date",
        "Stop date",
        "Stop reason",
        "Continues course",
        "Body weight (kg)",
    ):
        expect(page.get_by_label(label, exact=False).first).to_be_visible()
    visited = _tab_through(page)
    form_order = [
        "drug_id",
        "route",
        "intent",
        "dose.value",
        "dose.unit",
        "weight_kg",
        "schedule",
        "times_per_period",
        "period_days",
        "course_days",
        "start_date",
        "stop_date",
        "stop_reason",
        "previous_course_id",
        "Save course",
    ]
    positions = [visited.index(key) for key in form_order]
    assert positions == sorted(positions), f"the form's fields are tabbed out of order: {visited}"
    screenshot(page, request, "02-medication-focus")
