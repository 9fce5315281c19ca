"""``spsreg trials import|list`` through the command line (embedded SQLite): CT.gov API v2 files
of one study or a page, re-imports, rejected studies (exit 2) and the trial list."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_harness import Run, cli, document

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "ctgov"


@pytest.fixture
def run(tmp_path: Path) -> Run:
    invoke = cli(tmp_path / "home")
    invoke("init")
    return invoke


def imported(run: Run, name: str, *args: str, code: int = 0) -> dict[str, object]:
    return document(
        run("trials", "import", str(FIXTURES / name), *args, "--format", "json", code=code),
        "trial-import",
    )


def test_importing_one_study_then_again_changes_nothing(run: Run) -> None:
    first = imported(run, "crossover_ivig.json")
    again = imported(run, "crossover_ivig.json")

    assert first == {
        "source": str(FIXTURES / "crossover_ivig.json"),
        "ok": True,
        "studies": 1,
        "created": 1,
        "replaced": 0,
        "unchanged": 0,
        "rejected": 0,
        "next_page_token": None,
        "trials": [{"nct_id": "NCT09900101", "path": "-", "status": "created", "version": 1}],
        "problems": [],
    }
    assert (again["created"], again["unchanged"]) == (0, 1)
    assert again["trials"] == [
        {"nct_id": "NCT09900101", "path": "-", "status": "unchanged", "version": None}
    ]


def test_a_page_is_imported_with_each_study_path_and_the_next_page_token(run: Run) -> None:
    report = imported(run, "page.json")
    table = run("trials", "import", str(FIXTURES / "page.json"))

    assert (report["studies"], report["created"], report["next_page_token"]) == (
        2,
        2,
        "ZVNj7o2Elu8o3lpoXsSI2Q",
    )
    assert [(t["nct_id"], t["path"]) for t in report["trials"]] == [  # type: ignore[attr-defined]
        ("NCT09900303", "studies[0]"),
        ("NCT09900404", "studies[1]"),
    ]
    assert "Imported 0 new and 0 replaced trials; 2 unchanged; 0 rejected." in table.stdout
    assert "pageToken=ZVNj7o2Elu8o3lpoXsSI2Q" in table.stdout


def test_rejected_studies_are_reported_and_the_good_ones_imported(run: Run) -> None:
    report = imported(run, "page_with_rejected_studies.json", code=2)
    table = run("trials", "import", str(FIXTURES / "page_with_rejected_studies.json"), code=2)

    assert (report["ok"], report["created"], report["rejected"]) == (False, 1, 2)
    problems = report["problems"]
    assert isinstance(problems, list)
    assert [(p["path"], p["nct_id"]) for p in problems] == [
        ("studies[1].protocolSection.designModule.designInfo.interventionModel", "NCT09900505"),
        ("studies[1].protocolSection.eligibilityModule.minimumAge", "NCT09900505"),
        ("studies[2].protocolSection.identificationModule.briefTitle", "NCT09900606"),
        ("studies[2].protocolSection.statusModule.startDateStruct.date", "NCT09900606"),
    ]
    assert {p["file"] for p in problems} == {str(FIXTURES / "page_with_rejected_studies.json")}
    assert "did you mean 'CROSSOVER'?" in problems[0]["reason"]
    assert "1 unchanged; 2 rejected." in table.stdout
    listed = document(run("trials", "list", "-f", "json"), "trial-list")
    assert [t["nct_id"] for t in listed["trials"]] == ["NCT09900101"]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("not_json.json", "not JSON: Expecting value at line 2, column 1"),
        ("not_ctgov.json", "not ClinicalTrials.gov API v2 study JSON"),
        ("bad_nct_id.json", "'NCT991' is not an NCT number"),
    ],
)
def test_a_file_that_gives_no_study_exits_2_with_the_reason(
    run: Run, name: str, reason: str
) -> None:
    report = imported(run, name, code=2)

    assert (report["ok"], report["created"]) == (False, 0)
    (problem,) = report["problems"]  # type: ignore[misc]
    assert reason in problem["reason"]
    assert document(run("trials", "list", "-f", "json"), "trial-list") == {
        "count": 0,
        "trials": [],
    }


def test_the_list_shows_each_trial_and_filters_by_status(run: Run) -> None:
    for name in ("parallel_rituximab.json", "crossover_ivig.json", "page.json"):
        imported(run, name, "--site", "SITE-A", "--reason", "feasibility review")

    listed = document(run("trials", "list", "--format", "json"), "trial-list")
    recruiting = document(
        run("trials", "list", "--status", "RECRUITING", "--format", "json"), "trial-list"
    )
    table = run("trials", "list")

    assert listed["count"] == 4
    assert [t["nct_id"] for t in listed["trials"]] == [
        "NCT09900101",
        "NCT09900202",
        "NCT09900303",
        "NCT09900404",
    ]
    assert recruiting["trials"] == [
        {
            "nct_id": "NCT09900202",
            "acronym": "BREAK-SPS",
            "brief_title": "B-cell Depletion in Stiff Person Syndrome Spectrum Disorders",
            "overall_status": "RECRUITING",
            "phases": ["PHASE2", "PHASE3"],
            "study_type": "INTERVENTIONAL",
            "allocation": "RANDOMIZED",
            "intervention_model": "PARALLEL",
            "enrollment": 24,
            "enrollment_type": "ESTIMATED",
            "locations": 3,
            "last_update_posted": "2025-05-01",
            "version": 1,
        }
    ]
    assert "Trials (4)" in table.stdout
    assert "SPS-IGX" in table.stdout


def test_trial_commands_before_init_say_to_run_spsreg_init(tmp_path: Path) -> None:
    run = cli(tmp_path / "empty")

    result = run("trials", "list", code=1)

    assert result.stdout == ""
    assert "is not initialised: run `spsreg init`" in result.stderr
