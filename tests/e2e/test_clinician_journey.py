"""Journey: a site-A clinician registers a patient, records a visit with a live-scored scale,
starts a medication that the safety check flags, and acknowledges the alert on the worklist.

The course is oral diazepam 40 mg four times a day (160 mg/day), above the highest daily dose the
knowledge pack cites from the SPS literature (rule ``diazepam_above_sps_reported_maximum``).
"""

from __future__ import annotations

import re

import pytest
from browser_steps import TODAY, login, screenshot
from playwright.sync_api import Page, expect

PSEUDONYM = "SPS-E2E-0042"
DOSE_RULE_TITLE = "Diazepam above the highest dose reported in SPS"


def test_clinician_registers_records_and_acknowledges(
    page: Page, request: pytest.FixtureRequest
) -> None:
    login(page, "dr.a")
    screenshot(page, request, "01-home")

    # A new patient through the "New patient" form.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="New patient").click()
    expect(page.get_by_role("heading", level=1, name="New patient")).to_be_visible()
    page.get_by_label("Pseudonym").fill(PSEUDONYM)
    page.get_by_label("Sex").select_option("female")
    page.get_by_label("Birth year and month").fill("1975-06")
    page.get_by_label("Phenotype").select_option("classic")
    screenshot(page, request, "02-new-patient-form")
    page.get_by_role("button", name="Register patient").click()
    expect(page.get_by_role("heading", level=1, name=f"Patient {PSEUDONYM}")).to_be_visible()
    expect(page.get_by_text(f"Patient {PSEUDONYM} registered.")).to_be_visible()
    screenshot(page, request, "03-patient-registered")

    # A visit with the stiffness index: the score updates as the items are answered.
    page.get_by_role("link", name="Record a visit").click()
    expect(page.get_by_role("heading", level=1, name=f"New visit · {PSEUDONYM}")).to_be_visible()
    scores = page.locator("#scale-scores")
    expect(scores).to_have_text("Scores appear here as you answer the items.")
    scale = page.get_by_role("group", name=re.compile("Distribution-of-stiffness index"))
    scale.get_by_label("Lower trunk").select_option("1")
    expect(scores).to_contain_text("5 not answered")
    for item in ("Upper trunk", "Legs"):
        scale.get_by_label(item).select_option("1")
    for item in ("Arms", "Face"):
        scale.get_by_label(item).select_option("0")
    expect(scores).to_contain_text("1 not answered (Abdomen)")
    scale.get_by_label("Abdomen").select_option("1")
    expect(scores).to_contain_text(re.compile(r"total 4 \(range 0 to 6 regions\)"))
    expect(scores).to_contain_text("complete")
    screenshot(page, request, "04-visit-live-score")
    page.get_by_role("button", name="Save visit").click()
    expect(page.get_by_text(f"Visit of {TODAY.isoformat()} saved")).to_be_visible()

    # A medication course above the SPS-reported maximum: the check warns before saving.
    page.get_by_role("link", name="Start a medication").click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("New medication course"))
    ).to_be_visible()
    check = page.locator("#medication-check")
    page.get_by_label("Drug", exact=True).select_option("diazepam")
    page.get_by_label("Route", exact=True).select_option("oral")
    page.get_by_label("Intent", exact=True).select_option("symptomatic")
    page.get_by_role("textbox", name=re.compile(r"^Dose \(per dose")).fill("40")
    page.get_by_label("Dose unit", exact=True).select_option("mg")
    page.get_by_label("Schedule", exact=True).select_option("regular")
    page.get_by_label("Times per period").fill("4")
    page.get_by_label("Period (days)").fill("1")
    page.get_by_label("Start date").fill("2026-11-01")
    expect(check).to_contain_text(DOSE_RULE_TITLE)
    expect(check).to_contain_text("160")
    screenshot(page, request, "05-medication-check-warning")
    page.get_by_role("button", name="Save course").click()
    expect(
        page.get_by_text(re.compile(r"Medication course saved\. \d+ new alerts?:"))
    ).to_be_visible()
    expect(page.get_by_text(DOSE_RULE_TITLE).first).to_be_visible()
    # The timeline figure is a real image that the browser decoded (not a broken link).
    figure = page.locator("img[src$='/timeline.svg']")
    figure.scroll_into_view_if_needed()
    page.wait_for_function(
        "img => img.complete && img.naturalWidth > 0", arg=figure.element_handle(), timeout=20000
    )
    screenshot(page, request, "06-course-saved")

    # The worklist shows the alert; acknowledging it with a reason removes it.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Worklist").click()
    expect(
        page.get_by_role("heading", level=1, name=f"Worklist on {TODAY.isoformat()}")
    ).to_be_visible()
    row = page.get_by_role("row").filter(has_text=PSEUDONYM).filter(has_text=DOSE_RULE_TITLE)
    expect(row).to_have_count(1)
    screenshot(page, request, "07-worklist-alert")
    row.get_by_text("Acknowledge or snooze").click()
    row.get_by_label("Reason for acknowledging").fill("Dose agreed with the patient's neurologist")
    screenshot(page, request, "08-acknowledge-reason")
    row.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_role("status")).to_contain_text("acknowledged: quiet until its data change")
    expect(
        page.get_by_role("row").filter(has_text=PSEUDONYM).filter(has_text=DOSE_RULE_TITLE)
    ).to_have_count(0)
    screenshot(page, request, "09-acknowledged")
