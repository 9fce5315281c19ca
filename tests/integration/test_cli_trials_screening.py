"""``spsreg trials criteria|screen|feasibility|enrol|randomize-setup|allocate`` through the command
line (embedded SQLite): the scenario patients screened on both engines, feasibility through
disclosure control, enrolment of the eligible only (exit 2 otherwise), and a concealed list from
which one allocation is revealed at a time."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_harness import Run, cli, document
from trial_screening_examples import AS_OF, CRITERIA_YAML, EXPECTED, NCT, scenario_records, trial

from spsreg.domain import Site
from spsreg.store import Actor, Role, open_registry


@pytest.fixture
def run(tmp_path: Path) -> Run:
    home = tmp_path / "home"
    invoke = cli(home)
    invoke("init")
    admin = Actor("setup", Role.ADMIN)
    with open_registry(f"sqlite:///{home / 'spsreg.sqlite3'}") as registry:
        registry.add_site(admin, Site(id="SITE-A", name="Site A", country="GB"))
        registry.add_site(admin, Site(id="SITE-B", name="Site B", country="DE"))
        registry.save_trial(admin, trial(), "import")
        for record in scenario_records():
            registry.save_patient_record(admin, record, reason="import")
    (tmp_path / "criteria.yaml").write_text(CRITERIA_YAML, encoding="utf-8")
    invoke("trials", "criteria", NCT, str(tmp_path / "criteria.yaml"))
    return invoke


DAY = ["--as-of", AS_OF.isoformat()]


@pytest.mark.parametrize("engine", ["sql", "memory"])
def test_screen_lists_every_scenario(run: Run, engine: str) -> None:
    screened = document(
        run("trials", "screen", NCT, *DAY, "--engine", engine, "--format", "json"),
        "trial-screening",
    )
    found = {
        p["patient_id"]: (
            p["status"],
            p["contactable"],
            None if p["failed_criterion"] is None else p["failed_criterion"]["key"],
            len(p["missing"]),
        )
        for p in screened["patients"]
    }
    assert found == EXPECTED
    assert screened["counts"] == {
        "eligible": 3,
        "not_contactable": 2,
        "ineligible": 3,
        "undetermined": 2,
    }
    table = run("trials", "screen", NCT, *DAY, "--site", "SITE-A").stdout
    assert "Aged 18 to 75" in table and "phenotype (not recorded)" in table and "P09" not in table


def test_criteria_are_validated_with_the_place_of_the_problem(run: Run, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(CRITERIA_YAML.replace("gad65_antibody", "gad56_antibody"), encoding="utf-8")
    failed = run("trials", "criteria", NCT, str(bad), code=1)
    assert "criteria.criteria[2].analyte" in failed.stderr
    same = document(
        run("trials", "criteria", NCT, str(tmp_path / "criteria.yaml"), "-f", "json"),
        "trial-criteria",
    )
    assert (same["status"], same["criteria_version"]) == ("unchanged", 1)
    assert same["criteria"][0] == {"key": "root", "kind": "all", "label": None}


def test_feasibility_is_controlled_when_shared(run: Run) -> None:
    exact = document(run("trials", "feasibility", NCT, *DAY, "-f", "json"), "trial-feasibility")
    assert exact["sites"][0] == {
        "site_id": "SITE-A",
        "eligible": 1,
        "not_contactable": 2,
        "ineligible": 3,
        "undetermined": 2,
        "total": 8,
    }
    assert exact["disclosure_control"]["counts"] == "exact"
    shared = document(
        run("trials", "feasibility", NCT, *DAY, "--share", "-f", "json"), "trial-feasibility"
    )
    assert shared["disclosure_control"]["audience"] == "shared"
    assert shared["sites"][0]["not_contactable"] is None
    assert "suppressed" in run("trials", "feasibility", NCT, *DAY, "--share").stdout


def test_enrol_then_randomize_and_allocate(run: Run) -> None:
    refused = document(
        run(
            "trials",
            "enrol",
            NCT,
            "P01",
            "P02",
            "--on",
            AS_OF.isoformat(),
            "--site",
            "SITE-A",
            "-f",
            "json",
            code=2,
        ),
        "trial-enrolment",
    )
    assert [(p["patient_id"], p["enrolled"]) for p in refused["patients"]] == [
        ("P01", True),
        ("P02", False),
    ]
    run("trials", "randomize-setup", NCT, "--strata", "site", "--site", "SITE-A", code=2)
    setup = document(
        run(
            "trials",
            "randomize-setup",
            NCT,
            "--strata",
            "site,phenotype",
            "--blocks",
            "2,4",
            "--size",
            "8",
            "-f",
            "json",
        ),
        "randomization-setup",
    )
    assert (setup["strata"], setup["scheme"]["treatments"]) == (14, ["IVIG", "Placebo"])
    assert "IVIG" not in str({k: v for k, v in setup.items() if k != "scheme"})
    allocation = document(
        run("trials", "allocate", NCT, "P01", "--site", "SITE-A", "-f", "json"), "allocation"
    )
    assert (allocation["stratum"], allocation["sequence"]) == ("site=SITE-A;phenotype=classic", 1)
    assert allocation["treatment"] in ("IVIG", "Placebo") and not allocation["already_allocated"]
    assert "not found" in run("trials", "allocate", NCT, "P01", "--site", "SITE-B", code=1).stderr
