"""Worked examples: stiffness index, heightened sensitivity, T25FW, mRS, falls and spasms."""

from __future__ import annotations

import pytest

from spsreg.domain.assessments import ItemResponse
from spsreg.domain.scales.falls_spasm_frequency import score_falls_spasm_frequency
from spsreg.domain.scales.heightened_sensitivity import score_heightened_sensitivity
from spsreg.domain.scales.mrs import score_mrs
from spsreg.domain.scales.stiffness_index import score_stiffness_index
from spsreg.domain.scales.t25fw import score_t25fw

REGIONS = ("lower_trunk", "upper_trunk", "legs", "arms", "face", "abdomen")
TRIGGERS = (
    "unexpected_noise",
    "visual",
    "somatosensory",
    "activity",
    "emotional_stress",
    "spontaneous",
    "nocturnal",
)


@pytest.mark.parametrize(
    ("stiff_regions", "expected"),
    [
        ((), 0.0),
        (("lower_trunk",), 1.0),
        (("lower_trunk", "upper_trunk", "legs"), 3.0),
        (REGIONS, 6.0),
    ],
)
def test_stiffness_index_counts_stiff_regions(
    stiff_regions: tuple[str, ...], expected: float
) -> None:
    score = score_stiffness_index({region: int(region in stiff_regions) for region in REGIONS})
    assert (score.total, score.complete, score.missing_items, score.band) == (
        expected,
        True,
        (),
        None,
    )


def test_stiffness_index_with_an_unanswered_region_is_not_computed() -> None:
    responses: dict[str, ItemResponse] = {region: 1 for region in REGIONS}
    responses["face"] = None
    del responses["abdomen"]
    score = score_stiffness_index(responses)
    assert score.total is None
    assert not score.complete
    assert score.missing_items == ("face", "abdomen")
    assert not score.prorated


@pytest.mark.parametrize("positives", [0, 1, 4, 7])
def test_heightened_sensitivity_counts_positive_items(positives: int) -> None:
    responses = {trigger: int(index < positives) for index, trigger in enumerate(TRIGGERS)}
    assert score_heightened_sensitivity(responses).total == float(positives)


def test_heightened_sensitivity_missing_item_is_named() -> None:
    responses: dict[str, ItemResponse] = {trigger: 0 for trigger in TRIGGERS[:-1]}
    score = score_heightened_sensitivity(responses)
    assert (score.total, score.missing_items) == (None, ("nocturnal",))


@pytest.mark.parametrize(
    ("trial_1", "trial_2", "mean_seconds"),
    [(5.0, 6.0, 5.5), (4.2, 4.6, 4.4), (180, 180, 180.0), (0.5, 0.5, 0.5)],
)
def test_t25fw_is_the_mean_of_two_trials_with_speed(
    trial_1: float, trial_2: float, mean_seconds: float
) -> None:
    score = score_t25fw({"trial_1_seconds": trial_1, "trial_2_seconds": trial_2})
    assert score.total == pytest.approx(mean_seconds)
    assert score.subscores["walking_speed_ft_per_s"] == pytest.approx(25 / mean_seconds)
    assert score.complete


def test_t25fw_worked_example_by_hand() -> None:
    # 8.0 s and 10.0 s: mean 9.0 s; 25 ft / 9.0 s = 2.777... ft/s.
    score = score_t25fw({"trial_1_seconds": 8.0, "trial_2_seconds": 10.0, "assistive_device": 1})
    assert score.total == 9.0
    assert score.subscores == {"walking_speed_ft_per_s": pytest.approx(2.7777777778)}


def test_t25fw_needs_both_trials_but_never_the_assistive_device_item() -> None:
    one_trial = score_t25fw(
        {"trial_1_seconds": 7.0, "trial_2_seconds": None, "assistive_device": 0}
    )
    assert one_trial.total is None
    assert one_trial.subscores == {"walking_speed_ft_per_s": None}
    assert one_trial.missing_items == ("trial_2_seconds",)
    no_device_answer = score_t25fw({"trial_1_seconds": 7.0, "trial_2_seconds": 7.0})
    assert no_device_answer.complete
    assert no_device_answer.missing_items == ()


@pytest.mark.parametrize("grade", range(7))
def test_mrs_score_is_the_grade(grade: int) -> None:
    score = score_mrs({"grade": grade})
    assert (score.total, score.complete, score.band) == (float(grade), True, None)


def test_mrs_without_a_grade_has_no_score() -> None:
    score = score_mrs({"grade": None})
    assert (score.total, score.missing_items) == (None, ("grade",))


def test_falls_and_spasms_are_separate_subscores_without_total() -> None:
    score = score_falls_spasm_frequency({"falls_past_4_weeks": 3, "spasms_per_day": 12.5})
    assert score.total is None
    assert score.subscores == {"falls_past_4_weeks": 3.0, "spasms_per_day": 12.5}
    assert score.complete


def test_a_missing_count_leaves_only_its_own_subscore_empty() -> None:
    score = score_falls_spasm_frequency({"spasms_per_day": 0})
    assert score.subscores == {"falls_past_4_weeks": None, "spasms_per_day": 0.0}
    assert score.missing_items == ("falls_past_4_weeks",)
    assert not score.complete
