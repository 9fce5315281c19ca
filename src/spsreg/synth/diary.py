"""Patient diaries: daily stiffness (0-10), spasms, falls, triggers, sedation and doses taken.

A diarist starts within the first months, is diligent at first and less so later (adherence
decays exponentially to a floor), skips holidays, and may stop altogether. Entries read the same
daily series the visits observe: stiffness NRS = ``round(scale * S / cap + noise)``, spasm and
fall counts are the day's counts, and the doses are the scheduled oral doses less missed ones.
"""

from __future__ import annotations

import numpy as np

from spsreg.domain.diary import DiaryDose, DiaryEntry, SpasmTrigger
from spsreg.synth.config import CohortConfig
from spsreg.synth.demographics import PatientProfile
from spsreg.synth.disease import TRIGGERS, DailySymptoms

__all__ = ["diary_days", "diary_entries"]


def diary_days(rng: np.random.Generator, n_days: int, config: CohortConfig) -> np.ndarray:
    """Days (from enrolment) with an entry: decaying adherence, holidays and dropout."""
    a = config.diary
    start = int(rng.integers(0, a.start_within_days + 1))
    if start >= n_days:
        return np.zeros(0, dtype=int)
    first = rng.uniform(a.adherence_start_min, a.adherence_start_max)
    floor = rng.uniform(a.adherence_floor_min, a.adherence_floor_max)
    decay_days = rng.uniform(a.adherence_decay_years_min, a.adherence_decay_years_max) * 365.25
    elapsed = np.maximum(np.arange(n_days) - start, 0)
    adherence = floor + (first - floor) * np.exp(-elapsed / decay_days)
    keep = rng.random(n_days) < adherence
    keep[:start] = False
    for _ in range(int(rng.poisson(a.holidays_per_year * n_days / 365.25))):
        begin = int(rng.integers(0, n_days))
        keep[begin : begin + int(rng.integers(a.holiday_days_min, a.holiday_days_max + 1))] = False
    if rng.random() < a.dropout and n_days - start > 120:
        keep[int(rng.integers(start + 90, n_days)) :] = False
    return np.flatnonzero(keep)


def diary_entries(
    rng: np.random.Generator,
    profile: PatientProfile,
    config: CohortConfig,
    stiffness: np.ndarray,
    cap: int,
    symptoms: DailySymptoms,
    sedation: np.ndarray,
    scheduled_doses: dict[str, np.ndarray],
    as_needed: dict[str, np.ndarray],
) -> list[DiaryEntry]:
    """The diary of a diarist (empty for other patients)."""
    if not profile.diarist:
        return []
    a = config.diary
    days = diary_days(rng, stiffness.size, config)
    k = days.size
    nrs = (
        np.clip(
            np.rint(
                a.stiffness_nrs_scale * stiffness[days] / cap
                + rng.normal(0.0, a.stiffness_nrs_noise_sd, k)
            ),
            0,
            10,
        )
        .astype(int)
        .tolist()
    )
    sedation_score = (
        np.clip(np.rint(sedation[days] + rng.normal(0.0, 1.0, k)), 0, 10).astype(int).tolist()
    )
    no_sedation = (rng.random(k) < a.sedation_missing).tolist()
    no_falls = (rng.random(k) < a.falls_missing).tolist()
    no_doses = (rng.random(k) < a.doses_missing).tolist()
    spasms = symptoms.spasms[days].tolist()
    falls = symptoms.falls[days].tolist()
    triggers = symptoms.triggers[days].tolist()
    taken = {
        drug: rng.binomial(series[days], 1.0 - a.missed_dose).tolist()
        for drug, series in scheduled_doses.items()
    }
    taken.update(
        {
            drug: (rng.integers(0, 5, k) * active[days]).tolist()
            for drug, active in as_needed.items()
        }
    )
    trigger_values = [SpasmTrigger(name) for name in TRIGGERS]
    dose_cache: dict[tuple[str, int], DiaryDose] = {}  # frozen values: share, do not rebuild

    def dose(drug: str, count: int) -> DiaryDose:
        key = (drug, count)
        if key not in dose_cache:
            dose_cache[key] = DiaryDose(drug_id=drug, doses=count)
        return dose_cache[key]

    entries = []
    for i, day in enumerate(days.tolist()):
        doses = (
            ()
            if no_doses[i]
            else tuple(dose(drug, counts[i]) for drug, counts in taken.items() if counts[i] > 0)
        )
        entries.append(
            DiaryEntry(
                id=f"{profile.patient_id}-d{profile.date_of(day):%Y%m%d}",
                entry_date=profile.date_of(day),
                stiffness=nrs[i],
                spasm_count=spasms[i],
                falls=None if no_falls[i] else falls[i],
                triggers=tuple(t for t, on in zip(trigger_values, triggers[i], strict=True) if on),
                sedation=None if no_sedation[i] else sedation_score[i],
                doses_taken=doses,
            )
        )
    return entries
