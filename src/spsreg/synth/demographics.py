"""Who a synthetic patient is: sex, dates, phenotype, antibodies, comorbidities, follow-up.

Sex, age at diagnosis, phenotype, serogroup and the cited comorbidities are drawn from the cited
distributions (:mod:`spsreg.knowledge.epidemiology`); everything else here is a simulation
assumption from :class:`~spsreg.synth.config.PopulationAssumptions`. Draws are independent of each
other (e.g. T1DM is not made more likely in GAD65-positive patients): the sources give marginal
shares, not their joint distribution.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from spsreg.domain.conditions import ComorbidityKind
from spsreg.domain.patient import Phenotype, Sex, VitalStatus
from spsreg.knowledge.epidemiology import Epidemiology
from spsreg.synth.config import CohortConfig
from spsreg.synth.sites import site_letters, site_weights

__all__ = ["ComorbidityDraft", "PatientProfile", "draw_profile", "registry_window"]

_DAYS_PER_YEAR = 365.25


@dataclass(frozen=True)
class ComorbidityDraft:
    kind: ComorbidityKind
    diagnosed_on: date | None
    detail: str | None = None


@dataclass(frozen=True)
class PatientProfile:
    index: int
    patient_id: str
    pseudonym: str
    site_index: int
    site_id: str
    sex: Sex
    date_of_birth: date
    age_at_diagnosis: float
    incident: bool
    onset_date: date
    diagnosis_date: date
    enrolment_date: date
    followup_end: date
    vital_status: VitalStatus
    date_of_death: date | None
    phenotype: Phenotype
    partial_pattern: str | None  # "limb" or "trunk" for the partial phenotype
    serogroup: str
    positive_antibodies: frozenset[str]
    comorbidities: tuple[ComorbidityDraft, ...]
    weight_kg: float
    diarist: bool

    @property
    def followup_days(self) -> int:
        """Days from enrolment to the end of follow-up, both included."""
        return (self.followup_end - self.enrolment_date).days + 1

    def has(self, kind: ComorbidityKind) -> bool:
        return any(c.kind is kind for c in self.comorbidities)

    @property
    def has_t1dm(self) -> bool:
        return self.has(ComorbidityKind.TYPE_1_DIABETES)

    @property
    def has_mood_disorder(self) -> bool:
        return self.has(ComorbidityKind.ANXIETY) or self.has(ComorbidityKind.DEPRESSION)

    def date_of(self, day: int) -> date:
        return self.enrolment_date + timedelta(days=day)


def registry_window(config: CohortConfig) -> tuple[date, date]:
    """First and last day of the registry window that follow-up falls in."""
    days = round(_DAYS_PER_YEAR * config.years)
    return config.end_date - timedelta(days=days), config.end_date


def _categorical(rng: np.random.Generator, shares: dict[str, float]) -> str:
    keys = list(shares)
    weights = np.array([shares[k] for k in keys], dtype=float)
    return keys[int(rng.choice(len(keys), p=weights / weights.sum()))]


def _age_at_diagnosis(rng: np.random.Generator, epi: Epidemiology, config: CohortConfig) -> float:
    """Cited normal age, truncated to the assumed adult range by redrawing."""
    low, high = config.population.min_age_at_diagnosis, config.population.max_age_at_diagnosis
    while True:
        age = float(rng.normal(epi.age_at_diagnosis.mean_years, epi.age_at_diagnosis.sd_years))
        if low <= age <= high:
            return age


def _antibodies(
    rng: np.random.Generator, epi: Epidemiology, config: CohortConfig
) -> tuple[str, frozenset[str]]:
    serogroup = _categorical(rng, epi.serogroups.shares())
    group = epi.serogroups.groups[serogroup]
    positive: set[str] = set()
    if serogroup == "gad65":
        positive.add("gad65_antibody")
    elif serogroup == "glyr":
        positive.add("glyr_antibody")
    elif serogroup == "other":
        amphiphysin = rng.random() < config.population.other_antibody_amphiphysin_share
        positive.add("amphiphysin_antibody" if amphiphysin else "dppx_antibody")
    for analyte, count in group.also_positive.items():
        if group.count and rng.random() < count / group.count:
            positive.add(analyte)
    return serogroup, frozenset(positive)


def _between(rng: np.random.Generator, first: date, last: date) -> date:
    span = max((last - first).days, 0)
    return first + timedelta(days=int(rng.integers(0, span + 1)))


def _comorbidities(
    rng: np.random.Generator,
    epi: Epidemiology,
    config: CohortConfig,
    birth: date,
    onset: date,
    enrolment: date,
) -> tuple[ComorbidityDraft, ...]:
    assumed = config.population
    shares: dict[ComorbidityKind, float] = {
        ComorbidityKind(kind): fact.share for kind, fact in epi.comorbidity_prevalence.items()
    }
    shares[ComorbidityKind.ANXIETY] = assumed.anxiety_share
    shares[ComorbidityKind.DEPRESSION] = assumed.depression_share
    shares[ComorbidityKind.VITILIGO] = assumed.vitiligo_share
    shares[ComorbidityKind.CANCER] = assumed.cancer_share
    cancer_sites = epi.associations_without_frequency["cancer"].sites
    drafts: list[ComorbidityDraft] = []
    for kind, share in shares.items():
        if rng.random() >= share:
            continue
        if kind is ComorbidityKind.TYPE_1_DIABETES:
            diagnosed = _between(rng, birth + timedelta(days=5 * 365), enrolment)
        elif kind in (ComorbidityKind.ANXIETY, ComorbidityKind.DEPRESSION) and rng.random() < 0.5:
            drafts.append(ComorbidityDraft(kind, None))
            continue
        else:
            diagnosed = _between(rng, max(birth, onset - timedelta(days=5 * 365)), enrolment)
        detail = None
        if kind is ComorbidityKind.CANCER:
            detail = cancer_sites[int(rng.integers(len(cancer_sites)))]
        drafts.append(ComorbidityDraft(kind, diagnosed, detail))
    return tuple(drafts)


def draw_profile(
    rng: np.random.Generator, index: int, config: CohortConfig, epi: Epidemiology
) -> PatientProfile:
    """Draw one patient's profile; the patient's clinical course is drawn elsewhere."""
    assumed = config.population
    window_start, window_end = registry_window(config)
    window_days = (window_end - window_start).days
    site_index = int(rng.choice(config.sites, p=np.array(site_weights(config))))
    sex = Sex.FEMALE if rng.random() < epi.female_share.share else Sex.MALE
    enrolment = window_start + timedelta(
        days=int(rng.integers(0, int(window_days * config.enrolment_spread) + 1))
    )
    incident = bool(rng.random() < assumed.incident_share)
    if incident:
        diagnosis = enrolment - timedelta(days=int(rng.integers(0, 61)))
    else:
        longest = int(assumed.max_prevalent_disease_years * _DAYS_PER_YEAR)
        diagnosis = enrolment - timedelta(days=int(rng.integers(61, max(longest, 62))))
    age = _age_at_diagnosis(rng, epi, config)
    birth = diagnosis - timedelta(days=round(age * _DAYS_PER_YEAR))
    delay_years = float(
        rng.lognormal(
            np.log(assumed.diagnostic_delay_median_years), assumed.diagnostic_delay_log_sd
        )
    )
    delay_years = min(delay_years, max(age - 10.0, 0.0))
    onset = diagnosis - timedelta(days=round(delay_years * _DAYS_PER_YEAR))
    phenotype = Phenotype(
        _categorical(rng, epi.phenotype_distributions[config.phenotype_distribution].shares())
    )
    partial_pattern = None
    if phenotype is Phenotype.PARTIAL:
        partial_pattern = "limb" if rng.random() < assumed.partial_limb_share else "trunk"
    serogroup, positive = _antibodies(rng, epi, config)
    comorbidities = _comorbidities(rng, epi, config, birth, onset, enrolment)
    mean_weight = (
        assumed.weight_mean_kg_female if sex is Sex.FEMALE else assumed.weight_mean_kg_male
    )
    weight = float(np.clip(rng.normal(mean_weight, assumed.weight_sd_kg), 40.0, 160.0))
    diarist = bool(rng.random() < config.diary_participation)
    # Follow-up ends at the window's end, at death, or when the patient is lost to follow-up.
    followup_end, vital, death = window_end, VitalStatus.ALIVE, None
    years_followed = (window_end - enrolment).days / _DAYS_PER_YEAR
    if rng.random() < 1.0 - (1.0 - assumed.annual_mortality) ** years_followed:
        death = _between(rng, min(enrolment + timedelta(days=30), window_end), window_end)
        followup_end, vital = death, VitalStatus.DEAD
    elif rng.random() < assumed.lost_to_follow_up_share:
        followup_end = _between(rng, min(enrolment + timedelta(days=180), window_end), window_end)
        vital = VitalStatus.LOST_TO_FOLLOW_UP
    letters = site_letters(site_index)
    return PatientProfile(
        index=index,
        patient_id=f"syn-s{config.seed}-p{index + 1:06d}",
        pseudonym=f"SYN-{config.seed:X}-{index + 1:06d}",
        site_index=site_index,
        site_id=f"SITE-{letters}",
        sex=sex,
        date_of_birth=birth,
        age_at_diagnosis=age,
        incident=incident,
        onset_date=onset,
        diagnosis_date=diagnosis,
        enrolment_date=enrolment,
        followup_end=followup_end,
        vital_status=vital,
        date_of_death=death,
        phenotype=phenotype,
        partial_pattern=partial_pattern,
        serogroup=serogroup,
        positive_antibodies=positive,
        comorbidities=comorbidities,
        weight_kg=weight,
        diarist=diarist,
    )
