"""The criteria model refuses what it cannot judge: unknown knowledge-pack ids, contradictory or
incomplete nodes, duplicate criterion ids; and it is immutable."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from spsreg.query import (
    AgeCriterion,
    AllOf,
    AntibodyCriterion,
    Cohort,
    Not,
    ScoreCriterion,
    TherapyCriterion,
    Window,
)
from spsreg.query.antibody_terms import LabInterpretation, cutoffs
from spsreg.query.tree import criterion_keys


@pytest.mark.parametrize(
    ("model", "fields", "message"),
    [
        (AntibodyCriterion, {"analyte": "gad56_antibody", "result": "positive"}, "gad65_antibody"),
        (AntibodyCriterion, {"analyte": "gad65_antibody"}, "exactly one of result, value or titre"),
        (AntibodyCriterion, {"analyte": "glyr_antibody", "result": "high_titre"}, "no high-titre"),
        (
            AntibodyCriterion,
            {
                "analyte": "gad65_antibody",
                "value": {"method": "ria", "unit": "IU/mL", "comparator": ">", "threshold": 5},
            },
            "not measured by ria in IU/mL",
        ),
        (
            AntibodyCriterion,
            {"analyte": "gad65_antibody", "result": "positive", "specimen": "urine"},
            "not measured on urine",
        ),
        (TherapyCriterion, {"drug": "rituximabb"}, "rituximab"),
        (TherapyCriterion, {}, "exactly one of drug or drug_class"),
        (TherapyCriterion, {"drug_class": "opiates"}, "Input should be"),
        (
            TherapyCriterion,
            {"drug": "rituximab", "current": True, "stopped_for": ["ineffective"]},
            "current cannot be combined",
        ),
        (ScoreCriterion, {"scale": "edss", "comparator": ">", "value": 1}, "unknown scale"),
        (ScoreCriterion, {"scale": "promis_global10", "comparator": ">", "value": 1}, "no total"),
        (
            ScoreCriterion,
            {"scale": "mrs", "subscore": "x", "comparator": ">", "value": 1},
            "no subscore",
        ),
        (ScoreCriterion, {"scale": "mrs", "comparator": "=", "value": 1}, "Input should be"),
        (AgeCriterion, {}, "min_years, max_years or both"),
        (AgeCriterion, {"min_years": 60, "max_years": 18}, "below min_years"),
        (Window, {"days": 3, "months": 1}, "either days or months"),
        (Window, {"days": 3, "start": "2020-01-01"}, "either relative"),
        (Window, {"start": "2021-01-01", "end": "2020-01-01"}, "end is before start"),
        (Window, {}, "needs days, months, start or end"),
    ],
)
def test_invalid_nodes_are_refused(model: type, fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        model.model_validate(fields)


def test_nodes_are_immutable_and_unknown_fields_refused() -> None:
    age = AgeCriterion(min_years=18)
    with pytest.raises(ValidationError):
        age.min_years = 20  # type: ignore[misc]
    with pytest.raises(ValidationError, match="Extra inputs"):
        AgeCriterion.model_validate({"min_years": 18, "minimum": 3})


def test_keys_are_ids_or_outline_numbers_and_must_be_unique() -> None:
    tree = AllOf(
        criteria=(AgeCriterion(min_years=18, id="adult"), Not(criterion=AgeCriterion(max_years=30)))
    )
    assert [key for key, _ in criterion_keys(tree)] == ["root", "adult", "2", "2.1"]
    with pytest.raises(ValidationError, match="'adult' is used more than once"):
        Cohort(
            criteria=AllOf(
                criteria=(
                    AgeCriterion(min_years=1, id="adult"),
                    AgeCriterion(max_years=9, id="adult"),
                )
            )
        )


def test_the_evaluation_date_is_the_engines_or_the_cohorts() -> None:
    cohort = Cohort(criteria=AgeCriterion(min_years=18), as_of=date(2025, 1, 1))
    assert cohort.evaluation_date() == date(2025, 1, 1)
    assert cohort.evaluation_date(date(2026, 2, 2)) == date(2026, 2, 2)
    with pytest.raises(ValueError, match="no evaluation date"):
        Cohort(criteria=AgeCriterion(min_years=18)).evaluation_date()


def test_drug_classes_resolve_through_the_knowledge_pack() -> None:
    assert "rituximab" in TherapyCriterion(drug_class="anti_cd20_antibody").drug_ids
    assert TherapyCriterion(drug="ivig").drug_ids == ("ivig",)


def test_cutoffs_come_from_labs_yaml_per_method_unit_and_specimen() -> None:
    positive = {
        (c.method, c.unit, c.specimen): c
        for c in cutoffs("gad65_antibody", LabInterpretation.POSITIVE)
    }
    assert set(positive) == {
        ("ria", "nmol/L", "serum"),
        ("ria", "nmol/L", "csf"),
        ("elisa", "IU/mL", "serum"),
    }
    assert positive[("elisa", "IU/mL", "serum")].is_positive(5.1)
    assert not positive[("elisa", "IU/mL", "serum")].is_positive(5.0)
    assert positive[("ria", "nmol/L", "serum")].is_positive(0.03)  # above the reference limit
    assert not positive[("ria", "nmol/L", "serum")].is_positive(0.02)
    high = cutoffs("gad65_antibody", LabInterpretation.HIGH_TITRE)
    assert {(c.method, c.value) for c in high} == {("ria", 20), ("elisa", 1000)}
    assert cutoffs("glyr_antibody", LabInterpretation.POSITIVE) == ()
