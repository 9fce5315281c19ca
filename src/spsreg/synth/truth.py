"""Ground truth: the effects an analysis of the synthetic cohort should recover, and how.

Per patient (:class:`PatientTruth`) the truth holds the patient's own true effects (IVIG effect,
onset and wear-off; plasmapheresis benefit and its duration; rituximab responder flag; ...), what
was actually given, the latent stiffness at each visit with its IVIG-free counterfactual, and the
monitoring lapses planted in the record. Per cohort (:class:`CohortTruth`) it holds the design
values those were drawn from and the observation model linking latent state to recorded data.
:func:`ground_truth_document` puts both in one versioned, JSON-serialisable document.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from datetime import date
from statistics import fmean
from typing import Any

from pydantic import BaseModel, ConfigDict

from spsreg.knowledge.epidemiology import load_epidemiology
from spsreg.synth import regimens
from spsreg.synth.config import CohortConfig
from spsreg.synth.demographics import registry_window
from spsreg.synth.sites import generate_sites, site_gad65_method

__all__ = [
    "DOCUMENT_FORMAT",
    "DOCUMENT_VERSION",
    "GENERATOR_VERSION",
    "CohortTruth",
    "IssueTruth",
    "ItbTruth",
    "IvigTruth",
    "PatientTruth",
    "PlasmapheresisTruth",
    "RituximabTruth",
    "VisitTruth",
    "cohort_truth",
    "ground_truth_document",
]

GENERATOR_VERSION = "1.0.0"
DOCUMENT_FORMAT = "spsreg.synthetic-ground-truth"
DOCUMENT_VERSION = 1


class _Truth(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class VisitTruth(_Truth):
    visit_id: str
    visit_date: date
    latent_stiffness: float
    latent_stiffness_without_ivig: float
    observed_stiffness_index: int  # before item-level missingness
    expected_hss: float


class IvigTruth(_Truth):
    responder: bool
    effect_points: float  # target effect while a course is active (0 for non-responders)
    onset_tau_days: float
    days_to_90_percent: float  # onset_tau_days * ln(10)
    wear_off_day: int  # after each course start, the target effect ends on this day
    treated: bool
    first_course: date | None
    last_course: date | None
    courses: int
    realised_mean_effect_points: float | None  # mean of S_without_ivig - S over IVIG exposure
    realised_mean_effect_hss: float | None  # same, on the expected HSS
    realised_effect_before_wear_off_points: float | None  # mean on the last day before wear-off


class PlasmapheresisTruth(_Truth):
    effect_points: float
    benefit_duration_days: int  # target held until this many days after the last exchange
    fade_tau_days: float
    series: list[tuple[date, date]]


class RituximabTruth(_Truth):
    responder: bool
    effect_points: float  # sustained; 0 for non-responders
    delay_days: int  # from the first infusion of the first cycle
    cycles: list[date]


class ItbTruth(_Truth):
    decision_date: date
    decision_stiffness_index: int
    implant_date: date


class IssueTruth(_Truth):
    kind: str
    date: date
    detail: str


class PatientTruth(_Truth):
    patient_id: str
    index: int
    site_id: str
    phenotype: str
    partial_pattern: str | None
    serogroup: str
    positive_antibodies: list[str]
    comorbidities: list[str]
    stiffness_cap: int
    baseline_untreated_stiffness: float
    progression_per_year: float
    benzodiazepine_points: float
    baclofen_points: float
    itb_points: float
    diarist: bool
    diary_entries: int
    treatment_lines: dict[str, date]  # first start of each therapy, in order of starting
    ivig: IvigTruth
    plasmapheresis: PlasmapheresisTruth
    rituximab: RituximabTruth
    itb: ItbTruth | None
    issues: list[IssueTruth]
    visits: list[VisitTruth]
    vital_status: str
    followup_end: date


class CohortTruth(_Truth):
    generator: str
    generator_version: str
    seed: int
    patients: int
    window_start: date
    end_date: date
    sites: list[dict[str, str]]
    true_effects: dict[str, dict[str, Any]]
    observation_model: dict[str, str]
    cited_facts: list[dict[str, Any]]
    simulation_assumptions: dict[str, Any]


def _true_effects(config: CohortConfig) -> dict[str, dict[str, Any]]:
    e = config.effects
    return {
        "ivig": {
            "definition": "target reduction of latent stiffness (stiffness-index points) while a course "
            "is active; first-order onset with time constant tau; target ends wear_off_day days after "
            "each course start, so the effect fades before the next 4-weekly course",
            "responder_probability": e.ivig_responder_probability,
            "effect_points_mean_among_responders": e.ivig_points_mean,
            "effect_points_population_mean": e.ivig_responder_probability * e.ivig_points_mean,
            "onset_tau_days_mean": e.ivig_onset_tau_mean_days,
            "days_to_90_percent_mean": e.ivig_onset_tau_mean_days * math.log(10),
            "wear_off_day_mean": e.ivig_wear_off_day_mean,
            "course_interval_days": regimens.IVIG.interval_days,
        },
        "plasmapheresis": {
            "definition": "target reduction held from the first exchange until benefit_duration_days after "
            "the last exchange, then fading with fade_tau_days",
            "effect_points_mean": e.plasmapheresis_points_mean,
            "benefit_duration_days_mean": e.plasmapheresis_benefit_days_mean,
            "benefit_duration_days_min": e.plasmapheresis_benefit_days_min,
            "fade_tau_days": e.plasmapheresis_tau_days,
        },
        "rituximab": {
            "definition": "in responders only, a sustained reduction starting delay_days after the first "
            "infusion, building with tau",
            "responder_probability": e.rituximab_responder_probability,
            "effect_points_mean_among_responders": e.rituximab_points_mean,
            "delay_days_range": [e.rituximab_delay_days_min, e.rituximab_delay_days_max],
            "tau_days": e.rituximab_tau_days,
        },
        "benzodiazepine": {
            "definition": "points * dose / (dose + half-effect dose), times tolerance(t) = floor + "
            "(1 - floor) * exp(-t / tolerance_tau)",
            "points_mean": e.benzodiazepine_points_mean,
            "diazepam_half_effect_mg": e.diazepam_half_effect_mg,
            "tolerance_floor": e.tolerance_floor,
            "tolerance_tau_days": e.tolerance_tau_days,
        },
        "baclofen": {
            "points_mean": e.baclofen_points_mean,
            "half_effect_mg": e.baclofen_half_effect_mg,
        },
        "itb": {"points_mean": e.itb_points_mean, "half_effect_mcg": e.itb_half_effect_mcg},
    }


_OBSERVATION_MODEL = {
    "latent": "S(t) = clip(S0(t) - sum_c effect_c(t), 0, cap); S0 = baseline + progression*years*cap/6 "
    "+ AR(1) fluctuation + flares; cap = 6 (partial phenotype: 1 limb, 3 trunk)",
    "stiffness_index": "count = floor(S) + Bernoulli(S - floor(S)), so E[index | S] = S; the first "
    "`count` regions of the patient's order are stiff; items then missing at random",
    "heightened_sensitivity": "item j positive with p = min(1, w_j * S / 6), w_j ~ U(min, max) per "
    "patient; E[HSS | S] = sum_j min(1, w_j * S / 6)",
    "t25fw": "seconds = base * exp(slope * S + N(0, trial_sd)) per trial; unable to walk (nulls) with "
    "probability 0.5 when S >= unable_from; null above 180 s",
    "mrs": "grade = clip(round(intercept + per_point * S + N(0, sd)), 0, 5)",
    "falls_spasm_frequency": "falls summed over the 28 days to the visit; spasms averaged over 7 days",
    "spasms": "Poisson(rate_at_3 * patient_factor * exp(slope * (S - 3)) * prod(trigger multipliers))",
    "falls": "Poisson(rate_at_3 * patient_factor * exp(slope * (S - 3)) * (1 + k * sedation))",
    "diary_stiffness": "NRS = clip(round(scale * S / cap + N(0, sd)), 0, 10)",
    "missingness": "scales skipped and items unanswered completely at random",
}


def _cited_facts() -> list[dict[str, Any]]:
    epi = load_epidemiology()
    facts: list[dict[str, Any]] = [
        {
            "fact": "female share",
            "value": epi.female_share.share,
            "citation": epi.female_share.citation.model_dump(mode="json"),
        },
        {
            "fact": "age at diagnosis (mean, sd)",
            "value": [epi.age_at_diagnosis.mean_years, epi.age_at_diagnosis.sd_years],
            "citation": epi.age_at_diagnosis.citation.model_dump(mode="json"),
        },
        {
            "fact": "serogroup counts",
            "value": {k: g.count for k, g in epi.serogroups.groups.items()},
            "citation": epi.serogroups.citation.model_dump(mode="json"),
        },
    ]
    for name, counts in epi.phenotype_distributions.items():
        facts.append(
            {
                "fact": f"phenotype counts ({name})",
                "value": counts.counts,
                "citation": counts.citation.model_dump(mode="json"),
            }
        )
    for kind, share in epi.comorbidity_prevalence.items():
        facts.append(
            {
                "fact": f"{kind} prevalence",
                "value": share.share,
                "citation": share.citation.model_dump(mode="json"),
            }
        )
    for regimen in (
        regimens.DIAZEPAM,
        regimens.CLONAZEPAM,
        regimens.BACLOFEN,
        regimens.GABAPENTIN,
        regimens.TIZANIDINE,
        regimens.LEVETIRACETAM,
    ):
        facts.append(
            {
                "fact": f"{regimen.drug_id} dose steps (mg x times/day)",
                "value": [[s.dose_mg, s.times_per_day] for s in regimen.steps],
                "citation": regimen.citation.model_dump(mode="json"),
            }
        )
    for cyclic in (regimens.IVIG, regimens.RITUXIMAB, regimens.PLASMAPHERESIS):
        facts.append(
            {
                "fact": f"{cyclic.drug_id} regimen",
                "value": [
                    cyclic.dose_value,
                    cyclic.dose_unit,
                    cyclic.days_per_course,
                    cyclic.interval_days,
                ],
                "citation": cyclic.citation.model_dump(mode="json"),
            }
        )
    return facts


def cohort_truth(config: CohortConfig) -> CohortTruth:
    """Cohort-level true effects (design values) and the observation model."""
    window_start, _ = registry_window(config)
    sites = [
        {
            "id": site.id,
            "name": site.name,
            "country": site.country,
            "gad65_method": site_gad65_method(k).value,
        }
        for k, site in enumerate(generate_sites(config))
    ]
    assumptions = config.model_dump(
        mode="json",
        include={
            "population",
            "disease",
            "effects",
            "policy",
            "observation",
            "diary",
            "adverse_events",
        },
    )
    assumptions["diary_participation"] = config.diary_participation
    assumptions["enrolment_spread"] = config.enrolment_spread
    return CohortTruth(
        generator="spsreg.synth",
        generator_version=GENERATOR_VERSION,
        seed=config.seed,
        patients=config.patients,
        window_start=window_start,
        end_date=config.end_date,
        sites=sites,
        true_effects=_true_effects(config),
        observation_model=dict(_OBSERVATION_MODEL),
        cited_facts=_cited_facts(),
        simulation_assumptions=assumptions,
    )


def _mean(values: list[float]) -> float | None:
    return fmean(values) if values else None


def _realised(truths: list[PatientTruth]) -> dict[str, Any]:
    ivig = [t.ivig for t in truths if t.ivig.treated]
    plex = [t.plasmapheresis for t in truths if t.plasmapheresis.series]
    rituximab = [t.rituximab for t in truths if t.rituximab.cycles]
    lines = Counter(line for t in truths for line in t.treatment_lines)
    return {
        "patients": len(truths),
        "ivig_treated": len(ivig),
        "ivig_effect_points_mean_among_treated": _mean([i.effect_points for i in ivig]),
        "ivig_realised_mean_effect_points": _mean(
            [
                i.realised_mean_effect_points
                for i in ivig
                if i.realised_mean_effect_points is not None
            ]
        ),
        "ivig_realised_mean_effect_hss": _mean(
            [i.realised_mean_effect_hss for i in ivig if i.realised_mean_effect_hss is not None]
        ),
        "ivig_wear_off_day_mean_among_treated": _mean([float(i.wear_off_day) for i in ivig]),
        "plasmapheresis_treated": len(plex),
        "plasmapheresis_benefit_days_mean_among_treated": _mean(
            [float(p.benefit_duration_days) for p in plex]
        ),
        "rituximab_treated": len(rituximab),
        "rituximab_responders_among_treated": sum(r.responder for r in rituximab),
        "therapy_lines": dict(sorted(lines.items())),
        "issues": dict(sorted(Counter(i.kind for t in truths for i in t.issues).items())),
        "deaths": sum(t.vital_status == "dead" for t in truths),
    }


def ground_truth_document(
    config: CohortConfig, patients_truth: Iterable[PatientTruth]
) -> dict[str, Any]:
    """The versioned ground-truth document (JSON-serialisable) of a generated cohort."""
    truths = list(patients_truth)
    return {
        "format": DOCUMENT_FORMAT,
        "format_version": DOCUMENT_VERSION,
        "cohort": cohort_truth(config).model_dump(mode="json"),
        "realised": _realised(truths),
        "patients": [t.model_dump(mode="json") for t in truths],
    }
