"""What a cohort analysis releases to its audience: its count tables through disclosure control.

The cohort evidence of :func:`spsreg.services.analytics.cohort_analysis` holds four count tables
and two stand-alone counts; :func:`release_cohort` passes each through :class:`Sharing`:

* ``response_rates``: therapy x (responders, non-responders, not assessable); the assessable
  count is responders + non-responders of the *released* counts, and the rate and its Wilson
  interval are recomputed from those released counts (a rate of the exact counts would reveal
  them). Either of the two suppressed: no assessable count, rate or interval.
* ``discontinuation``: therapy x (stopped, censored), the row total being the patients; the
  median time and its interval (statistics of the group's own times) are released only when the
  group's patient count is released; the per-time at-risk timeline and the counts per reason are
  withheld.
* ``lines_of_therapy``: patients per sequence of lines (one-way).
* ``cohort``: the patients of the cohort and the therapy starts, each a one-cell table; the
  mixed model's patients and observations likewise, its estimates released only when its patient
  count is released.

For own-site staff the same path gives the exact counts (nothing suppressed, nothing rounded).
The summary table (counts, percentages and group statistics in text cells) is withheld from a
shared audience.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from spsreg.analysis.rates import wilson_interval
from spsreg.analysis.survival import SurvivalResult
from spsreg.analysis.therapies import therapy_label
from spsreg.privacy.disclosure import ControlledTable
from spsreg.services.analytics import CohortAnalysis
from spsreg.services.sharing import Sharing

__all__ = [
    "CohortRelease",
    "ReleasedModel",
    "ReleasedRate",
    "ReleasedSequence",
    "ReleasedSurvival",
    "release_cohort",
]

WITHHELD_WHEN_SHARED = (
    "summary: its cells mix counts, percentages and statistics of small groups",
    "discontinuation timelines and counts per reason: numbers at risk at each time",
    "per-patient figures (forest, trajectories, swimmer, Kaplan-Meier with numbers at risk)",
)


@dataclass(frozen=True)
class ReleasedRate:
    """The response rate of one therapy as released (None where withheld)."""

    therapy: str
    responders: int | None
    assessable: int | None
    rate: float | None
    low: float | None
    high: float | None
    not_assessable: int | None

    def to_document(self) -> dict[str, Any]:
        return {"therapy": self.therapy, "label": therapy_label(self.therapy), **_fields(self)}


@dataclass(frozen=True)
class ReleasedSurvival:
    """Time to discontinuation of one therapy as released (None where withheld)."""

    therapy: str
    n: int | None
    events: int | None
    censored: int | None
    median_days: float | None
    median_low: float | None
    median_high: float | None

    def to_document(self) -> dict[str, Any]:
        return {"therapy": self.therapy, "label": therapy_label(self.therapy), **_fields(self)}


@dataclass(frozen=True)
class ReleasedSequence:
    """One sequence of lines of therapy and its released patient count."""

    sequence: str
    patients: int | None


@dataclass(frozen=True)
class ReleasedModel:
    """The mixed model's sizes as released; ``estimates`` False when they are withheld."""

    n_patients: int | None
    n_observations: int | None
    estimates: bool


@dataclass(frozen=True)
class CohortRelease:
    """The released counts of one cohort analysis, with the sharing decision behind them."""

    sharing: Sharing
    patients: int | None
    starts: int | None
    rates: tuple[ReleasedRate, ...]
    survival: tuple[ReleasedSurvival, ...]
    sequences: tuple[ReleasedSequence, ...]
    model: ReleasedModel | None
    tables: dict[str, ControlledTable]
    withheld: tuple[str, ...]

    @property
    def exact(self) -> bool:
        """True when the counts are exact (own-site staff about their own patients)."""
        return self.sharing.exact

    @property
    def policy_line(self) -> str:
        """How the counts were released, in one line for the page or the terminal."""
        return self.sharing.policy_line()

    def metadata(self) -> dict[str, Any]:
        """The ``disclosure_control`` object of the output."""
        return self.sharing.metadata(self.tables, self.withheld)


def release_cohort(analysis: CohortAnalysis, sharing: Sharing) -> CohortRelease:
    """The counts of ``analysis`` as ``sharing``'s audience may see them."""
    rates_table = sharing.control(_frame(analysis.rates, ["responders", "non_responders",
                                                          "not_assessable"]))  # fmt: skip
    survival_rows = list(analysis.survival)
    survival_table = sharing.control(
        pd.DataFrame(
            {"stopped": [s.events for s in survival_rows],
             "censored": [s.censored for s in survival_rows]},
            index=pd.Index([s.therapy for s in survival_rows]),
            dtype="int64",
        )
    )  # fmt: skip
    sequences = analysis.sequences
    sequence_table = sharing.control(
        pd.Series(
            [int(p) for p in sequences["patients"]],
            index=pd.Index([str(s) for s in sequences["sequence"]]),
            dtype="int64",
        )
    )
    cohort_table = sharing.control(
        pd.Series([analysis.patients], index=["patients"], dtype="int64")
    )
    starts_table = sharing.control(
        pd.Series([len(analysis.starts)], index=["starts"], dtype="int64")
    )
    tables = {
        "cohort": cohort_table,
        "starts": starts_table,
        "response_rates": rates_table,
        "discontinuation": survival_table,
        "lines_of_therapy": sequence_table,
    }
    model: ReleasedModel | None = None
    if analysis.model is not None:
        model_table = sharing.control(
            pd.Series([analysis.model.n_patients, analysis.model.n_observations],
                      index=["patients", "observations"], dtype="int64")
        )  # fmt: skip
        tables["mixed_model"] = model_table
        model_patients = model_table.cells[0][0]
        model = ReleasedModel(
            n_patients=model_patients,
            n_observations=model_table.cells[1][0],
            estimates=sharing.exact or model_patients is not None,
        )
    level = analysis.settings.confidence_level
    return CohortRelease(
        sharing=sharing,
        patients=cohort_table.grand_total,
        starts=starts_table.grand_total,
        rates=tuple(
            _rate(str(therapy), row, level)
            for therapy, row in zip(rates_table.row_labels, rates_table.cells, strict=True)
        ),
        survival=tuple(
            _survival(result, row, total)
            for result, row, total in zip(
                survival_rows, survival_table.cells, survival_table.row_totals, strict=True
            )
        ),
        sequences=tuple(
            ReleasedSequence(str(label), row[0])
            for label, row in zip(sequence_table.row_labels, sequence_table.cells, strict=True)
        ),
        model=model,
        tables=tables,
        withheld=() if sharing.exact else WITHHELD_WHEN_SHARED,
    )


def _frame(rates: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The response-rate counts as an additive table: each started patient in one column."""
    counts = pd.DataFrame(
        {
            "responders": rates["responders"].astype("int64"),
            "non_responders": (rates["assessable"] - rates["responders"]).astype("int64"),
            "not_assessable": rates["not_assessable"].astype("int64"),
        }
    )
    counts.index = pd.Index([str(t) for t in rates["therapy"]])
    return counts[columns]


def _rate(therapy: str, row: tuple[int | None, ...], level: float) -> ReleasedRate:
    responders, non_responders, not_assessable = row
    assessable = (
        None if responders is None or non_responders is None else responders + non_responders
    )
    rate = low = high = None
    if responders is not None and assessable:
        rate = responders / assessable
        low, high = wilson_interval(responders, assessable, level)
    return ReleasedRate(therapy, responders, assessable, rate, low, high, not_assessable)


def _survival(
    result: SurvivalResult, row: tuple[int | None, ...], total: int | None
) -> ReleasedSurvival:
    events, censored = row
    shown = total is not None
    return ReleasedSurvival(
        therapy=result.therapy,
        n=total,
        events=events,
        censored=censored,
        median_days=result.median_days if shown else None,
        median_low=result.median_low if shown else None,
        median_high=result.median_high if shown else None,
    )


def _fields(released: ReleasedRate | ReleasedSurvival) -> dict[str, Any]:
    values = dict(vars(released))
    values.pop("therapy")
    return {k: (None if isinstance(v, float) and v != v else v) for k, v in values.items()}
