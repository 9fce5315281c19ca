"""Reading ClinicalTrials.gov API v2 study JSON (our own fixtures in the v2 layout) into trial
records: one study, a page of studies, and what each part of a record keeps."""

from __future__ import annotations

import copy
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from spsreg.domain.trials import (
    AgeLimit,
    AgeUnit,
    Allocation,
    ArmType,
    EligibleSex,
    InterventionModel,
    InterventionType,
    Masking,
    Phase,
    RecruitmentStatus,
    StandardAge,
    TrialArm,
    TrialIntervention,
    TrialLocation,
    TrialOutcome,
    TrialRecord,
    parse_age_limit,
)
from spsreg.ingest.ctgov import parse_ctgov, read_ctgov

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ctgov"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def only(name: str) -> TrialRecord:
    (record,) = parse_ctgov(fixture(name), source=name)
    return record


def test_a_crossover_study_keeps_identification_status_and_design() -> None:
    record = only("crossover_ivig.json")

    assert record.nct_id == "NCT09900101"
    assert record.acronym == "SPS-IGX"
    assert record.brief_title.startswith("Intravenous Immunoglobulin in Stiff Person Syndrome")
    assert record.official_title is not None and "Two-period Crossover" in record.official_title
    assert record.overall_status is RecruitmentStatus.COMPLETED
    assert record.phases == (Phase.PHASE2,)
    assert record.phase_label == "PHASE2"
    assert record.design.allocation is Allocation.RANDOMIZED
    assert record.design.intervention_model is InterventionModel.CROSSOVER
    assert record.design.masking is Masking.QUADRUPLE
    assert len(record.design.masked_parties) == 4
    assert record.design.intervention_model_description is not None
    assert (record.enrollment_count, record.enrollment_type) == (16, "ACTUAL")
    assert record.conditions == ("Stiff-Person Syndrome",)
    assert record.keywords == ("GAD65 antibodies", "immunoglobulin", "crossover")


def test_arms_interventions_and_outcomes_are_kept_in_order() -> None:
    record = only("crossover_ivig.json")

    assert [arm.label for arm in record.arms] == ["IVIG then placebo", "Placebo then IVIG"]
    assert record.arms[1] == TrialArm(
        label="Placebo then IVIG",
        type=ArmType.EXPERIMENTAL,
        description="Placebo in period 1, IVIG in period 2.",
        intervention_names=("Drug: Placebo", "Biological: Immune globulin intravenous (human)"),
    )
    ivig, placebo = record.interventions
    assert ivig == TrialIntervention(
        type=InterventionType.BIOLOGICAL,
        name="Immune globulin intravenous (human)",
        description="Infusions on consecutive days in each active period.",
        arm_labels=("IVIG then placebo", "Placebo then IVIG"),
        other_names=("IVIG",),
    )
    assert placebo.type is InterventionType.DRUG and placebo.other_names == ()
    assert record.primary_outcomes == (
        TrialOutcome(
            measure="Change in stiffness index",
            time_frame="Baseline and week 12 of each period",
            description="Number of stiff body regions, end of period minus baseline.",
        ),
    )
    assert [o.measure for o in record.secondary_outcomes] == [
        "Change in heightened sensitivity score",
        "Falls per month",
    ]
    assert record.secondary_outcomes[1].description is None


def test_eligibility_keeps_the_criteria_text_and_parses_the_age_limits() -> None:
    eligibility = only("crossover_ivig.json").eligibility

    assert eligibility.criteria is not None
    assert eligibility.criteria.startswith("Inclusion Criteria:")
    assert "Exclusion Criteria:" in eligibility.criteria
    assert eligibility.sex is EligibleSex.ALL
    assert eligibility.healthy_volunteers is False
    assert eligibility.minimum_age == AgeLimit(text="18 Years", value=18, unit=AgeUnit.YEARS)
    assert eligibility.maximum_age == AgeLimit(text="75 Years", value=75, unit=AgeUnit.YEARS)
    assert eligibility.standard_ages == (StandardAge.ADULT, StandardAge.OLDER_ADULT)


def test_partial_and_full_dates_are_kept_as_ctgov_wrote_them() -> None:
    record = only("crossover_ivig.json")

    assert record.start_date == "2019-03"
    assert record.primary_completion_date == "2021-06-30"
    assert record.completion_date == "2021-11-30"
    assert record.last_update_posted == date(2022, 1, 14)


def test_a_parallel_trial_keeps_every_location_with_its_status() -> None:
    record = only("parallel_rituximab.json")

    assert record.design.intervention_model is InterventionModel.PARALLEL
    assert record.phases == (Phase.PHASE2, Phase.PHASE3)
    assert record.phase_label == "PHASE2/PHASE3"
    assert record.eligibility.maximum_age is None
    assert [location.facility for location in record.locations] == [
        "Site A Neurology",
        "Site B Neuroimmunology",
        "Example Medical Center",
    ]
    assert record.locations[2] == TrialLocation(
        facility="Example Medical Center",
        city="Rochester",
        state="Minnesota",
        zip="55905",
        country="United States",
        status=RecruitmentStatus.NOT_YET_RECRUITING,
    )
    assert record.locations[0].state is None


def test_a_page_gives_each_study_with_its_path_and_the_next_page_token() -> None:
    reading = read_ctgov(fixture("page.json"), source="page.json")

    assert reading.problems == ()
    assert (reading.studies_read, reading.rejected) == (2, 0)
    assert [(s.path, s.record.nct_id) for s in reading.studies] == [
        ("studies[0]", "NCT09900303"),
        ("studies[1]", "NCT09900404"),
    ]
    assert reading.next_page_token == "ZVNj7o2Elu8o3lpoXsSI2Q"
    observational, single_group = reading.records
    assert observational.study_type == "OBSERVATIONAL"
    assert observational.design.allocation is None and observational.arms == ()
    assert single_group.design.allocation is Allocation.NA
    assert single_group.eligibility.sex is EligibleSex.FEMALE
    assert single_group.eligibility.maximum_age is None  # "N/A": no upper limit


def test_an_empty_last_page_has_no_studies_and_no_token() -> None:
    reading = read_ctgov({"studies": []}, source="empty.json")

    assert (reading.studies, reading.problems, reading.next_page_token) == ((), (), None)


def test_keys_the_registry_does_not_keep_are_ignored() -> None:
    document = fixture("crossover_ivig.json")
    extended = copy.deepcopy(document)
    extended["resultsSection"] = {"participantFlowModule": {"groups": []}}
    extended["protocolSection"]["oversightModule"] = {"oversightHasDmc": True}
    extended["protocolSection"]["designModule"]["designInfo"]["futureKey"] = "NEW"

    assert parse_ctgov(extended, source="x") == parse_ctgov(document, source="x")


def test_a_record_survives_its_own_json_round_trip() -> None:
    record = only("parallel_rituximab.json")

    assert TrialRecord.model_validate(json.loads(record.model_dump_json())) == record


@pytest.mark.parametrize(
    ("text", "value", "unit", "years"),
    [
        ("18 Years", 18, AgeUnit.YEARS, 18.0),
        ("1 Year", 1, AgeUnit.YEARS, 1.0),
        ("6 Months", 6, AgeUnit.MONTHS, 0.5),
        ("52 weeks", 52, AgeUnit.WEEKS, 52 * 7 / 365.25),
        ("30 Days", 30, AgeUnit.DAYS, 30 / 365.25),
    ],
)
def test_age_limits_are_parsed_to_a_number_and_unit(
    text: str, value: float, unit: AgeUnit, years: float
) -> None:
    limit = parse_age_limit(text)

    assert limit is not None
    assert (limit.text, limit.value, limit.unit) == (text, value, unit)
    assert limit.in_years() == pytest.approx(years)


def test_no_age_limit_and_a_malformed_one() -> None:
    assert parse_age_limit("N/A") is None
    with pytest.raises(ValueError, match="not an age limit"):
        parse_age_limit("18")
    with pytest.raises(ValueError, match="not an age limit"):
        parse_age_limit("eighteen years")
