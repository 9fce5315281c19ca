"""validate_responses / score_assessment: every invalid response is named, in plain language."""

from __future__ import annotations

import pytest

from spsreg.domain.assessments import Assessment, ItemResponse
from spsreg.domain.scales import (
    SCORERS,
    ScaleError,
    score_assessment,
    validate_responses,
)
from spsreg.domain.scales.phq9 import score_phq9

PHQ_ANSWERS = "0 = not at all, 1 = several days, 2 = more than half the days, 3 = nearly every day"


def assessment(scale_id: str, responses: dict[str, ItemResponse], version: str = "1") -> Assessment:
    return Assessment(id="a-1", scale_id=scale_id, scale_version=version, responses=responses)


def messages(item: Assessment) -> list[str]:
    return [issue.message for issue in validate_responses(item)]


@pytest.mark.parametrize(
    ("scale_id", "responses", "expected"),
    [
        pytest.param(
            "stiffness_index",
            {"face": 2},
            "stiffness_index.face: 2 is not a permitted value (0 = no stiffness, 1 = stiffness)",
            id="value-not-permitted",
        ),
        pytest.param(
            "phq9",
            {"phq9_1": 1.5},
            f"phq9.phq9_1: 1.5 is not a permitted value ({PHQ_ANSWERS})",
            id="fraction-of-an-enumerated-answer",
        ),
        pytest.param(
            "gad7",
            {"gad7_1": "2"},
            "gad7.gad7_1: '2' is text, but this item takes a number (0 = not at all, 1 = several days, 2 = more than half the days, 3 = nearly every day)",
            id="text-instead-of-number",
        ),
        pytest.param(
            "t25fw",
            {"trial_1_seconds": 200},
            "t25fw.trial_1_seconds: 200 is out of range (permitted: a number more than 0 and at most 180 s)",
            id="above-the-180-s-limit",
        ),
        pytest.param(
            "t25fw",
            {"trial_2_seconds": 0},
            "t25fw.trial_2_seconds: 0 is out of range (permitted: a number more than 0 and at most 180 s)",
            id="zero-seconds",
        ),
        pytest.param(
            "falls_spasm_frequency",
            {"falls_past_4_weeks": 2.5},
            "falls_spasm_frequency.falls_past_4_weeks: 2.5 is not a whole number (permitted: a whole number, 0 or more falls)",
            id="fraction-of-a-fall",
        ),
        pytest.param(
            "falls_spasm_frequency",
            {"spasms_per_day": -1},
            "falls_spasm_frequency.spasms_per_day: -1 is out of range (permitted: a number, 0 or more spasms/day)",
            id="negative-count",
        ),
        pytest.param(
            "promis_global10",
            {"global07": 11},
            "promis_global10.global07: 11 is out of range (permitted: a whole number from 0 to 10)",
            id="pain-above-10",
        ),
        pytest.param(
            "mrs",
            {"grade": 7},
            "mrs.grade: 7 is not a permitted value (0 = no symptoms, 1 = no significant disability, 2 = slight disability, 3 = moderate disability, walks without assistance, 4 = moderately severe disability, cannot walk without assistance, 5 = severe disability, bedridden, 6 = dead)",
            id="mrs-grade-7",
        ),
        pytest.param(
            "phq9",
            {"phq9_10": 1},
            "phq9.phq9_10: unknown item (phq9 version 1 has items phq9_1, phq9_2, phq9_3, phq9_4, phq9_5, phq9_6, phq9_7, phq9_8, phq9_9)",
            id="unknown-item",
        ),
    ],
)
def test_each_invalid_response_gets_one_plain_language_issue(
    scale_id: str, responses: dict[str, ItemResponse], expected: str
) -> None:
    version = "1.2" if scale_id == "promis_global10" else "1"
    assert messages(assessment(scale_id, responses, version)) == [expected]


def test_an_unknown_scale_is_one_assessment_level_issue() -> None:
    issues = validate_responses(assessment("barthel", {"x": 1}))
    assert len(issues) == 1
    assert issues[0].item_id is None
    assert issues[0].message.startswith("barthel: unknown scale (known scales: stiffness_index,")


def test_an_unsupported_version_is_one_assessment_level_issue() -> None:
    assert messages(assessment("promis_global10", {"global01": 3}, version="1.1")) == [
        "promis_global10: version '1.1' is not supported (this registry scores version '1.2')"
    ]


def test_unanswered_items_are_not_issues() -> None:
    assert validate_responses(assessment("phq9", {"phq9_1": None})) == []
    assert validate_responses(assessment("phq9", {})) == []


def test_several_problems_are_all_reported() -> None:
    found = validate_responses(assessment("stiffness_index", {"face": 2, "legs": 5, "neck": 1}))
    assert [(issue.item_id, issue.value) for issue in found] == [
        ("neck", 1),
        ("legs", 5),
        ("face", 2),
    ]


def test_score_assessment_raises_scale_error_with_every_issue() -> None:
    with pytest.raises(ScaleError) as caught:
        score_assessment(assessment("stiffness_index", {"face": 2, "arms": -1}))
    assert [issue.item_id for issue in caught.value.issues] == ["arms", "face"]
    assert "stiffness_index.face: 2 is not a permitted value" in str(caught.value)


def test_score_assessment_raises_for_unknown_scale_and_version() -> None:
    with pytest.raises(ScaleError, match="unknown scale"):
        score_assessment(assessment("barthel", {}))
    with pytest.raises(ScaleError, match="version '2' is not supported"):
        score_assessment(assessment("phq9", {}, version="2"))


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (True, "True is a yes/no value, but this item takes a number"),
        (float("nan"), "nan is not a finite number"),
        (float("inf"), "inf is not a finite number"),
    ],
)
def test_the_scoring_functions_reject_values_the_assessment_model_would_coerce(
    value: ItemResponse, reason: str
) -> None:
    with pytest.raises(ScaleError, match=reason):
        score_phq9({"phq9_1": value})


def test_scoring_never_raises_for_missing_items() -> None:
    for scale_id, scorer in SCORERS.items():
        score = scorer({})
        assert score.scale_id == scale_id
        assert score.total is None
        assert not score.complete
        assert score.missing_items
        assert all(value is None for value in score.subscores.values())


def test_score_assessment_dispatches_to_the_scale_module() -> None:
    responses: dict[str, ItemResponse] = {f"phq9_{n}": 1 for n in range(1, 10)}
    assert score_assessment(assessment("phq9", responses)) == score_phq9(responses)
