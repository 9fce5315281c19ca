"""Malformed CT.gov documents: each problem names the file, the JSON path in CT.gov's terms and
the reason; a rejected study does not stop the other studies of a page."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from spsreg.ingest.ctgov import WHOLE_DOCUMENT, CtgovError, parse_ctgov, read_ctgov

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "ctgov"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


def problems_of(document: Any, source: str = "study.json") -> list[tuple[str, str, str]]:
    reading = read_ctgov(document, source=source)
    return [(p.file, p.path, p.reason) for p in reading.problems]


def with_change(path: list[str | int], value: Any) -> dict[str, Any]:
    """The crossover fixture with the value at ``path`` replaced (deleted when value is ...)."""
    document: dict[str, Any] = copy.deepcopy(fixture("crossover_ivig.json"))
    parent: Any = document
    for key in path[:-1]:
        parent = parent[key]
    if value is ...:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return document


IDENT = ["protocolSection", "identificationModule"]
DESIGN_INFO = ["protocolSection", "designModule", "designInfo"]
ELIGIBILITY = ["protocolSection", "eligibilityModule"]


def test_a_malformed_nct_number_is_named_with_its_path() -> None:
    assert problems_of(fixture("bad_nct_id.json"), "bad_nct_id.json") == [
        (
            "bad_nct_id.json",
            "protocolSection.identificationModule.nctId",
            "'NCT991' is not an NCT number: 'NCT' followed by 8 digits",
        )
    ]


def test_a_page_keeps_its_good_studies_and_names_every_problem_of_the_others() -> None:
    reading = read_ctgov(fixture("page_with_rejected_studies.json"), source="page.json")

    assert [s.record.nct_id for s in reading.studies] == ["NCT09900101"]
    assert (reading.studies_read, reading.rejected) == (3, 2)
    found = [(p.path, p.nct_id) for p in reading.problems]
    assert found == [
        ("studies[1].protocolSection.designModule.designInfo.interventionModel", "NCT09900505"),
        ("studies[1].protocolSection.eligibilityModule.minimumAge", "NCT09900505"),
        ("studies[2].protocolSection.identificationModule.briefTitle", "NCT09900606"),
        ("studies[2].protocolSection.statusModule.startDateStruct.date", "NCT09900606"),
    ]
    model, age, title, start = (p.reason for p in reading.problems)
    assert "'CROSS_OVER' is not a CT.gov intervention model code" in model
    assert "did you mean 'CROSSOVER'?" in model
    assert "'eighteen' is not an age limit" in age
    assert title == "missing: ClinicalTrials.gov requires it"
    assert "'2026-13' is not a calendar date" in start


def test_parse_ctgov_refuses_a_document_with_any_rejected_study() -> None:
    with pytest.raises(CtgovError) as raised:
        parse_ctgov(fixture("page_with_rejected_studies.json"), source="page.json")

    assert len(raised.value.problems) == 4
    assert "page.json: studies[1].protocolSection.designModule" in str(raised.value)


@pytest.mark.parametrize(
    "document",
    [{"trial": "NCT09900101"}, [], "text", None, {"protocol": {}}],
    ids=["other object", "list", "text", "null", "misspelt section"],
)
def test_a_document_that_is_not_ctgov_json_is_one_problem(document: Any) -> None:
    assert problems_of(document, "x.json") == [
        (
            "x.json",
            WHOLE_DOCUMENT,
            "not ClinicalTrials.gov API v2 study JSON: expected an object with 'protocolSection' "
            "(one study) or 'studies' (a page of studies)",
        )
    ]


@pytest.mark.parametrize(
    ("path", "value", "where", "reason"),
    [
        (
            [*IDENT, "nctId"],
            ...,
            "protocolSection.identificationModule.nctId",
            "missing: ClinicalTrials.gov requires it",
        ),
        (
            [*DESIGN_INFO, "allocation"],
            "RANDOMISED",
            "protocolSection.designModule.designInfo.allocation",
            "did you mean 'RANDOMIZED'?",
        ),
        (
            ["protocolSection", "designModule", "phases", 0],
            "PHASE 2",
            "protocolSection.designModule.phases[0]",
            "'PHASE 2' is not a CT.gov phase code",
        ),
        (
            ["protocolSection", "designModule", "enrollmentInfo", "count"],
            -3,
            "protocolSection.designModule.enrollmentInfo.count",
            "greater than or equal to 0 (found -3)",
        ),
        (
            [*ELIGIBILITY, "maximumAge"],
            "12 Years",
            "protocolSection.eligibilityModule",
            "the minimum age (18 Years) is above the maximum age (12 Years)",
        ),
        (
            [*ELIGIBILITY, "healthyVolunteers"],
            "perhaps",
            "protocolSection.eligibilityModule.healthyVolunteers",
            "valid boolean",
        ),
        (
            ["protocolSection", "armsInterventionsModule", "armGroups", 1, "label"],
            ...,
            "protocolSection.armsInterventionsModule.armGroups[1].label",
            "missing",
        ),
        (
            ["protocolSection", "armsInterventionsModule", "interventions", 0, "armGroupLabels"],
            ["IVIG then placebo", 7],
            "protocolSection.armsInterventionsModule.interventions[0].armGroupLabels[1]",
            "valid string (found 7)",
        ),
        (
            ["protocolSection", "contactsLocationsModule", "locations", 0],
            "Baltimore",
            "protocolSection.contactsLocationsModule.locations[0]",
            "expected an object, found text",
        ),
        (
            ["protocolSection", "outcomesModule"],
            [],
            "protocolSection.outcomesModule",
            "expected an object, found a list",
        ),
        (
            ["protocolSection", "statusModule", "completionDateStruct", "date"],
            "30/11/2021",
            "protocolSection.statusModule.completionDateStruct.date",
            "'30/11/2021' is not a date: write YYYY-MM or YYYY-MM-DD",
        ),
        (
            ["protocolSection", "identificationModule"],
            ...,
            "protocolSection.identificationModule",
            "missing: every study needs its nctId and briefTitle",
        ),
    ],
    ids=[
        "no nct id",
        "misspelt allocation",
        "unknown phase",
        "negative enrolment",
        "age limits reversed",
        "healthy volunteers not a boolean",
        "arm without label",
        "arm label not text",
        "location not an object",
        "module not an object",
        "date not ISO",
        "no identification module",
    ],
)
def test_each_malformed_value_is_reported_at_its_path(
    path: list[str | int], value: Any, where: str, reason: str
) -> None:
    reading = read_ctgov(with_change(path, value), source="study.json")

    assert reading.studies == ()
    assert reading.rejected == 1
    assert [p.path for p in reading.problems] == [where]
    assert reason in reading.problems[0].reason


def test_a_page_whose_studies_is_not_a_list_or_holds_other_values() -> None:
    assert problems_of({"studies": {"a": 1}}, "p.json") == [
        ("p.json", "studies", "expected a list of study objects")
    ]
    reading = read_ctgov({"studies": [3, fixture("crossover_ivig.json")]}, source="p.json")
    assert [(p.path, p.reason) for p in reading.problems] == [
        ("studies[0]", "expected a study object")
    ]
    assert [s.path for s in reading.studies] == ["studies[1]"]
