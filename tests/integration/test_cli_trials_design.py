"""``spsreg trials analyze|power`` through the real command line.

Every printed JSON document is checked against its table in docs/cli.md; the numbers against the
library functions (themselves checked by hand in tests/unit/trials), and ``--from-registry``
against the variance components of the same generated registry's outcomes.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Run, cli, cli_with_env, document
from test_cli_reference_doc import deviations, specification

from spsreg.analysis.frames import frames_from_records
from spsreg.services.trial_design import registry_variance
from spsreg.store import Actor, Registry, Role
from spsreg.synth import CohortConfig, iter_synthetic_patients
from spsreg.trials.variance import variance_components

DATA = {
    "crossover": "subject,sequence,period1,period2\n"
    "S1,AB,5,3\nS2,AB,6,5\nS3,AB,4,3\nS4,BA,3,5\nS5,BA,4,4\nS6,BA,2,5\n",
    "parallel": "subject,group,baseline,outcome\n"
    "P1,treatment,4,2\nP2,treatment,5,4\nP3,treatment,3,2\nP4,control,4,4\nP5,control,2,3\n"
    "P6,control,5,5\n",
    "nof1": "patient,cycle,treatment,control\n"
    "A,1,2,4\nA,2,3,4\nA,3,2,5\nB,1,5,5\nB,2,4,6\nB,3,3,5\nC,1,1,4\nC,2,2,3\nC,3,1,5\n",
}


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("trial-data")
    paths = {}
    for design, text in DATA.items():
        paths[design] = folder / f"{design}.csv"
        paths[design].write_text(text, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def run() -> Run:
    return cli_with_env({"SPSREG_HOME": None, "SPSREG_DATABASE_URL": None})


def printed(run: Run, kind: str, *args: str) -> dict[str, Any]:
    result = run(*args)
    assert deviations(json.loads(result.stdout), specification(kind)) == [], result.stdout
    return document(result, kind)


@pytest.mark.parametrize("design", ["crossover", "parallel", "nof1"])
def test_analyze_prints_documented_json_and_writes_the_figure(
    run: Run, files: dict[str, Path], tmp_path: Path, design: str
) -> None:
    figure = tmp_path / f"{design}.svg"
    data = printed(run, "trial-analysis", "trials", "analyze", "--design", design,
                   "--data", str(files[design]), "--figure", str(figure), "-f", "json")  # fmt: skip
    assert data["design"] == design and data["figure"] == str(figure)
    assert figure.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    expected = {"crossover": 1.5, "parallel": None, "nof1": None}[design]
    if expected is not None:
        assert data["effect"]["estimate"] == pytest.approx(expected)
    if design == "nof1":
        assert [p["patient"] for p in data["patients"]] == ["A", "B", "C"]
        assert data["patients"][0]["estimate"] == pytest.approx(-2.0)
    if design == "parallel":
        assert data["unadjusted"]["estimate"] == pytest.approx(8 / 3 - 4)


def test_analyze_table_output(run: Run, files: dict[str, Path]) -> None:
    out = run("trials", "analyze", "--design", "crossover", "--data", str(files["crossover"]))
    assert "treatment effect" in out.stdout and "two-stage procedure" in out.stdout
    out = run("trials", "analyze", "--design", "nof1", "--data", str(files["nof1"]))
    assert "tau^2" in out.stdout and "prediction interval" in out.stdout


def test_analyze_errors_name_file_line_and_column(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("subject,sequence,period1,period2\nS1,AB,5,three\n", encoding="utf-8")
    result = run("trials", "analyze", "--design", "crossover", "--data", str(bad), code=1)
    assert f"{bad} line 2, column 'period2'" in result.stderr and result.stdout == ""
    result = run("trials", "analyze", "--design", "crossover", "--data", str(tmp_path / "no.csv"),
                 code=1)  # fmt: skip
    assert "cannot read the data file" in result.stderr
    result = run("trials", "analyze", "--design", "parallel", "--data", str(bad),
                 "--figure", str(tmp_path / "f.pdf"), code=1)  # fmt: skip
    assert ".svg or .png" in result.stderr


def test_power_json_with_sample_size(run: Run) -> None:
    data = printed(run, "trial-power", "trials", "power", "--design", "crossover", "--n", "16",
                   "--effect", "-1", "--sd", "1.5", "--within-sd", "1", "--sims", "4000",
                   "--seed", "3", "--target-power", "0.8", "--max-n", "40", "-f", "json")  # fmt: skip
    assert data["sims"] == 4000 and data["variance_source"] is None
    assert abs(data["power"] - data["closed_form_power"]) < 4 * data["mc_se"] + 1e-9
    assert data["sample_size"]["reached"] and data["sample_size"]["result"]["power"] >= 0.8
    again = printed(run, "trial-power", "trials", "power", "--design", "crossover", "--n", "16",
                    "--effect", "-1", "--sd", "1.5", "--within-sd", "1", "--sims", "4000",
                    "--seed", "3", "--target-power", "0.8", "--max-n", "40", "-f", "json")  # fmt: skip
    assert again["power"] == data["power"]


def test_power_nof1_and_table(run: Run) -> None:
    data = printed(run, "trial-power", "trials", "power", "--design", "nof1", "--n", "8",
                   "--effect", "1", "--sd", "1", "--cycles", "4", "--effect-sd", "0.3",
                   "--sims", "2000", "-f", "json")  # fmt: skip
    assert (data["cycles"], data["effect_sd"], data["closed_form_power"]) == (4, 0.3, None)
    assert any("No --within-sd" in note for note in data["notes"])
    out = run("trials", "power", "--design", "parallel", "--n", "24", "--effect", "1",
              "--sd", "2", "--within-sd", "1", "--sims", "2000")  # fmt: skip
    assert "power" in out.stdout and "2000 simulated trials" in out.stdout


def test_power_option_errors(run: Run) -> None:
    result = run("trials", "power", "--design", "crossover", "--n", "16", "--effect", "1", code=1)
    assert "--sd" in result.stderr
    result = run("trials", "power", "--design", "crossover", "--n", "2", "--effect", "1",
                 "--sd", "1", code=1)  # fmt: skip
    assert "n >= 4" in result.stderr
    result = run("trials", "power", "--design", "crossover", "--n", "16", "--effect", "1",
                 "--sd", "1", "--from-registry", "stiffness_index", code=1)  # fmt: skip
    assert "not both" in result.stderr


def test_power_from_registry_uses_the_registry_outcomes(tmp_path: Path) -> None:
    config = CohortConfig(patients=6, sites=1, years=1, seed=5)
    home = cli(tmp_path)
    home("init", "-f", "json")
    home("generate", "--patients", "6", "--sites", "1", "--years", "1", "--seed", "5")
    as_of = config.end_date.isoformat()
    data = printed(home, "trial-power", "trials", "power", "--design", "crossover", "--n", "16",
                   "--effect", "-1", "--from-registry", "diary_stiffness", "--as-of", as_of,
                   "--sims", "2000", "-f", "json")  # fmt: skip
    records = [p.record for p in iter_synthetic_patients(config)]
    outcomes = frames_from_records(records, as_of=config.end_date).outcomes
    rows = outcomes[outcomes["outcome"] == "diary_stiffness"]
    expected = variance_components(rows["patient_id"].tolist(), rows["value"].tolist())
    source = data["variance_source"]
    assert source["outcome"] == "diary_stiffness" and source["as_of"] == as_of
    assert source["patients"] == expected.patients
    assert source["within_sd"] == pytest.approx(expected.within_sd)
    assert source["between_sd"] == pytest.approx(expected.between_sd)
    assert (data["sd"], data["within_sd"]) == pytest.approx((expected.sd, expected.within_sd))
    result = home("trials", "power", "--design", "crossover", "--n", "16", "--effect", "-1",
                  "--from-registry", "grip_strength", code=1)  # fmt: skip
    assert "unknown outcome" in result.stderr


def test_registry_variance_service_reads_the_outcomes_in_scope(
    registry: Registry, admin: Actor
) -> None:
    config = CohortConfig(patients=6, sites=2, years=1, seed=9)
    records = [p.record for p in iter_synthetic_patients(config)]
    for record in records:
        registry.save_patient_record(admin, record, reason="trial design test")
    found = registry_variance(registry, admin, "stiffness_index", as_of=config.end_date)
    outcomes = frames_from_records(records, as_of=config.end_date).outcomes
    rows = outcomes[outcomes["outcome"] == "stiffness_index"]
    expected = variance_components(rows["patient_id"].tolist(), rows["value"].tolist())
    assert found.components == expected
    assert found.to_document()["estimator"].startswith("one-way random-effects")
    with pytest.raises(ValueError, match="unknown outcome"):
        registry_variance(registry, admin, "grip_strength", as_of=config.end_date)


def test_registry_variance_counts_go_through_disclosure_control(
    registry: Registry, admin: Actor, clinician_a: Actor
) -> None:
    config = CohortConfig(patients=6, sites=2, years=1, seed=9)
    for synthetic in iter_synthetic_patients(config):
        registry.save_patient_record(admin, synthetic.record, reason="trial design test")
    researcher = Actor("researcher", Role.RESEARCHER, "SITE-A")

    exact = registry_variance(registry, admin, "stiffness_index", as_of=config.end_date)
    assert exact.disclosure_control["counts"] == "exact"
    assert 0 < exact.components.patients <= 7  # a count that sharing would suppress
    with pytest.raises(ValueError, match="too few patients"):
        registry_variance(registry, researcher, "stiffness_index", as_of=config.end_date)
    own = registry_variance(registry, clinician_a, "stiffness_index", as_of=config.end_date)
    assert own.disclosure_control["audience"] == "own_site_staff"
