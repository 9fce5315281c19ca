"""Analysis settings: the windows and thresholds of the per-patient response analysis.

Every default either cites its source (the project clinical reference,
/work/shared/clinical/sps-reference.md, which cites the trials) or says that it is an analysis
convention with no cited value. A site or a researcher states other values in a YAML or JSON file
(:func:`load_analysis_settings`); an unknown or misspelt setting is an error, never ignored.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from spsreg.analysis.record_rows import OUTCOMES

__all__ = [
    "DEFAULT_SETTINGS",
    "SETTING_SOURCES",
    "AnalysisSettings",
    "AnalysisSettingsError",
    "load_analysis_settings",
]

_CONVENTION = "analysis convention, no cited value"

SETTING_SOURCES: Mapping[str, str] = {
    "baseline_days": (
        "Dalakas et al., NEJM 2001 (IVIG crossover): baseline was month 1 of each phase "
        "(about 30 days); 90 days is an analysis convention, no cited value, chosen so that "
        "routine visits every 3 months give a baseline"
    ),
    "on_treatment_from_days": (
        "Dalakas et al., NEJM 2001: efficacy was assessed in months 2-3 of each phase "
        "(from about day 30)"
    ),
    "on_treatment_to_days": (
        "Dalakas et al., NEJM 2001 assessed months 2-3 (to about day 90) and the rituximab RCT "
        "(Ann Neurol 2017) at 3 and 6 months; 180 days is an analysis convention, no cited "
        "value, so that one routine registry visit (every 3 to 6 months) falls in the window"
    ),
    "min_observations_per_window": _CONVENTION,
    "min_diary_days_per_window": _CONVENTION,
    "responder_relative_change": (
        "Dalakas et al., Ann Neurol 2017 (rituximab RCT) was powered to detect a 50% change in "
        "the stiffness index; the Northwestern HSCT trial (Neurology 2021) called a 50% decrease "
        "a response. No validated SPS responder definition exists"
    ),
    "responder_absolute_change": "no cited minimal clinically important difference: empty",
    "therapy_windows": (
        "rituximab days 90-180: the rituximab RCT (Dalakas et al., Ann Neurol 2017) assessed the "
        "stiffness index at 3 and 6 months; plasmapheresis and immunoadsorption days 7-28: "
        "analysis convention, no cited value (a 30-day start would miss a relief shorter than a "
        "month)"
    ),
    "restart_gap_days": _CONVENTION,
    "wearing_off_early_days": _CONVENTION,
    "wearing_off_late_days": _CONVENTION,
    "cycle_gap_days": _CONVENTION,
    "confidence_level": "statistical convention (95%)",
    "outcomes": "every outcome of the outcomes frame",
}
"""Where each default comes from (shown in docs/analysis.md and in reports)."""


class AnalysisSettings(BaseModel):
    """Windows (days relative to a therapy start on day 0) and thresholds of response analysis.

    Baseline: days ``-baseline_days`` to 0 (the start day is baseline: an assessment on the day a
    therapy starts is taken before it can act). On treatment: days ``on_treatment_from_days`` to
    ``on_treatment_to_days``, both inclusive (per-therapy overrides in ``therapy_windows``).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    baseline_days: int = Field(90, ge=1, le=3650)
    on_treatment_from_days: int = Field(30, ge=1, le=3650)
    on_treatment_to_days: int = Field(180, ge=1, le=3650)
    min_observations_per_window: int = Field(
        1, ge=1, le=1000, description="visit outcomes: observations needed in each window"
    )
    min_diary_days_per_window: int = Field(
        7, ge=1, le=1000, description="diary outcomes: diary days needed in each window"
    )
    responder_relative_change: float = Field(
        0.5,
        gt=0,
        le=1,
        description="fraction of the baseline mean the outcome must fall by (lower is better)",
    )
    responder_absolute_change: Mapping[str, float] = Field(
        default_factory=dict,
        description="outcome -> points it must fall by; replaces the relative rule for it",
    )
    therapy_windows: Mapping[str, tuple[int, int]] = Field(
        default_factory=lambda: {
            "rituximab": (90, 180),
            "plasmapheresis": (7, 28),
            "immunoadsorption": (7, 28),
        },
        description="therapy -> (from day, to day) on treatment, e.g. a short-acting procedure",
    )
    restart_gap_days: int = Field(90, ge=0, le=3650)
    wearing_off_early_days: tuple[int, int] = Field(
        (7, 21), description="early part of a cycle: from day a up to (not including) day b"
    )
    wearing_off_late_days: int = Field(
        7, ge=1, le=365, description="late part of a cycle: its last n days"
    )
    cycle_gap_days: int = Field(
        7, ge=1, le=365, description="administrations this many days apart start a new cycle"
    )
    confidence_level: float = Field(0.95, gt=0.5, lt=1)
    outcomes: tuple[str, ...] = Field(OUTCOMES, min_length=1)

    @model_validator(mode="after")
    def _check(self) -> AnalysisSettings:
        windows = {"default": (self.on_treatment_from_days, self.on_treatment_to_days)}
        windows.update(self.therapy_windows)
        for therapy, (start, end) in windows.items():
            if not 0 < start <= end:
                raise ValueError(f"on-treatment window of {therapy}: need 0 < from <= to")
        early_from, early_to = self.wearing_off_early_days
        if not 0 <= early_from < early_to:
            raise ValueError("wearing_off_early_days: need 0 <= from < to")
        unknown = sorted((set(self.outcomes) | set(self.responder_absolute_change)) - set(OUTCOMES))
        if unknown:
            raise ValueError(f"unknown outcomes {unknown} (known: {', '.join(OUTCOMES)})")
        for outcome, points in self.responder_absolute_change.items():
            if not points > 0:
                raise ValueError(f"responder_absolute_change of {outcome} must be above 0")
        return self

    def window_for(self, therapy: str) -> tuple[int, int]:
        """The on-treatment window (from day, to day) of a therapy."""
        found = self.therapy_windows.get(therapy)
        return (
            found if found is not None else (self.on_treatment_from_days, self.on_treatment_to_days)
        )

    def min_observations(self, outcome: str) -> int:
        """Observations needed in each window for ``outcome`` (diary outcomes count days)."""
        if outcome.startswith("diary_"):
            return self.min_diary_days_per_window
        return self.min_observations_per_window


DEFAULT_SETTINGS = AnalysisSettings()
"""The documented defaults."""


class AnalysisSettingsError(ValueError):
    """A settings file that cannot be read or does not fit :class:`AnalysisSettings`."""


def load_analysis_settings(path: Path | str) -> AnalysisSettings:
    """Read settings from a YAML (``.yaml``/``.yml``) or JSON file; unknown keys are errors."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        raw: Any = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise AnalysisSettingsError(f"cannot read analysis settings {path}: {error}") from error
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise AnalysisSettingsError(
            f"{path}: analysis settings must be a mapping of names to values"
        )
    try:
        return AnalysisSettings.model_validate(raw)
    except ValidationError as error:
        raise AnalysisSettingsError(f"{path}: {error}") from error
