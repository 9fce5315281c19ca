"""``spsreg patients list|show`` through the command line: who sees what, and the JSON contract."""

from __future__ import annotations

from typing import Any

import pytest
from cli_harness import Run, cli, document

PATIENT_KEYS = {
    "patient_id",
    "pseudonym",
    "site_id",
    "sex",
    "birth_year_month",
    "vital_status",
    "phenotype",
    "diagnosis_date",
    "version",
}


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A registry of 12 generated patients at two sites, shared by the (read-only) tests here."""
    invoke = cli(tmp_path_factory.mktemp("patients-cli") / "home")
    invoke("init")
    invoke("generate", "--patients", "12", "--sites", "2", "--years", "2", "--seed", "7")
    return invoke


def listed(run: Run, *options: str) -> list[dict[str, Any]]:
    found = document(run("patients", "list", *options, "--format", "json"), "patient-list")
    patients: list[dict[str, Any]] = found["patients"]
    assert found["count"] == len(patients)
    return patients


def test_the_list_has_stable_keys_and_is_ordered_by_pseudonym(run: Run) -> None:
    patients = listed(run)

    assert len(patients) == 12
    assert all(set(p) == PATIENT_KEYS for p in patients)
    assert [p["pseudonym"] for p in patients] == sorted(p["pseudonym"] for p in patients)
    assert {p["site_id"] for p in patients} == {"SITE-A", "SITE-B"}
    assert all(isinstance(p["version"], int) for p in patients)
    assert listed(run) == patients  # the same data give the same document


def test_site_staff_list_their_own_site_and_filters_narrow_the_list(run: Run) -> None:
    everyone = listed(run)
    site_a = listed(run, "--site", "SITE-A")
    phenotype = everyone[0]["phenotype"]

    assert site_a == [p for p in everyone if p["site_id"] == "SITE-A"]
    assert listed(run, "--phenotype", phenotype) == [
        p for p in everyone if p["phenotype"] == phenotype
    ]
    assert listed(run, "--search", everyone[3]["pseudonym"].lower()) == [everyone[3]]


def test_show_gives_identifiers_to_the_patients_own_site_only(run: Run) -> None:
    patient = listed(run)[0]
    own, other = patient["site_id"], ({"SITE-A", "SITE-B"} - {patient["site_id"]}).pop()

    admin_view = document(
        run("patients", "show", patient["patient_id"], "--format", "json"), "patient"
    )
    site_view = document(
        run("patients", "show", patient["patient_id"], "--site", own, "--format", "json"),
        "patient",
    )
    refused = run("patients", "show", patient["patient_id"], "--site", other, code=1)

    assert set(admin_view) == {"record", "overview"}
    assert admin_view["record"]["patient"]["id"] == patient["patient_id"]
    assert admin_view["record"]["identifiers"] is None
    assert site_view["record"]["identifiers"]["hospital_number"]
    assert {k: v for k, v in site_view["record"].items() if k != "identifiers"} == {
        k: v for k, v in admin_view["record"].items() if k != "identifiers"
    }
    assert refused.stdout == ""
    assert refused.stderr == f"error: patient {patient['patient_id']} not found\n"


def test_show_gives_the_overview_on_the_date_asked(run: Run) -> None:
    patient_id = listed(run)[0]["patient_id"]

    shown = document(
        run("patients", "show", patient_id, "--as-of", "2026-10-31", "--format", "json"),
        "patient",
    )
    before = document(
        run("patients", "show", patient_id, "--as-of", "1990-01-01", "--format", "json"),
        "patient",
    )

    overview = shown["overview"]
    assert overview["as_of"] == "2026-10-31"
    assert overview["section_counts"]["visits"] == len(shown["record"]["visits"])
    assert overview["latest_scores"], "a generated patient has scored visits"
    assert all(s["assessed_on"] <= "2026-10-31" for s in overview["latest_scores"])
    assert (before["overview"]["latest_scores"], before["overview"]["active_medications"]) == (
        [],
        [],
    )
    assert before["overview"]["diazepam_equivalent_mg_per_day"] == 0.0


def test_an_unknown_patient_is_a_clear_error(run: Run) -> None:
    result = run("patients", "show", "no-such-patient", code=1)

    assert result.stdout == ""
    assert result.stderr == "error: patient no-such-patient not found\n"


def test_a_date_that_is_not_a_date_is_a_clear_error(run: Run) -> None:
    patient_id = listed(run)[0]["patient_id"]

    result = run("patients", "show", patient_id, "--as-of", "2026-13-01", code=1)

    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: --as-of '2026-13-01' is not a date: write it as YYYY-MM-DD"
    )


def test_the_table_view_names_the_patient_and_the_benzodiazepine_load(run: Run) -> None:
    patient = listed(run, "--site", "SITE-A")[0]

    shown = run("patients", "show", patient["patient_id"], "--site", "SITE-A").stdout

    assert patient["pseudonym"] in shown
    assert "Benzodiazepine load:" in shown
    assert "Latest scores" in shown and "Active medications" in shown
