"""Analysis settings: documented defaults, sources, validation and loading from files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from spsreg.analysis.frames import OUTCOMES
from spsreg.analysis.settings import (
    DEFAULT_SETTINGS,
    SETTING_SOURCES,
    AnalysisSettings,
    AnalysisSettingsError,
    load_analysis_settings,
)


def test_defaults() -> None:
    s = DEFAULT_SETTINGS
    assert (s.baseline_days, s.on_treatment_from_days, s.on_treatment_to_days) == (90, 30, 180)
    assert s.min_observations("stiffness_index") == 1
    assert s.min_observations("diary_stiffness") == 7
    assert s.responder_relative_change == 0.5
    assert dict(s.responder_absolute_change) == {}
    assert s.restart_gap_days == 90
    assert s.wearing_off_early_days == (7, 21) and s.wearing_off_late_days == 7
    assert s.confidence_level == 0.95
    assert s.outcomes == OUTCOMES
    assert s.window_for("ivig") == (30, 180)
    assert s.window_for("rituximab") == (90, 180)
    assert s.window_for("plasmapheresis") == (7, 28)


def test_every_setting_names_its_source_or_says_it_is_a_convention() -> None:
    assert set(SETTING_SOURCES) == set(AnalysisSettings.model_fields)
    for name, source in SETTING_SOURCES.items():
        assert source.strip(), name
    assert "50%" in SETTING_SOURCES["responder_relative_change"]
    assert "analysis convention, no cited value" in SETTING_SOURCES["restart_gap_days"]


@pytest.mark.parametrize(
    "bad",
    [
        {"on_treatment_from_days": 100, "on_treatment_to_days": 90},
        {"therapy_windows": {"ivig": [0, 10]}},
        {"wearing_off_early_days": [21, 7]},
        {"outcomes": ["stiffness_index", "pain"]},
        {"responder_absolute_change": {"stiffness_index": 0}},
        {"responder_relative_change": 1.5},
        {"baselin_days": 30},
    ],
)
def test_settings_that_do_not_fit_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AnalysisSettings.model_validate(bad)


def test_load_from_yaml_and_json(tmp_path: Path) -> None:
    yaml_file = tmp_path / "analysis.yaml"
    yaml_file.write_text(
        "baseline_days: 60\nresponder_absolute_change:\n  stiffness_index: 2\n", encoding="utf-8"
    )
    loaded = load_analysis_settings(yaml_file)
    assert loaded.baseline_days == 60
    assert dict(loaded.responder_absolute_change) == {"stiffness_index": 2.0}
    json_file = tmp_path / "analysis.json"
    json_file.write_text(json.dumps({"therapy_windows": {"ivig": [14, 60]}}), encoding="utf-8")
    assert load_analysis_settings(json_file).window_for("ivig") == (14, 60)
    empty = tmp_path / "empty.yaml"
    empty.write_text("", encoding="utf-8")
    assert load_analysis_settings(empty) == DEFAULT_SETTINGS


def test_load_reports_unreadable_or_wrong_files(tmp_path: Path) -> None:
    with pytest.raises(AnalysisSettingsError, match="cannot read"):
        load_analysis_settings(tmp_path / "missing.yaml")
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n- 2\n", encoding="utf-8")
    with pytest.raises(AnalysisSettingsError, match="mapping"):
        load_analysis_settings(listed)
    typo = tmp_path / "typo.json"
    typo.write_text('{"baselin_days": 30}', encoding="utf-8")
    with pytest.raises(AnalysisSettingsError, match="baselin_days"):
        load_analysis_settings(typo)
