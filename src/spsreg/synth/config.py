"""Configuration of a synthetic cohort, and every simulation assumption the generator makes.

Two kinds of numbers drive the generator and they are kept apart on purpose:

* **cited facts** (sex ratio, age, phenotype and antibody shares, comorbidity prevalences, assay
  reference limits) come from :mod:`spsreg.knowledge.epidemiology`, and drug doses from the cited
  regimens in :mod:`spsreg.synth.regimens`;
* **simulation assumptions** are everything else: effect sizes, time constants, rates the sources
  do not give, and the treating clinicians' policy. They live here, in models whose docstrings say
  so, and the ground-truth document repeats them under ``simulation_assumptions``. None of them is
  a clinical fact, and none may be quoted as one.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = [
    "DEFAULT_END_DATE",
    "AdverseEventAssumptions",
    "CohortConfig",
    "DiaryAssumptions",
    "DiseaseAssumptions",
    "EffectAssumptions",
    "ObservationAssumptions",
    "PolicyAssumptions",
    "PopulationAssumptions",
]

DEFAULT_END_DATE = date(2026, 10, 31)
"""Fixed end of follow-up, so that a cohort never depends on the day it was generated."""

Probability = float


def _p(default: float, description: str) -> float:
    return Field(default=default, ge=0.0, le=1.0, description=description)


class _Assumptions(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PopulationAssumptions(_Assumptions):
    """Simulation assumptions about who the patients are (beyond the cited shares)."""

    incident_share: Probability = _p(0.3, "share diagnosed within 60 days before enrolment")
    max_prevalent_disease_years: float = Field(10.0, gt=0, le=40)
    diagnostic_delay_median_years: float = Field(1.5, gt=0, le=20)
    diagnostic_delay_log_sd: float = Field(0.8, gt=0, le=3)
    min_age_at_diagnosis: float = Field(18.0, ge=0, le=60)
    max_age_at_diagnosis: float = Field(85.0, ge=40, le=100)
    anxiety_share: Probability = _p(0.25, "no stored source gives a frequency")
    depression_share: Probability = _p(0.20, "no stored source gives a frequency")
    vitiligo_share: Probability = _p(0.03, "associated (cited) but no frequency given")
    cancer_share: Probability = _p(0.03, "tumour sites cited (Orphanet) but no frequency given")
    partial_limb_share: Probability = _p(0.5, "partial phenotype: isolated limb vs trunk")
    other_antibody_amphiphysin_share: Probability = _p(
        0.6, "split of the cited 'other' serogroup between amphiphysin and DPPX"
    )
    annual_mortality: Probability = _p(0.005, "deaths are rare")
    lost_to_follow_up_share: Probability = _p(0.03, "patients who leave the registry early")
    weight_mean_kg_female: float = Field(70.0, gt=30, le=150)
    weight_mean_kg_male: float = Field(84.0, gt=30, le=150)
    weight_sd_kg: float = Field(13.0, gt=0, le=40)
    site_size_decay: float = Field(0.5, ge=0, le=3, description="site weight 1/(k+1)^decay")


class DiseaseAssumptions(_Assumptions):
    """Simulation assumptions of the latent disease course (stiffness index points, 0-6)."""

    baseline_stiffness: dict[str, float] = Field(
        default_factory=lambda: {
            "classic": 3.8,
            "sps_plus": 4.2,
            "perm": 4.6,
            "cerebellar_ataxia": 2.6,
            "overlap": 3.6,
            "partial_trunk": 2.2,
            "partial_limb": 0.8,
        },
        description="mean untreated latent stiffness at enrolment by phenotype (partial split)",
    )
    baseline_sd: float = Field(0.8, ge=0, le=3)
    progression_per_year_mean: float = Field(0.25, ge=0, le=2)
    progression_per_year_sd: float = Field(0.15, ge=0, le=2)
    t1dm_progression_multiplier: float = Field(
        1.5, ge=1, le=5, description="direction follows the cited poor-outcome OR; size assumed"
    )
    fluctuation_sd: float = Field(0.35, ge=0, le=2)
    fluctuation_autocorrelation: float = Field(0.93, ge=0, lt=1)
    flares_per_year: float = Field(1.0, ge=0, le=12)
    flare_points: float = Field(1.0, ge=0, le=4)
    flare_days_min: int = Field(5, ge=1, le=90)
    flare_days_max: int = Field(28, ge=1, le=180)
    spasms_per_day_at_3: float = Field(2.0, gt=0, le=50, description="spasm rate at latent 3")
    spasm_log_slope: float = Field(0.45, ge=0, le=3)
    trigger_daily_probability: dict[str, float] = Field(
        default_factory=lambda: {
            "noise": 0.15,
            "touch": 0.10,
            "emotional_stress": 0.12,
            "cold": 0.05,
            "other": 0.03,
        }
    )
    trigger_spasm_multiplier: float = Field(1.8, ge=1, le=10)
    falls_per_day_at_3: float = Field(0.006, ge=0, le=1)
    falls_log_slope: float = Field(0.35, ge=0, le=3)
    falls_per_sedation_point: float = Field(0.08, ge=0, le=1)

    @model_validator(mode="after")
    def _check(self) -> DiseaseAssumptions:
        if self.flare_days_min > self.flare_days_max:
            raise ValueError("flare_days_min exceeds flare_days_max")
        return self


class EffectAssumptions(_Assumptions):
    """Simulation assumptions: true treatment effects on latent stiffness (points), time courses.

    Every effect is a first-order response to a change of a target level (time constant tau):
    ``effect(t) = sum_k delta_k * (1 - exp(-(t - t_k) / tau))`` over the changes before ``t``.
    """

    benzodiazepine_points_mean: float = Field(1.8, ge=0, le=6)
    benzodiazepine_points_sd: float = Field(0.4, ge=0, le=3)
    diazepam_half_effect_mg: float = Field(20.0, gt=0)
    clonazepam_half_effect_mg: float = Field(2.0, gt=0)
    benzodiazepine_tau_days: float = Field(2.0, gt=0)
    tolerance_floor: float = Field(0.6, ge=0, le=1, description="share of effect kept long-term")
    tolerance_tau_days: float = Field(365.0, gt=0)
    withdrawal_rebound_points: float = Field(1.0, ge=0, le=6)
    withdrawal_days: int = Field(14, ge=1, le=90)
    baclofen_points_mean: float = Field(1.2, ge=0, le=6)
    baclofen_points_sd: float = Field(0.3, ge=0, le=3)
    baclofen_half_effect_mg: float = Field(30.0, gt=0)
    adjunct_points: dict[str, float] = Field(
        default_factory=lambda: {"gabapentin": 0.6, "tizanidine": 0.5, "levetiracetam": 0.5}
    )
    adjunct_half_effect_mg: dict[str, float] = Field(
        default_factory=lambda: {"gabapentin": 900.0, "tizanidine": 6.0, "levetiracetam": 1000.0}
    )
    oral_antispastic_tau_days: float = Field(4.0, gt=0)
    ivig_responder_probability: Probability = _p(
        0.67, "informed by 24/36 long-term responders (Neurol NN 2022); a modelling choice"
    )
    ivig_points_mean: float = Field(2.0, ge=0, le=6, description="effect among IVIG responders")
    ivig_points_sd: float = Field(0.5, ge=0, le=3)
    ivig_onset_tau_mean_days: float = Field(10.0, gt=0, le=60)
    ivig_onset_tau_sd_days: float = Field(2.0, ge=0, le=30)
    ivig_wear_off_day_mean: float = Field(22.0, gt=0, le=60)
    ivig_wear_off_day_sd: float = Field(3.0, ge=0, le=30)
    ivig_wear_off_day_min: int = Field(14, ge=1)
    ivig_wear_off_day_max: int = Field(26, ge=1)
    plasmapheresis_points_mean: float = Field(1.5, ge=0, le=6)
    plasmapheresis_points_sd: float = Field(0.4, ge=0, le=3)
    plasmapheresis_benefit_days_mean: float = Field(21.0, gt=0, le=365)
    plasmapheresis_benefit_days_sd: float = Field(7.0, ge=0, le=365)
    plasmapheresis_benefit_days_min: int = Field(7, ge=1)
    plasmapheresis_tau_days: float = Field(2.0, gt=0)
    rituximab_responder_probability: Probability = _p(0.35, "delayed sustained benefit subset")
    rituximab_points_mean: float = Field(1.5, ge=0, le=6)
    rituximab_points_sd: float = Field(0.4, ge=0, le=3)
    rituximab_delay_days_min: int = Field(42, ge=0)
    rituximab_delay_days_max: int = Field(120, ge=0)
    rituximab_tau_days: float = Field(30.0, gt=0)
    itb_points_mean: float = Field(2.5, ge=0, le=6)
    itb_points_sd: float = Field(0.5, ge=0, le=3)
    itb_half_effect_mcg: float = Field(150.0, gt=0)
    itb_tau_days: float = Field(2.0, gt=0)
    itb_withdrawal_points: float = Field(1.5, ge=0, le=6)
    steroid_points: float = Field(0.5, ge=0, le=6)
    steroid_tau_days: float = Field(7.0, gt=0)
    physical_therapy_points: float = Field(0.2, ge=0, le=6)
    physical_therapy_tau_days: float = Field(14.0, gt=0)

    @model_validator(mode="after")
    def _check(self) -> EffectAssumptions:
        if self.ivig_wear_off_day_min > self.ivig_wear_off_day_max:
            raise ValueError("ivig_wear_off_day_min exceeds ivig_wear_off_day_max")
        if self.ivig_wear_off_day_max >= 28:
            raise ValueError("IVIG must wear off before the next 4-weekly course")
        if self.rituximab_delay_days_min > self.rituximab_delay_days_max:
            raise ValueError("rituximab_delay_days_min exceeds rituximab_delay_days_max")
        return self


class PolicyAssumptions(_Assumptions):
    """Simulation assumptions of how the synthetic clinicians treat, and where they slip."""

    uncontrolled_fraction: float = Field(
        0.6, gt=0, le=1, description="escalate when visit stiffness index >= fraction of the cap"
    )
    severe_stiffness_index: int = Field(5, ge=1, le=6, description="ITB considered at or above")
    ivig_access: Probability = _p(0.85, "refractory patients who can get IVIG")
    ivig_trial_days: int = Field(150, ge=28, le=730, description="IVIG judged failed after this")
    ivig_stop_on_failure: Probability = _p(0.6, "IVIG stopped when it fails (else continued)")
    rituximab_after_ivig_failure: Probability = _p(0.65, "else a plasmapheresis series")
    max_plasmapheresis_series: int = Field(3, ge=1, le=10)
    ivig_course_delayed: Probability = _p(0.3, "an IVIG course given 1-3 days late")
    ivig_course_skipped: Probability = _p(0.03, "an IVIG course missed altogether")
    ivig_interval_extension: Probability = _p(0.3, "4-weekly IVIG stretched to 6-weekly")
    rituximab_retreatment: Probability = _p(0.5, "controlled patients re-dosed after 6 months")
    itb_access: Probability = _p(0.7, "severe patients who get an intrathecal baclofen pump")
    prevalent_baclofen_at_enrolment: Probability = _p(0.4, "uncontrolled prevalent patients")
    adjunct_probability: Probability = _p(0.45, "patients who try one adjunct drug")
    adjunct_weights: dict[str, float] = Field(
        default_factory=lambda: {
            "clonazepam": 0.35,
            "gabapentin": 0.30,
            "levetiracetam": 0.20,
            "tizanidine": 0.15,
        }
    )
    diazepam_max_rung_weights: tuple[float, float, float] = Field(
        (0.3, 0.35, 0.35), description="weights of tolerating up to 20, 30 or 40 mg/day"
    )
    baclofen_max_rung_weights: tuple[float, float, float] = Field(
        (0.3, 0.35, 0.35), description="weights of tolerating up to 45, 60 or 80 mg/day"
    )
    somnolence_base_probability: Probability = _p(0.05, "per visit, at 20 mg/day diazepam")
    somnolence_per_mg: float = Field(0.004, ge=0, le=0.1)
    somnolence_dose_reduction: Probability = _p(0.5, "somnolence leads to a lower dose")
    benzodiazepine_switch: Probability = _p(0.08, "somnolent patients tapered off onto baclofen")
    abrupt_benzodiazepine_stop: Probability = _p(0.06, "patients who stop without a taper once")
    opioid_coprescription: Probability = _p(0.08, "patients given tramadol for a while")
    steroid_course: Probability = _p(0.10, "patients given an oral prednisone course")
    steroid_glucose_gap_t1dm: Probability = _p(0.3, "T1DM steroid courses without glucose checks")
    hbv_screen_missing: Probability = _p(0.15, "anti-CD20 starts without an HBV screen")
    tizanidine_lft_gap: Probability = _p(0.3, "tizanidine without the 1-month transaminases")
    overdue_refill_patient: Probability = _p(0.2, "pump patients who sometimes refill late")
    overdue_refill_given_prone: Probability = _p(0.35, "late refills among those patients")
    refill_fraction_of_capacity: float = Field(0.8, gt=0, le=1)
    max_refill_interval_days: int = Field(180, ge=14, le=365)
    pump_low_alarm_ml: float = Field(2.0, gt=0, le=10)
    physical_therapy: Probability = _p(0.7, "patients referred for physical therapy")
    psychological_support: Probability = _p(0.2, "patients without anxiety or depression")
    psychological_support_with_mood_disorder: Probability = _p(0.6, "with anxiety or depression")


class AdverseEventAssumptions(_Assumptions):
    """Simulation assumptions: how often the generator records each adverse event."""

    ivig_headache_per_course: Probability = _p(0.04, "Headache after an IVIG course")
    ivig_thrombosis_per_course: Probability = _p(0.0005, "thromboembolic event; IVIG withdrawn")
    rituximab_infusion_reaction: Probability = _p(0.25, "reaction at the first infusion of a cycle")
    plasmapheresis_hypotension: Probability = _p(0.15, "per series")
    steroid_hyperglycaemia_t1dm: Probability = _p(0.35, "per prednisone course in T1DM")
    steroid_hyperglycaemia_other: Probability = _p(0.05, "per prednisone course otherwise")
    baclofen_dizziness_per_visit: Probability = _p(0.04, "while on oral baclofen")
    fall_with_injury: Probability = _p(0.04, "share of falls recorded as a 'Fall' event")


class ObservationAssumptions(_Assumptions):
    """Simulation assumptions of how visits, scales and labs observe the latent state."""

    visit_interval_days_min: int = Field(91, ge=1, le=365)
    visit_interval_days_max: int = Field(183, ge=1, le=730)
    telehealth_share: Probability = _p(0.15, "routine visits held by telehealth (no T25FW)")
    scale_not_done: Probability = _p(0.05, "a scale skipped at a visit")
    item_missing: Probability = _p(0.03, "an item left unanswered")
    weight_recorded: Probability = _p(0.9, "weight measured at an in-person visit")
    t25fw_seconds_at_0: float = Field(5.0, gt=0, le=30)
    t25fw_log_sd_patient: float = Field(0.15, ge=0, le=2)
    t25fw_log_slope: float = Field(0.22, ge=0, le=2)
    t25fw_trial_log_sd: float = Field(0.08, ge=0, le=1)
    t25fw_unable_from: float = Field(5.5, ge=0, le=6, description="latent stiffness")
    assistive_device_from: float = Field(3.5, ge=0, le=6, description="latent stiffness")
    mrs_per_point: float = Field(0.8, ge=0, le=2)
    mrs_intercept: float = Field(0.3, ge=-2, le=3)
    mrs_noise_sd: float = Field(0.4, ge=0, le=2)
    hss_item_weight_min: float = Field(0.5, ge=0, le=3)
    hss_item_weight_max: float = Field(1.5, ge=0, le=3)
    mood_per_point: float = Field(0.35, ge=0, le=2)

    @model_validator(mode="after")
    def _check(self) -> ObservationAssumptions:
        if self.visit_interval_days_min > self.visit_interval_days_max:
            raise ValueError("visit_interval_days_min exceeds visit_interval_days_max")
        if self.hss_item_weight_min > self.hss_item_weight_max:
            raise ValueError("hss_item_weight_min exceeds hss_item_weight_max")
        return self


class DiaryAssumptions(_Assumptions):
    """Simulation assumptions of patient diaries (participation itself is on CohortConfig)."""

    start_within_days: int = Field(180, ge=0, le=3650)
    adherence_start_min: float = Field(0.75, ge=0, le=1)
    adherence_start_max: float = Field(0.98, ge=0, le=1)
    adherence_floor_min: float = Field(0.15, ge=0, le=1)
    adherence_floor_max: float = Field(0.4, ge=0, le=1)
    adherence_decay_years_min: float = Field(1.5, gt=0, le=50)
    adherence_decay_years_max: float = Field(4.0, gt=0, le=50)
    holidays_per_year: float = Field(1.5, ge=0, le=12)
    holiday_days_min: int = Field(7, ge=1)
    holiday_days_max: int = Field(21, ge=1)
    dropout: Probability = _p(0.25, "diarists who stop keeping the diary before the end")
    stiffness_nrs_scale: float = Field(8.5, gt=0, le=20, description="NRS = scale*S/cap + noise")
    stiffness_nrs_noise_sd: float = Field(0.8, ge=0, le=5)
    sedation_missing: Probability = _p(0.15, "sedation score left blank")
    falls_missing: Probability = _p(0.05, "falls left blank")
    doses_missing: Probability = _p(0.10, "doses not recorded that day")
    missed_dose: Probability = _p(0.05, "a scheduled dose not taken")


class CohortConfig(BaseModel):
    """What to generate. Everything not here is either a cited fact or derived from the seed."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    patients: int = Field(300, ge=1, le=10_000_000)
    sites: int = Field(4, ge=1, le=200)
    years: int = Field(5, ge=1, le=30, description="length of the registry window")
    seed: int = Field(20261031, ge=0, lt=2**63)
    end_date: date = DEFAULT_END_DATE
    enrolment_spread: float = Field(
        0.25,
        ge=0,
        le=0.9,
        description="simulation assumption: share of the window over which patients enrol",
    )
    diary_participation: Probability = _p(0.6, "simulation assumption: patients keeping a diary")
    phenotype_distribution: str = Field(
        "johns_hopkins_2023",
        description="id of a cited phenotype distribution in epidemiology.yaml",
    )
    population: PopulationAssumptions = Field(default_factory=PopulationAssumptions)
    disease: DiseaseAssumptions = Field(default_factory=DiseaseAssumptions)
    effects: EffectAssumptions = Field(default_factory=EffectAssumptions)
    policy: PolicyAssumptions = Field(default_factory=PolicyAssumptions)
    observation: ObservationAssumptions = Field(default_factory=ObservationAssumptions)
    diary: DiaryAssumptions = Field(default_factory=DiaryAssumptions)
    adverse_events: AdverseEventAssumptions = Field(default_factory=AdverseEventAssumptions)

    @model_validator(mode="after")
    def _check(self) -> CohortConfig:
        population = self.population
        earliest_birth = (
            self.end_date.year
            - self.years
            - population.max_prevalent_disease_years
            - population.max_age_at_diagnosis
            - 1
        )
        if earliest_birth < 1900:
            raise ValueError(
                "end_date is too early: the oldest patients would be born before 1900, "
                "which the registry cannot record"
            )
        return self
