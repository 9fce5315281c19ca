"""Response rates per therapy with Wilson score intervals.

A response rate is the share of patients who met the responder criterion among those whose response
could be assessed (see :mod:`spsreg.analysis.response`). Patients whose response was not assessable
are not in the denominator; they are counted separately so that a report can say how many there
were. Small registries give small denominators, so the interval is the Wilson score interval, which
stays inside 0-1 and keeps close to its nominal coverage for small n (unlike the Wald interval).
"""

from __future__ import annotations

import math

import pandas as pd
from scipy.stats import norm

__all__ = ["RATE_COLUMNS", "response_rates", "wilson_interval"]

RATE_COLUMNS: tuple[str, ...] = (
    "therapy",
    "responders",
    "assessable",
    "rate",
    "low",
    "high",
    "not_assessable",
)
"""Columns of :func:`response_rates` (the contract's six, then the not-assessable count)."""


def wilson_interval(successes: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion ``successes / n`` at confidence ``level``.

    With ``p = successes / n`` and ``z`` the standard normal quantile ``1 - (1 - level) / 2``::

        centre = (p + z^2 / (2n)) / (1 + z^2 / n)
        half   = z * sqrt(p (1 - p) / n + z^2 / (4 n^2)) / (1 + z^2 / n)

    and the interval is ``(centre - half, centre + half)``; 0 successes give a lower limit of
    exactly 0 and ``n`` successes an upper limit of exactly 1 (Wilson 1927; Newcombe 1998).
    """
    if n <= 0:
        raise ValueError("a proportion needs at least one assessable patient (n >= 1)")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n ({n}), got {successes}")
    if not 0.0 < level < 1.0:
        raise ValueError(f"level must be between 0 and 1, got {level}")
    z = float(norm.ppf(1.0 - (1.0 - level) / 2.0))
    p = successes / n
    denominator = 1.0 + z * z / n
    centre = (p + z * z / (2.0 * n)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / n + z * z / (4.0 * n * n)) / denominator
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return low, high


def response_rates(responses: pd.DataFrame, outcome: str, *, level: float = 0.95) -> pd.DataFrame:
    """Responders among assessable patients per therapy, for one ``outcome``.

    ``responses`` is the per-start table of :func:`spsreg.analysis.response.cohort_responses`
    (columns at least ``patient_id, therapy, start_date, outcome, assessable, responder``, and
    ``event`` when present). Only therapy starts count (``event == "start"``; dose changes are not
    new treatment decisions), and each patient counts once per therapy, at their first assessable
    start: repeated starts of one patient are not independent evidence. A therapy with no
    assessable start has rate, low and high NaN.

    Returns one row per therapy, sorted by therapy: ``therapy, responders, assessable, rate, low,
    high, not_assessable`` (patients who started the therapy but had no assessable start).
    """
    rows = responses.loc[responses["outcome"] == outcome]
    if "event" in rows.columns:
        rows = rows.loc[rows["event"] == "start"]
    assessable_mask = rows["assessable"].eq(True) & rows["responder"].notna()
    assessable = (
        rows.loc[assessable_mask]
        .sort_values(["patient_id", "therapy", "start_date"], kind="stable")
        .drop_duplicates(["patient_id", "therapy"], keep="first")
    )
    counted = assessable.assign(responder=assessable["responder"].astype(bool)).groupby("therapy")
    responders = counted["responder"].sum()
    n_assessable = counted["responder"].size()
    started = rows.groupby("therapy")["patient_id"].nunique()
    therapies = sorted(str(therapy) for therapy in started.index)
    records: list[dict[str, object]] = []
    for therapy in therapies:
        n = int(n_assessable.get(therapy, 0))
        k = int(responders.get(therapy, 0))
        low, high = wilson_interval(k, n, level) if n else (math.nan, math.nan)
        records.append(
            {
                "therapy": therapy,
                "responders": k,
                "assessable": n,
                "rate": k / n if n else math.nan,
                "low": low,
                "high": high,
                "not_assessable": int(started[therapy]) - n,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(RATE_COLUMNS))
    return frame.astype(
        {
            "therapy": object,
            "responders": "int64",
            "assessable": "int64",
            "rate": "float64",
            "low": "float64",
            "high": "float64",
            "not_assessable": "int64",
        }
    )
