"""Criteria documents in YAML or JSON, and errors that name the place in the document."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from spsreg.query import AllOf, AntibodyCriterion, CriteriaError, Not, load_criteria

YAML_DOCUMENT = """
name: Rituximab-naive seropositive adults
as_of: 2025-06-01
criteria:
  kind: all
  criteria:
    - {kind: age, min_years: 18, id: adult}
    - {kind: antibody, analyte: gad65_antibody, result: positive, window: {months: 24}}
    - kind: not
      criterion: {kind: therapy, drug_class: anti_cd20_antibody}
"""


def test_yaml_text_json_text_and_files_give_the_same_cohort(tmp_path: Path) -> None:
    cohort = load_criteria(YAML_DOCUMENT)
    assert cohort.as_of == date(2025, 6, 1)
    assert isinstance(cohort.criteria, AllOf)
    assert isinstance(cohort.criteria.criteria[1], AntibodyCriterion)
    assert isinstance(cohort.criteria.criteria[2], Not)
    as_json = cohort.model_dump_json(exclude_none=True)
    assert load_criteria(as_json) == cohort
    (tmp_path / "cohort.json").write_text(as_json, encoding="utf-8")
    (tmp_path / "cohort.yaml").write_text(YAML_DOCUMENT, encoding="utf-8")
    assert load_criteria(tmp_path / "cohort.json") == cohort
    assert load_criteria(str(tmp_path / "cohort.yaml")) == cohort
    assert json.loads(as_json)["criteria"]["criteria"][0]["id"] == "adult"


@pytest.mark.parametrize(
    ("document", "problem"),
    [
        (
            "criteria: {kind: all, criteria: [{kind: age, min_years: 18}, "
            "{kind: antibody, analyte: gad56_antibody, result: positive}]}",
            ("criteria.criteria[1].analyte", "did you mean 'gad65_antibody'"),
        ),
        (
            "criteria: {kind: any, criteria: [{kind: not, criterion: {kind: therapy, "
            "drug: ritux}}]}",
            ("criteria.criteria[0].criterion.drug", "unknown drug 'ritux'"),
        ),
        (
            "criteria: {kind: all, criteria: [{kind: bogus}]}",
            ("criteria.criteria[0]", "does not match any of the expected tags"),
        ),
        (
            "criteria: {kind: score, scale: stiffness_index, comparator: '>', value: 2, "
            "window: {weeks: 3}}",
            ("criteria.window.weeks", "Extra inputs are not permitted"),
        ),
        (
            "criteria: {kind: phenotype, any_of: [classic, stiff_limb]}",
            ("criteria.any_of[1]", "Input should be"),
        ),
        ("criteria: {kind: all, criteria: []}", ("criteria.criteria", "at least 1 item")),
        (
            "as_of: 2025-02-30\ncriteria: {kind: sex, any_of: [female]}",
            ("-", "day is out of range"),
        ),
        ("as_of: 25-02-01\ncriteria: {kind: sex, any_of: [female]}", ("as_of", "date")),
        ("[1, 2]", ("-", "a mapping with 'criteria'")),
        ("criteria: {kind: sex", ("-", "not valid YAML or JSON")),
    ],
)
def test_errors_name_the_path_in_the_document(document: str, problem: tuple[str, str]) -> None:
    with pytest.raises(CriteriaError) as caught:
        load_criteria(document)
    paths = {path: message for path, message in caught.value.problems}
    assert problem[0] in paths, caught.value.problems
    assert problem[1] in paths[problem[0]]
    assert problem[0] in str(caught.value)


def test_every_failing_item_is_reported_once() -> None:
    with pytest.raises(CriteriaError) as caught:
        load_criteria("criteria: {kind: all, criteria: [{kind: age}, {kind: sex, any_of: [x]}]}")
    assert [path for path, _ in caught.value.problems] == [
        "criteria.criteria[0]",
        "criteria.criteria[1].any_of[0]",
    ]


def test_an_unreadable_file_is_a_criteria_error(tmp_path: Path) -> None:
    with pytest.raises(CriteriaError, match="cannot be read"):
        load_criteria(tmp_path / "missing.yaml")
