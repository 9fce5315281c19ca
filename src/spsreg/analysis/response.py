"""Per-patient treatment response around each therapy start, restart and dose change.

For each start (see :mod:`spsreg.analysis.starts`) and each outcome, the outcome's mean in the
baseline window (days ``-baseline_days`` to 0; day 0 is the start) is compared with its mean in
the on-treatment window (days ``from`` to ``to`` after the start, cut at the day the therapy
stopped). All outcomes are lower-is-better. Too few observations in either window makes the pair
"not assessable" with the reason in words; missing data are never imputed.

- ``change`` = on-treatment mean - baseline mean, with a confidence interval from the patient's
  own variability: the Welch t interval of the two windows. With one observation in one window,
  the other window's variance stands for both (t with that window's n - 1 degrees of freedom);
  with one observation in each, there is no interval (None). Zero variance gives a zero-width
  interval.
- ``responder``: the outcome fell by at least ``responder_relative_change`` of the baseline mean
  (or by ``responder_absolute_change[outcome]`` points when set); None when the baseline mean is 0
  and no absolute rule is set (a relative fall is undefined), or when not assessable.
- ``time_to_response_days`` (responders): day of the first on-treatment observation meeting the
  responder criterion.
- ``duration_of_response_days`` (responders): from that observation to the first later one at or
  above the baseline mean; ``response_censored`` when none is seen before the outcome's last
  observation, the analysis date or the therapy's next start (whichever comes first), in which case
  the duration runs to the last observation seen.
- ``wearing_off`` for periodic therapies (IVIG): see :mod:`spsreg.analysis.wearing_off`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from spsreg.analysis.frames import FRAME_NAMES, CohortFrames
from spsreg.analysis.response_table import RESPONSE_COLUMNS, response_table
from spsreg.analysis.settings import DEFAULT_SETTINGS, AnalysisSettings
from spsreg.analysis.wearing_off import WearingOff

__all__ = [
    "RESPONSE_COLUMNS",
    "TherapyResponse",
    "WearingOff",
    "cohort_responses",
    "patient_response",
    "response_from_row",
]


@dataclass(frozen=True)
class TherapyResponse:
    """The response of one outcome to one therapy start, restart or dose change of one patient.

    Means, change and interval are in the outcome's own unit (stiffness index and HSS: points;
    T25FW: seconds; mRS: grade; diary stiffness: 0-10; diary spasms: spasms per day). Negative
    change is improvement. ``reason`` says why the pair is not assessable (None when it is).
    """

    patient_id: str
    therapy: str
    event: str
    start_date: date
    outcome: str
    assessable: bool
    reason: str | None
    baseline_mean: float | None
    baseline_n: int
    on_treatment_mean: float | None
    on_treatment_n: int
    change: float | None
    change_low: float | None
    change_high: float | None
    relative_change: float | None
    responder: bool | None
    time_to_response_days: int | None
    duration_of_response_days: int | None
    response_censored: bool
    wearing_off: WearingOff | None
    ref_id: str | None = None

    def to_document(self) -> dict[str, Any]:
        """The stable JSON form: ISO dates, None for missing numbers, keys in field order."""
        return {
            "patient_id": self.patient_id,
            "therapy": self.therapy,
            "event": self.event,
            "start_date": self.start_date.isoformat(),
            "outcome": self.outcome,
            "assessable": self.assessable,
            "reason": self.reason,
            "baseline_mean": self.baseline_mean,
            "baseline_n": self.baseline_n,
            "on_treatment_mean": self.on_treatment_mean,
            "on_treatment_n": self.on_treatment_n,
            "change": self.change,
            "change_low": self.change_low,
            "change_high": self.change_high,
            "relative_change": self.relative_change,
            "responder": self.responder,
            "time_to_response_days": self.time_to_response_days,
            "duration_of_response_days": self.duration_of_response_days,
            "response_censored": self.response_censored,
            "wearing_off": None if self.wearing_off is None else self.wearing_off.to_document(),
            "ref_id": self.ref_id,
        }


def _number(value: Any) -> float | None:
    if value is None or value is pd.NA:
        return None
    number = float(value)
    return None if math.isnan(number) else number


def _whole(value: Any) -> int | None:
    number = _number(value)
    return None if number is None else int(number)


def response_from_row(row: pd.Series) -> TherapyResponse:
    """A :class:`TherapyResponse` from one row of :func:`cohort_responses`."""
    cycles = _whole(row["wearing_off_cycles"])
    worn = None
    if cycles is not None:
        worn = WearingOff(
            early_mean=float(row["wearing_off_early_mean"]),
            late_mean=float(row["wearing_off_late_mean"]),
            difference=float(row["wearing_off_difference"]),
            cycles=cycles,
        )
    responder = row["responder"]
    return TherapyResponse(
        patient_id=str(row["patient_id"]),
        therapy=str(row["therapy"]),
        event=str(row["event"]),
        start_date=pd.Timestamp(row["start_date"]).date(),
        outcome=str(row["outcome"]),
        assessable=bool(row["assessable"]),
        reason=None if row["reason"] is None else str(row["reason"]),
        baseline_mean=_number(row["baseline_mean"]),
        baseline_n=int(row["baseline_n"]),
        on_treatment_mean=_number(row["on_treatment_mean"]),
        on_treatment_n=int(row["on_treatment_n"]),
        change=_number(row["change"]),
        change_low=_number(row["change_low"]),
        change_high=_number(row["change_high"]),
        relative_change=_number(row["relative_change"]),
        responder=None if responder is pd.NA or responder is None else bool(responder),
        time_to_response_days=_whole(row["time_to_response_days"]),
        duration_of_response_days=_whole(row["duration_of_response_days"]),
        response_censored=bool(row["response_censored"]),
        wearing_off=worn,
        ref_id=None if row["ref_id"] is None else str(row["ref_id"]),
    )


def cohort_responses(
    frames: CohortFrames, settings: AnalysisSettings = DEFAULT_SETTINGS
) -> pd.DataFrame:
    """Responses of every start x outcome of the cohort (columns :data:`RESPONSE_COLUMNS`).

    Sorted by patient, start date, therapy, event, then outcome in ``settings.outcomes`` order.
    ``responder`` is a nullable boolean (NA: not judged); counts are int64; days are float64
    (NaN: none).
    """
    return response_table(frames, settings)


def _patient_frames(frames: CohortFrames, patient_id: str) -> CohortFrames:
    parts = {}
    for name in FRAME_NAMES:
        frame: pd.DataFrame = getattr(frames, name)
        parts[name] = frame[frame["patient_id"] == patient_id].reset_index(drop=True)
    return CohortFrames(as_of=frames.as_of, **parts)


def patient_response(
    frames: CohortFrames, patient_id: str, settings: AnalysisSettings = DEFAULT_SETTINGS
) -> list[TherapyResponse]:
    """Responses of one patient (the same computation as :func:`cohort_responses`).

    Raises KeyError when the patient is not in ``frames.patients``.
    """
    if not bool((frames.patients["patient_id"] == patient_id).any()):
        raise KeyError(f"patient {patient_id!r} is not in the frames")
    table = response_table(_patient_frames(frames, patient_id), settings)
    return [response_from_row(row) for _, row in table.iterrows()]
