"""Which patients a cohort analysis looks at, and the JSON form shared by cohort results.

A :class:`CohortFilter` selects patients of a cohort's frames by site, SPS-spectrum phenotype,
antibody status (GAD65 band, glycine-receptor antibody), comorbidity and the dates at which they
started a therapy. It keeps whole patients: every frame of the result holds exactly the selected
patients' rows, so analyses never see half a patient.

:func:`json_value` and :func:`frame_document` turn analysis values and frames into stable,
JSON-ready structures (dates as ISO strings, NaN and NaT as None) for the ``to_document()`` methods
of the cohort results.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, model_validator

from spsreg.analysis.frames import CohortFrames
from spsreg.analysis.therapies import therapy_label
from spsreg.knowledge.vocabulary import ComorbidityKind, Phenotype

__all__ = [
    "CohortFilter",
    "Gad65Status",
    "GlyrStatus",
    "frame_document",
    "json_value",
]

Gad65Status = Literal["high_titre", "positive", "negative", "unknown"]
"""GAD65 antibody band of a patient's latest serum result (see ``spsreg.analysis.frames``)."""

GlyrStatus = Literal["positive", "negative", "unknown"]
"""Glycine-receptor antibody status of a patient's latest result."""

_GAD65_WORDS = {
    "high_titre": "high titre",
    "positive": "positive (below high titre)",
    "negative": "negative",
    "unknown": "unknown",
}


class CohortFilter(BaseModel):
    """A selection of patients; an empty criterion selects everyone.

    ``sites``, ``phenotypes``, ``gad65_status`` and ``glyr_status`` keep patients whose value is
    one of those listed. ``gad65_status`` bands are exclusive: "positive" means positive below the
    high-titre threshold, so ask for ``("high_titre", "positive")`` to get every seropositive
    patient. ``comorbidities`` keeps patients with any of the listed comorbidities recorded (on or
    before the analysis date). ``start_from`` / ``start_to`` (inclusive) keep patients who started a
    therapy in that period: the first course of a dose-change chain, or the start of a procedure;
    ``therapies`` narrows which therapies count (empty: any therapy).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    sites: tuple[str, ...] = ()
    phenotypes: tuple[Phenotype, ...] = ()
    gad65_status: tuple[Gad65Status, ...] = ()
    glyr_status: tuple[GlyrStatus, ...] = ()
    comorbidities: tuple[ComorbidityKind, ...] = ()
    start_from: date | None = None
    start_to: date | None = None
    therapies: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> CohortFilter:
        if (
            self.start_from is not None
            and self.start_to is not None
            and self.start_to < self.start_from
        ):
            raise ValueError("start_to is before start_from")
        return self

    @property
    def selects_everyone(self) -> bool:
        """True when no criterion is set."""
        return self == CohortFilter()

    def patient_ids(self, frames: CohortFrames) -> pd.Index:
        """The ids of the patients this filter keeps, in the patients frame's order."""
        patients = frames.patients
        keep = pd.Series(True, index=patients.index)
        for column, allowed in (
            ("site_id", self.sites),
            ("phenotype", tuple(str(p) for p in self.phenotypes)),
            ("gad65_status", self.gad65_status),
            ("glyr_status", self.glyr_status),
        ):
            if allowed:
                keep &= patients[column].isin(list(allowed))
        if self.comorbidities:
            keep &= patients["patient_id"].isin(self._with_comorbidity(frames))
        if self.start_from is not None or self.start_to is not None or self.therapies:
            keep &= patients["patient_id"].isin(self._with_start(frames))
        kept: pd.Index = pd.Index(patients.loc[keep, "patient_id"])
        return kept

    def apply(self, frames: CohortFrames) -> CohortFrames:
        """The frames restricted to the selected patients (row order and dtypes kept)."""
        if self.selects_everyone:
            return frames
        ids = self.patient_ids(frames)

        def subset(frame: pd.DataFrame) -> pd.DataFrame:
            return frame.loc[frame["patient_id"].isin(ids)].reset_index(drop=True)

        return replace(
            frames,
            patients=subset(frames.patients),
            outcomes=subset(frames.outcomes),
            courses=subset(frames.courses),
            therapy_events=subset(frames.therapy_events),
            adverse_events=subset(frames.adverse_events),
            comorbidities=subset(frames.comorbidities),
        )

    def describe(self) -> str:
        """The selection in plain words, e.g. for the methods section of a cohort report."""
        parts: list[str] = []
        if self.sites:
            parts.append(_one_of("site", self.sites))
        if self.phenotypes:
            parts.append(_one_of("phenotype", [str(p).replace("_", " ") for p in self.phenotypes]))
        if self.gad65_status:
            parts.append(_one_of("GAD65 antibody", [_GAD65_WORDS[s] for s in self.gad65_status]))
        if self.glyr_status:
            parts.append(_one_of("glycine-receptor antibody", self.glyr_status))
        if self.comorbidities:
            kinds = [str(k).replace("_", " ") for k in self.comorbidities]
            parts.append("with " + " or ".join(kinds) + " recorded")
        if self.start_from is not None or self.start_to is not None or self.therapies:
            what = (
                " or ".join(therapy_label(t) for t in self.therapies)
                if self.therapies
                else "a therapy"
            )
            when = ""
            if self.start_from is not None and self.start_to is not None:
                when = f" from {self.start_from.isoformat()} to {self.start_to.isoformat()}"
            elif self.start_from is not None:
                when = f" on or after {self.start_from.isoformat()}"
            elif self.start_to is not None:
                when = f" on or before {self.start_to.isoformat()}"
            parts.append(f"started {what}{when}")
        if not parts:
            return "All patients"
        return "Patients: " + "; ".join(parts)

    # --- helpers -------------------------------------------------------------------------------
    def _with_comorbidity(self, frames: CohortFrames) -> pd.Series:
        table = frames.comorbidities
        as_of = pd.Timestamp(frames.as_of)
        wanted = table["kind"].isin([str(k) for k in self.comorbidities])
        known_by_then = table["diagnosed_on"].isna() | (table["diagnosed_on"] <= as_of)
        return table.loc[wanted & known_by_then, "patient_id"]

    def _with_start(self, frames: CohortFrames) -> pd.Series:
        courses = frames.courses
        chain_first = courses["previous_course_id"].isna() | ~courses["previous_course_id"].isin(
            courses["course_id"]
        )
        starts = pd.concat(
            [
                courses.loc[chain_first, ["patient_id", "therapy", "start_date"]],
                frames.therapy_events.loc[
                    frames.therapy_events["kind"] == "procedure_start",
                    ["patient_id", "therapy", "date"],
                ].rename(columns={"date": "start_date"}),
            ],
            ignore_index=True,
        )
        keep = pd.Series(True, index=starts.index)
        if self.therapies:
            keep &= starts["therapy"].isin(list(self.therapies))
        if self.start_from is not None:
            keep &= starts["start_date"] >= pd.Timestamp(self.start_from)
        if self.start_to is not None:
            keep &= starts["start_date"] <= pd.Timestamp(self.start_to)
        return starts.loc[keep, "patient_id"]


def _one_of(noun: str, values: Sequence[str]) -> str:
    return f"{noun} {values[0]}" if len(values) == 1 else f"{noun} one of {', '.join(values)}"


def json_value(value: Any) -> Any:
    """A JSON-ready form of one analysis value.

    Dates and timestamps become ISO date strings (``YYYY-MM-DD``; the frames hold midnight dates),
    NaN, NaT, ``pd.NA`` and infinities become None, numpy scalars become Python numbers, tuples
    become lists.
    """
    if value is None or value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).date().isoformat()
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, tuple | list):
        return [json_value(item) for item in value]
    if isinstance(value, dict):
        return {str(key): json_value(item) for key, item in value.items()}
    return value


def frame_document(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows of ``frame`` as JSON-ready dicts, in row order, columns in frame order."""
    columns = [str(column) for column in frame.columns]
    return [
        {column: json_value(value) for column, value in zip(columns, row, strict=True)}
        for row in frame.itertuples(index=False, name=None)
    ]
