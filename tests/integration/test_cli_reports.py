"""``spsreg report case|cohort`` on a small generated cohort in a temporary home.

Each format is written where ``--out`` says (Markdown with its figures beside it), the printed
``report`` document follows docs/cli.md, a case report holds no identifier, patient id or
calendar date, and mistakes (an unknown patient, another site's patient, a path that cannot be
written, a missing ``--therapy``) are clear errors that write nothing.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Run, cli, document
from test_cli_reference_doc import deviations, specification

from spsreg.synth import CohortConfig, iter_synthetic_patients

CONFIG = CohortConfig(patients=12, sites=2, years=3, seed=23)
RECORDS = [p.record for p in iter_synthetic_patients(CONFIG)]
AS_OF = ["--as-of", CONFIG.end_date.isoformat()]
ISO_DATE = re.compile(r"\b(19|20)\d{2}-\d{2}-\d{2}\b")


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    invoke = cli(tmp_path_factory.mktemp("report-home"))
    invoke("init", "-f", "json")
    invoke("generate", "--patients", "12", "--sites", "2", "--years", "3", "--seed", "23")
    return invoke


def printed(run: Run, *args: str) -> dict[str, Any]:
    result = run(*args)
    assert deviations(json.loads(result.stdout), specification("report")) == []
    return document(result, "report")


def busiest() -> Any:
    return max(RECORDS, key=lambda r: (len(r.medication_courses), r.patient.id))


@pytest.mark.parametrize("fmt", ["html", "md", "pdf"])
def test_case_report_in_every_format(run: Run, tmp_path: Path, fmt: str) -> None:
    record = busiest()
    out = tmp_path / "reports" / f"case.{fmt}"
    data = printed(run, "report", "case", record.patient.id, "--format", fmt, "--out", str(out),
                   *AS_OF, "--summary-format", "json")  # fmt: skip
    figures = (
        [str(out.with_name(f"case-timeline.{s}")) for s in ("png", "svg")] if fmt == "md" else []
    )
    assert data == {
        "report": "case",
        "format": fmt,
        "path": str(out),
        "files": [str(out), *figures],
        "figures": 1,
        "as_of": CONFIG.end_date.isoformat(),
        "patients": 1,
        "subject": record.patient.pseudonym,
    }
    assert all(Path(f).stat().st_size > 0 for f in data["files"])
    if fmt == "pdf":
        assert out.read_bytes().startswith(b"%PDF-")
        return
    # The font list of the inline figures names "Bitstream Vera Sans": not a person.
    text = re.sub(r"font-family:[^;\"]*", "", out.read_text(encoding="utf-8"))
    assert "Case report: " + record.patient.pseudonym in text
    assert "What the data cannot say" in text and "not a medical device" in text
    assert record.identifiers is not None
    forbidden = [
        record.identifiers.given_name,
        record.identifiers.family_name,
        record.identifiers.hospital_number,
        record.patient.id,
    ]
    assert not ISO_DATE.search(text)
    assert not [value for value in forbidden if value in text]


def test_case_report_summary_table(run: Run, tmp_path: Path) -> None:
    record = busiest()
    shown = run("report", "case", record.patient.id, "--format", "html", "--out",
                str(tmp_path / "c.html"), *AS_OF).stdout  # fmt: skip
    assert "Wrote the case report" in shown and record.patient.pseudonym in shown


def test_case_report_refusals_write_nothing(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "case.html"
    assert "not found" in run("report", "case", "nobody", "--format", "html", "--out", str(out),
                              code=1).stderr  # fmt: skip
    other = next(r for r in RECORDS if r.patient.site_id == "SITE-B").patient.id
    failed = run("report", "case", other, "--format", "html", "--out", str(out), "--site",
                 "SITE-A", code=1)  # fmt: skip
    assert "not found" in failed.stderr and not out.exists()
    blocked = tmp_path / "a-directory"
    blocked.mkdir()
    failed = run("report", "case", busiest().patient.id, "--format", "html", "--out",
                 str(blocked), *AS_OF, code=1)  # fmt: skip
    assert "cannot write the report" in failed.stderr and failed.stdout == ""
    missing = run("report", "case", busiest().patient.id, "--out", str(out), code=2)
    assert missing.stdout == "" and not out.exists()


def test_cohort_report_in_markdown_with_its_figures(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "series" / "diazepam.md"
    data = printed(run, "report", "cohort", "--therapy", "diazepam", "--format", "md", "--out",
                   str(out), *AS_OF, "--summary-format", "json")  # fmt: skip
    diazepam_patients = {r.patient.id for r in RECORDS for c in r.medication_courses
                         if c.drug_id == "diazepam" and c.start_date <= CONFIG.end_date}  # fmt: skip
    assert data["report"] == "cohort" and data["patients"] == len(diazepam_patients)
    assert data["subject"] == "Patients: started Diazepam"
    assert data["figures"] == 4 and len(data["files"]) == 1 + 2 * data["figures"]
    assert all(Path(f).parent == out.parent and Path(f).exists() for f in data["files"])
    text = out.read_text(encoding="utf-8")
    for heading in ("## Cohort and methods", "## Response rates", "## Limitations"):
        assert heading in text
    for name in data["files"][1:]:
        if name.endswith(".png"):
            assert f"]({Path(name).name})" in text


def test_cohort_report_html_for_a_site(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "site-a.html"
    data = printed(run, "report", "cohort", "--therapy", "diazepam", "--therapy", "baclofen_oral",
                   "--format", "html", "--out", str(out), "--site", "SITE-A", *AS_OF,
                   "--summary-format", "json")  # fmt: skip
    site_a = {r.patient.id for r in RECORDS if r.patient.site_id == "SITE-A"}
    assert 0 < data["patients"] <= len(site_a)
    html = out.read_text(encoding="utf-8")
    assert html.count("<svg") == data["figures"] and "site SITE-A" in html
    assert "<script" not in html


def test_cohort_report_needs_a_therapy(run: Run, tmp_path: Path) -> None:
    out = tmp_path / "x.html"
    failed = run("report", "cohort", "--format", "html", "--out", str(out), code=2)
    assert failed.stdout == "" and not out.exists()
    failed = run("report", "cohort", "--therapy", "nope", "--format", "html", "--out", str(out),
                 code=1)  # fmt: skip
    assert "unknown therapy" in failed.stderr and not out.exists()
