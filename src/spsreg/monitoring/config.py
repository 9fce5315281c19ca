"""Site configuration of the monitoring rules: setting overrides and disabled rules.

The rules file declares every threshold that has no cited value as a site setting with a default.
A site states its own values here; they are checked against the declared settings (unknown rule
or setting, a value outside the declared bounds) when the configuration is applied, so a typo is
an error rather than a silently ignored override.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MonitoringConfigError", "SiteMonitoringConfig"]


class SiteMonitoringConfig(BaseModel):
    """A site's choices: ``settings[rule_id][setting] = value`` and rules switched off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    settings: dict[str, dict[str, float]] = Field(default_factory=dict)
    disabled_rules: frozenset[str] = frozenset()


class MonitoringConfigError(ValueError):
    """A site configuration that does not fit the rules; ``problems`` lists every mismatch."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        lines = "\n".join(f"  - {problem}" for problem in self.problems)
        super().__init__(
            f"the site monitoring configuration has {len(problems)} problem(s):\n{lines}"
        )
