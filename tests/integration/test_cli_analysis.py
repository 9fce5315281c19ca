"""``spsreg analyze response|cohort`` on a small generated cohort in a temporary home.

The JSON the commands print is checked against docs/cli.md (every key documented, with its
type) and against the record path: the same generated records turned into frames in memory give
the same responses, rates and discontinuation as the command line, which reads the store.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Run, cli, document
from test_cli_reference_doc import deviations, specification

from spsreg.analysis.cohort import CohortFilter, json_value
from spsreg.analysis.frames import frames_from_records
from spsreg.analysis.rates import response_rates
from spsreg.analysis.response import cohort_responses, patient_response
from spsreg.analysis.starts import therapy_starts
from spsreg.domain import Phenotype
from spsreg.synth import CohortConfig, iter_synthetic_patients

CONFIG = CohortConfig(patients=16, sites=2, years=3, seed=11)
RECORDS = [p.record for p in iter_synthetic_patients(CONFIG)]
AS_OF = ["--as-of", CONFIG.end_date.isoformat()]
FRAMES = frames_from_records(RECORDS, as_of=CONFIG.end_date)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    invoke = cli(tmp_path_factory.mktemp("analysis-home"))
    invoke("init", "-f", "json")
    invoke("generate", "--patients", "16", "--sites", "2", "--years", "3", "--seed", "11")
    return invoke


def printed(run: Run, kind: str, *args: str, code: int = 0) -> dict[str, Any]:
    result = run(*args, code=code)
    raw = json.loads(result.stdout)
    assert deviations(raw, specification(kind)) == [], raw
    return document(result, kind)


def busiest_patient() -> str:
    return max(RECORDS, key=lambda r: (len(r.medication_courses), r.patient.id)).patient.id


def test_response_json_equals_the_record_path(run: Run) -> None:
    patient = busiest_patient()
    data = printed(run, "analysis-response", "analyze", "response", "--patient", patient,
                   *AS_OF, "-f", "json")  # fmt: skip
    expected = [r.to_document() for r in patient_response(FRAMES, patient)]
    assert expected and data["responses"] == json.loads(json.dumps(expected))
    record = next(r for r in RECORDS if r.patient.id == patient)
    assert (data["patient"], data["pseudonym"], data["site"]) == (
        patient,
        record.patient.pseudonym,
        record.patient.site_id,
    )
    assert data["as_of"] == CONFIG.end_date.isoformat()
    assert data["count"] == len(expected)
    assert data["assessable"] == sum(1 for r in expected if r["assessable"])
    assert data["settings"]["baseline_days"] == 90
    assert "not a medical device" in data["disclaimer"]


def test_response_table_and_settings_file(run: Run, tmp_path: Path) -> None:
    patient = busiest_patient()
    shown = run("analyze", "response", "--patient", patient, *AS_OF).stdout
    assert patient in shown and "assessable" in shown and "not a medical device" in shown
    settings = tmp_path / "settings.yaml"
    settings.write_text("baseline_days: 45\nresponder_relative_change: 0.3\n", encoding="utf-8")
    data = printed(run, "analysis-response", "analyze", "response", "--patient", patient,
                   "--settings", str(settings), *AS_OF, "-f", "json")  # fmt: skip
    assert (data["settings"]["baseline_days"], data["settings"]["responder_relative_change"]) == (
        45,
        0.3,
    )
    settings.write_text("baseline_dayz: 45\n", encoding="utf-8")
    failed = run("analyze", "response", "--patient", patient, "--settings", str(settings),
                 code=1)  # fmt: skip
    assert "baseline_dayz" in failed.stderr and failed.stdout == ""


def test_response_of_a_patient_out_of_scope_is_not_found(run: Run) -> None:
    other = next(r for r in RECORDS if r.patient.site_id == "SITE-B").patient.id
    failed = run("analyze", "response", "--patient", other, "--site", "SITE-A", code=1)
    assert "not found" in failed.stderr
    assert "not found" in run("analyze", "response", "--patient", "nobody", code=1).stderr


def test_cohort_json_equals_the_record_path(run: Run) -> None:
    data = printed(run, "analysis-cohort", "analyze", "cohort", *AS_OF, "-f", "json")
    assert data["patients"] == len(RECORDS)
    assert data["filter"]["description"] == "All patients"
    responses = cohort_responses(FRAMES)
    expected = response_rates(responses, "stiffness_index")
    assert [r["therapy"] for r in data["response_rates"]] == list(expected["therapy"])
    for row, (_, want) in zip(data["response_rates"], expected.iterrows(), strict=True):
        assert {k: row[k] for k in want.index} == {k: json_value(v) for k, v in want.items()}
    assert data["starts"] == len(therapy_starts(FRAMES))
    assert data["mixed_model"] is not None and data["mixed_model"]["n_patients"] > 0
    assert {d["therapy"] for d in data["discontinuation"]} <= set(data["therapies"])
    assert sum(line["patients"] for line in data["lines_of_therapy"]) == len(RECORDS)
    assert data["summary"]["n"] == len(RECORDS)
    assert set(data["timings"]) == {"load", "responses", "survival", "model", "other"}


def test_cohort_filters_and_a_single_therapy(run: Run) -> None:
    data = printed(run, "analysis-cohort", "analyze", "cohort", "--therapy", "diazepam",
                   "--phenotype", "classic", "--gad65", "high_titre", "--gad65", "positive",
                   "--start-from", "2023-01-01", "--outcome", "mrs", "--no-model", *AS_OF,
                   "--site", "SITE-A", "-f", "json")  # fmt: skip
    chosen = CohortFilter(
        sites=("SITE-A",),
        phenotypes=(Phenotype.CLASSIC,),
        gad65_status=("high_titre", "positive"),
        start_from=date(2023, 1, 1),
        therapies=("diazepam",),
    )
    kept = chosen.apply(FRAMES)
    assert data["patients"] == len(kept.patients) > 0
    assert data["filter"] == {
        "description": chosen.describe(),
        "sites": ["SITE-A"],
        "phenotypes": ["classic"],
        "gad65_status": ["high_titre", "positive"],
        "glyr_status": [],
        "comorbidities": [],
        "start_from": "2023-01-01",
        "start_to": None,
        "therapies": ["diazepam"],
    }
    assert data["site"] == "SITE-A" and data["outcome"] == "mrs"
    assert data["therapies"] == ["diazepam"]
    assert [r["therapy"] for r in data["response_rates"]] == ["diazepam"]
    assert [d["therapy"] for d in data["discontinuation"]] == ["diazepam"]
    assert data["mixed_model"] is None
    table = run("analyze", "cohort", "--therapy", "diazepam", "--no-model", *AS_OF).stdout
    assert "Response rates" in table and "Diazepam" in table


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--therapy", "ivgi"], "unknown therapy 'ivgi'"),
        (["--outcome", "walking"], "unknown outcome 'walking'"),
        (["--start-from", "2024-01-01", "--start-to", "2023-01-01"], "start_to is before"),
        (["--start-from", "01/02/2024"], "is not a date"),
    ],
)
def test_cohort_option_mistakes_are_clear_errors(run: Run, args: list[str], message: str) -> None:
    failed = run("analyze", "cohort", *args, code=1)
    assert message in failed.stderr and failed.stdout == ""


def test_a_usage_mistake_prints_nothing_on_stdout(run: Run) -> None:
    failed = run("analyze", "cohort", "--gad65", "very_high", code=2)
    assert failed.stdout == ""
