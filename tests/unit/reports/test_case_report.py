"""The CARE-style case report: de-identified, complete, with the known answers of a small record.

A hand-made patient (diagnosis on 2020-01-01) has a stiffness index of 4 two weeks before IVIG
starts (day 74) and of 1 sixty days after: the report must show a change of -3.0 (-75%), a
responder, the doses with their units, the adverse events, the co-treatment that started in the
same window, and dates only as day numbers. It is written as HTML, Markdown and PDF.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from record_examples import full_record

from spsreg.analysis.frames import frames_from_records
from spsreg.analysis.response import patient_response
from spsreg.domain import (
    AdverseEvent,
    Assessment,
    Dose,
    DoseUnit,
    DosingSchedule,
    LabResult,
    MedicationCourse,
    Patient,
    PatientIdentifiers,
    PatientRecord,
    Phenotype,
    Route,
    Sex,
    Specimen,
    TherapyIntent,
    Visit,
)
from spsreg.domain.labs import AssayMethod
from spsreg.reports.case_report import DISCLAIMER, age_band, build_case_report, patient_frames
from spsreg.reports.render import (
    BulletList,
    FigureBlock,
    Paragraph,
    ReportDocument,
    TableBlock,
    render_html,
    write_report,
)

AS_OF = date(2020, 12, 31)
ISO_DATE = re.compile(r"\b(19|20)\d{2}-\d{2}-\d{2}\b")
REGIONS = ("lower_trunk", "upper_trunk", "legs", "arms", "face", "abdomen")


def stiffness(visit_id: str, day: date, score: int) -> Visit:
    responses: dict[str, float | int | str | None] = {
        region: 1 if i < score else 0 for i, region in enumerate(REGIONS)
    }
    return Visit(
        id=visit_id,
        visit_date=day,
        assessments=(
            Assessment(
                id=f"{visit_id}-si",
                scale_id="stiffness_index",
                scale_version="1",
                responses=responses,
            ),
        ),
    )


def course(
    course_id: str, drug: str, route: Route, start: date, **dose: object
) -> MedicationCourse:
    return MedicationCourse.model_validate(
        {"id": course_id, "drug_id": drug, "route": route, "start_date": start, **dose}
    )


def known_answer_record() -> PatientRecord:
    return PatientRecord(
        patient=Patient(
            id="ka-1",
            pseudonym="PSN-KA-1",
            site_id="SITE-A",
            sex=Sex.MALE,
            birth_year_month="1968-07",
            onset_date=date(2019, 3, 1),
            diagnosis_date=date(2020, 1, 1),
            first_contact_date=date(2019, 12, 1),
            phenotype=Phenotype.PARTIAL,
        ),
        identifiers=PatientIdentifiers(
            given_name="Zebedee",
            family_name="Quartermain",
            hospital_number="HN-998877",
            date_of_birth=date(1968, 7, 19),
        ),
        lab_results=(
            LabResult(
                id="ka-1-gad",
                analyte="gad65_antibody",
                collected_on=date(2019, 12, 1),
                specimen=Specimen.SERUM,
                method=AssayMethod.ELISA,
                value=12.0,
                unit="IU/mL",
            ),
        ),
        visits=(
            stiffness("ka-1-v1", date(2020, 3, 1), 4),
            stiffness("ka-1-v2", date(2020, 5, 14), 1),
        ),
        medication_courses=(
            course(
                "ka-1-ivig",
                "ivig",
                Route.IV,
                date(2020, 3, 15),
                intent=TherapyIntent.IMMUNOTHERAPY,
                schedule=DosingSchedule.CYCLIC_COURSE,
                dose=Dose(value=2.0, unit=DoseUnit.G_PER_KG),
                period_days=28,
                course_days=2,
                weight_kg=70.0,
            ),
            course(
                "ka-1-baclofen",
                "baclofen",
                Route.ORAL,
                date(2020, 4, 1),
                intent=TherapyIntent.SYMPTOMATIC,
                schedule=DosingSchedule.REGULAR,
                dose=Dose(value=10.0, unit=DoseUnit.MG),
                times_per_period=3,
                period_days=1,
            ),
            course(
                "ka-1-gabapentin",
                "gabapentin",
                Route.ORAL,
                date(2020, 12, 1),
                intent=TherapyIntent.SYMPTOMATIC,
                schedule=DosingSchedule.REGULAR,
                dose=Dose(value=300.0, unit=DoseUnit.MG),
                times_per_period=3,
                period_days=1,
            ),
        ),
        adverse_events=(
            AdverseEvent(
                id="ka-1-ae",
                term="Headache",
                grade=2,
                onset_date=date(2020, 3, 16),
                resolved_date=date(2020, 3, 18),
                suspected_course_ids=("ka-1-ivig",),
            ),
        ),
    )


@pytest.fixture(scope="module")
def report() -> ReportDocument:
    record = known_answer_record()
    frames = frames_from_records([record, full_record("other", "SITE-B")], as_of=AS_OF)
    responses = patient_response(frames, "ka-1")
    return build_case_report(
        frames, "ka-1", "PSN-KA-1", responses, alerts=[(AS_OF, "A monitoring alert title")]
    )


def section(document: ReportDocument, title: str) -> list[object]:
    for candidate in document.sections:
        if candidate.title == title:
            return list(candidate.blocks)
    raise AssertionError(f"no section {title!r} in {[s.title for s in document.sections]}")


def table(document: ReportDocument, title: str, caption_start: str = "") -> TableBlock:
    for block in section(document, title):
        if isinstance(block, TableBlock) and (block.caption or "").startswith(caption_start):
            return block
    raise AssertionError(f"no table {caption_start!r} in {title!r}")


def as_rows(block: TableBlock) -> list[dict[str, str]]:
    return [dict(zip(block.columns, row, strict=True)) for row in block.rows]


def test_age_band_from_the_birth_year_in_five_year_bands() -> None:
    assert age_band(1968.0, date(2020, 1, 1)) == "50-54 years"
    assert age_band(1971.0, date(2018, 12, 3)) == "45-49 years"
    assert age_band(1975.0, date(2020, 6, 1)) == "45-49 years"
    assert age_band(None, date(2020, 1, 1)) == "not recorded"
    assert age_band(float("nan"), date(2020, 1, 1)) == "not recorded"
    assert age_band(1970.0, None) == "not recorded"


def test_the_sections_follow_the_care_guideline(report: ReportDocument) -> None:
    assert [s.title for s in report.sections] == [
        "Patient information (de-identified)",
        "Timeline",
        "Diagnostic assessment",
        "Therapeutic interventions",
        "Follow-up and outcomes",
        "Adverse events and monitoring alerts",
        "What the data cannot say",
    ]
    assert report.kind == "case" and report.title == "Case report: PSN-KA-1"
    assert report.disclaimer == DISCLAIMER and "not a medical device" in DISCLAIMER


def test_patient_information_is_de_identified(report: ReportDocument) -> None:
    rows = dict(table(report, "Patient information (de-identified)").rows)
    assert rows["Pseudonym"] == "PSN-KA-1"
    assert rows["Sex"] == "male"
    assert rows["Age at diagnosis"] == "50-54 years"
    assert rows["Phenotype"] == "partial"
    assert rows["Antibodies"].startswith("GAD65 antibody positive (below the high-titre")
    assert rows["Follow-up"] == "to day 335 (last recorded fact)"  # the gabapentin start


def test_the_timeline_is_a_figure_in_days_since_diagnosis(report: ReportDocument) -> None:
    (figure,) = section(report, "Timeline")
    assert isinstance(figure, FigureBlock) and figure.name == "timeline"
    assert figure.png.startswith(b"\x89PNG") and figure.svg.startswith("<svg")
    assert "Days since diagnosis" in figure.svg and "PSN-KA-1" in figure.svg
    assert "ka-1" not in figure.svg.replace("PSN-KA-1", "")


def test_interventions_give_doses_with_units_and_day_numbers(report: ReportDocument) -> None:
    rows = as_rows(table(report, "Therapeutic interventions", "Medication courses"))
    by_drug = {row["drug (route)"]: row for row in rows}
    ivig = by_drug["ivig (iv)"]
    # 2 g/kg x 70 kg every 28 days = 140,000 mg / 28 = 5000 mg/day.
    assert ivig["daily amount"] == "5000.00 mg/day"
    assert ivig["start"] == "day 74" and ivig["stop"] == "ongoing"
    assert by_drug["baclofen (oral)"]["daily amount"] == "30.00 mg/day"
    assert by_drug["baclofen (oral)"]["therapy"] == "Oral baclofen"


def test_follow_up_gives_the_known_response(report: ReportDocument) -> None:
    rows = as_rows(table(report, "Follow-up and outcomes", "Response per therapy"))
    ivig = next(r for r in rows if r["therapy"].startswith("Intravenous immunoglobulin"))
    assert ivig["start"] == "day 74"
    assert ivig["outcome"] == "Stiffness index"
    assert ivig["baseline mean"] == "4.0 (n=1)"
    assert ivig["on-treatment mean"] == "1.0 (n=1)"
    assert ivig["change [CI]"] == "-3.0 no interval"
    assert ivig["relative"] == "-75%"
    assert ivig["responder"] == "yes"
    assert ivig["days to response"] == "60"
    missing = as_rows(table(report, "Follow-up and outcomes", "Not assessable"))
    gabapentin = [r for r in missing if r["therapy"] == "Gabapentin"]
    assert gabapentin and all("day" in r["why not assessable"] for r in gabapentin)
    # The reason's calendar date (the analysis date) is given as a day number.
    assert any("analysis date day 365" in r["why not assessable"] for r in gabapentin)


def test_adverse_events_name_the_suspected_therapy(report: ReportDocument) -> None:
    (row,) = as_rows(table(report, "Adverse events and monitoring alerts", "Adverse events"))
    assert row == {
        "term": "Headache",
        "grade": "2",
        "onset": "day 75",
        "resolved": "day 77",
        "serious": "no",
        "suspected therapy": "Intravenous immunoglobulin (IVIG)",
    }
    alerts = [
        b
        for b in section(report, "Adverse events and monitoring alerts")
        if isinstance(b, BulletList)
    ]
    assert alerts[0].items == ("A monitoring alert title (day 365)",)


def test_limitations_name_the_co_treatment_and_the_usual_caveats(report: ReportDocument) -> None:
    (bullets,) = section(report, "What the data cannot say")
    assert isinstance(bullets, BulletList)
    text = " ".join(bullets.items)
    for phrase in ("Observational", "single patient", "Missing data", "Regression to the mean"):
        assert phrase.lower() in text.lower()
    assert "Intravenous immunoglobulin (IVIG) started on day 74: Oral baclofen" in text


def test_no_identifier_or_calendar_date_appears_in_any_format(tmp_path: Path) -> None:
    record = full_record("p-ident", "SITE-A")
    frames = frames_from_records([record], as_of=date(2022, 1, 1))
    document = build_case_report(
        frames, "p-ident", record.patient.pseudonym, patient_response(frames, "p-ident")
    )
    assert record.identifiers is not None
    forbidden = [
        record.identifiers.given_name,
        record.identifiers.family_name,
        record.identifiers.hospital_number,
        "1971",  # the birth year: only the age band is shown
        "p-ident",  # the registry's internal id: the report uses the pseudonym
    ]
    html = render_html(document)
    written = write_report(document, "md", tmp_path / "case.md")
    markdown = written.path.read_text(encoding="utf-8")
    svg = (tmp_path / "case-timeline.svg").read_text(encoding="utf-8")
    for text in (html, markdown, svg):
        assert not ISO_DATE.search(text), ISO_DATE.search(text)
        for value in forbidden:
            assert value not in text.replace(record.patient.pseudonym, ""), value
    assert record.patient.pseudonym in markdown


def test_html_is_one_self_contained_page(report: ReportDocument) -> None:
    html = render_html(report)
    assert html.startswith("<!DOCTYPE html>")
    assert html.count(DISCLAIMER) == 2  # at the top and at the end
    assert "<style>" in html and "<svg" in html
    for external in ("<script", "<link", 'src="http', "src='http", "@import", "cdn"):
        assert external not in html.lower()
    ids = re.findall(r'\bid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "element ids are unique on the page"
    assert "<td>-3.0 no interval</td>" in html


def test_markdown_saves_the_figures_beside_it(report: ReportDocument, tmp_path: Path) -> None:
    written = write_report(report, "md", tmp_path / "out" / "case.md")
    assert [p.name for p in written.files] == ["case.md", "case-timeline.png", "case-timeline.svg"]
    text = written.path.read_text(encoding="utf-8")
    assert "![" in text and "](case-timeline.png)" in text
    assert (tmp_path / "out" / "case-timeline.png").read_bytes().startswith(b"\x89PNG")
    assert "| therapy | event | start | outcome |" in text
    assert text.startswith("# Case report: PSN-KA-1")


def test_pdf_is_written_with_the_figure(report: ReportDocument, tmp_path: Path) -> None:
    written = write_report(report, "pdf", tmp_path / "case.pdf")
    data = written.path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type /Page\b", data)) >= 2
    assert b"/Subtype /Image" in data
    assert written.figures == 1 and written.files == (written.path,)


def test_an_unknown_patient_is_refused(report: ReportDocument) -> None:
    frames = frames_from_records([known_answer_record()], as_of=AS_OF)
    with pytest.raises(KeyError):
        build_case_report(frames, "nobody", "PSN-X", [])
    own = patient_frames(frames, "ka-1", "PSN-KA-1")
    assert set(own.outcomes["patient_id"]) == {"PSN-KA-1"}
    paragraphs = [b for b in section(report, "Diagnostic assessment") if isinstance(b, Paragraph)]
    assert "day -306" in paragraphs[0].text and "10 months" in paragraphs[0].text
