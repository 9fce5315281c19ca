"""Putting one synthetic patient together, and streaming a cohort.

Order of work for patient ``i``: profile -> true treatment response -> untreated latent course ->
visit plan -> treatment, visit by visit (the clinician sees the observed stiffness index) ->
daily symptoms from the final latent course -> visits' assessments, labs, diary, adverse events
-> the :class:`PatientRecord` (validated on construction) and its :class:`PatientTruth`.
Each step draws from its own stream seeded by (seed, i), so patients are independent and a cohort
is a prefix of any larger cohort with the same seed. Nothing here reads or writes files.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from spsreg.domain.conditions import Comorbidity
from spsreg.domain.medications import DosingSchedule, Route
from spsreg.domain.patient import Consent, ConsentKind, ConsentStatus, Patient
from spsreg.domain.record import PatientRecord
from spsreg.knowledge.epidemiology import Epidemiology, load_epidemiology
from spsreg.synth.chart import TreatmentChart
from spsreg.synth.config import CohortConfig
from spsreg.synth.demographics import PatientProfile, draw_profile
from spsreg.synth.diary import diary_entries
from spsreg.synth.disease import DailySymptoms, DiseaseCourse, daily_symptoms, draw_disease_course
from spsreg.synth.identifiers import synthetic_identifiers
from spsreg.synth.labs import LabContext, lab_results
from spsreg.synth.observations import VisitObserver
from spsreg.synth.prescribing import CourseBook
from spsreg.synth.response import TreatmentResponse, draw_response
from spsreg.synth.schedule import VisitPlan, plan_visits
from spsreg.synth.sites import site_letters
from spsreg.synth.streams import patient_rng
from spsreg.synth.treatment import TreatmentPolicy, TreatmentResult
from spsreg.synth.truth import (
    IssueTruth,
    ItbTruth,
    IvigTruth,
    PatientTruth,
    PlasmapheresisTruth,
    RituximabTruth,
    VisitTruth,
)

__all__ = ["SyntheticPatient", "iter_synthetic_patients", "synthesize_patient"]


@dataclass(frozen=True)
class SyntheticPatient:
    record: PatientRecord
    truth: PatientTruth


def iter_synthetic_patients(config: CohortConfig) -> Iterator[SyntheticPatient]:
    """Stream the cohort one patient at a time (memory stays bounded whatever its size)."""
    epi = load_epidemiology()
    if config.phenotype_distribution not in epi.phenotype_distributions:
        known = ", ".join(sorted(epi.phenotype_distributions))
        raise ValueError(
            f"unknown phenotype distribution {config.phenotype_distribution!r} (known: {known})"
        )
    for index in range(config.patients):
        yield synthesize_patient(config, index, epi)


def synthesize_patient(
    config: CohortConfig, index: int, epi: Epidemiology | None = None
) -> SyntheticPatient:
    """Patient ``index`` of the cohort; depends only on the config and the index."""
    epi = epi or load_epidemiology()
    seed = config.seed

    def rng(stream: str) -> np.random.Generator:
        return patient_rng(seed, index, stream)

    profile = draw_profile(rng("demographics"), index, config, epi)
    response = draw_response(rng("response"), config)
    disease_rng = rng("disease")
    course = draw_disease_course(disease_rng, profile, config, response)
    observation_rng = rng("observations")
    plans = plan_visits(observation_rng, profile, config)
    observer = VisitObserver(observation_rng, profile, config)
    chart = TreatmentChart(
        rng("treatment"),
        profile,
        config,
        course,
        response,
        CourseBook(profile.patient_id, profile.followup_days),
    )
    result = TreatmentPolicy(chart, plans).run(observer.observe_index)

    stiffness = course.stiffness()
    sedation = _sedation(chart.book)
    symptoms = daily_symptoms(disease_rng, stiffness, sedation, config)
    _fall_events(rng("adverse_events"), chart, symptoms)
    visits = observer.visits(plans, stiffness, symptoms)
    context = LabContext(
        prednisone_days=chart.book.daily_amounts("prednisone") > 0,
        tizanidine_days=chart.book.daily_amounts("tizanidine") > 0,
        ivig_course_days=list(result.immunotherapy.ivig_cycles),
        rituximab_days=list(result.immunotherapy.rituximab_cycles),
    )
    labs = lab_results(rng("labs"), profile, epi, plans, chart.lab_orders, context)
    diary = diary_entries(
        rng("diary"), profile, config, stiffness, course.cap, symptoms, sedation,
        chart.book.doses_per_day(), {"tramadol": _active(chart.book, "tramadol")},
    )  # fmt: skip
    id_rng = rng("identifiers")
    identifiers = synthetic_identifiers(
        id_rng, profile.sex, profile.date_of_birth, site_letters(profile.site_index)
    )
    pump = result.pump.pump()
    record = PatientRecord(
        patient=_patient(profile),
        identifiers=identifiers,
        consents=_consents(id_rng, profile),
        lab_results=tuple(labs),
        comorbidities=tuple(
            Comorbidity(
                id=f"{profile.patient_id}-cm{n + 1:02d}",
                kind=c.kind,
                detail=c.detail,
                diagnosed_on=c.diagnosed_on,
            )
            for n, c in enumerate(profile.comorbidities)
        ),
        visits=tuple(visits),
        medication_courses=tuple(chart.book.to_domain(profile)),
        administrations=tuple(chart.administrations),
        pumps=(pump,) if pump else (),
        procedures=tuple(chart.procedures),
        non_drug_therapies=tuple(chart.non_drug),
        adverse_events=tuple(sorted(chart.adverse_events, key=lambda e: e.onset_date)),
        diary_entries=tuple(diary),
    )
    truth = _truth(profile, response, course, observer, chart, result, plans, stiffness, len(diary))
    return SyntheticPatient(record=record, truth=truth)


def _patient(profile: PatientProfile) -> Patient:
    birth = profile.date_of_birth
    return Patient(
        id=profile.patient_id,
        pseudonym=profile.pseudonym,
        site_id=profile.site_id,
        sex=profile.sex,
        birth_year_month=f"{birth.year:04d}-{birth.month:02d}",
        vital_status=profile.vital_status,
        date_of_death=profile.date_of_death,
        first_contact_date=profile.diagnosis_date,
        onset_date=profile.onset_date,
        diagnosis_date=profile.diagnosis_date,
        phenotype=profile.phenotype,
    )


def _consents(rng: np.random.Generator, profile: PatientProfile) -> tuple[Consent, ...]:
    """Registry consent at enrolment; the optional consents granted or refused (assumed shares)."""
    shares = {
        ConsentKind.REGISTRY: 1.0,
        ConsentKind.CONTACT_FOR_RESEARCH: 0.8,
        ConsentKind.DATA_REUSE: 0.9,
        ConsentKind.BIOLOGICAL_SAMPLE: 0.4,
    }
    return tuple(
        Consent(
            id=f"{profile.patient_id}-cs{n + 1}",
            kind=kind,
            status=ConsentStatus.GRANTED if rng.random() < share else ConsentStatus.REFUSED,
            recorded_on=profile.enrolment_date,
        )
        for n, (kind, share) in enumerate(shares.items())
    )


def _active(book: CourseBook, drug_id: str) -> np.ndarray:
    active = np.zeros(book.n_days, dtype=int)
    for draft in book.drafts():
        if draft.drug_id == drug_id:
            stop = book.n_days if draft.stop_day is None else min(draft.stop_day, book.n_days)
            active[draft.start_day : stop] = 1
    return active


def _sedation(book: CourseBook) -> np.ndarray:
    """Latent sedation 0-10 from the day's doses (simulation assumption, used for falls/diary)."""
    score = book.daily_amounts("diazepam") / 6.0
    score += book.daily_amounts("clonazepam") * 1.5
    score += book.daily_amounts("baclofen") / 30.0
    score += 1.5 * _active(book, "tramadol")
    return np.clip(score, 0.0, 10.0)


def _fall_events(rng: np.random.Generator, chart: TreatmentChart, symptoms: DailySymptoms) -> None:
    """Falls with injury become 'Fall' adverse events; sedating drugs of the day are suspected."""
    injured = rng.binomial(symptoms.falls, chart.config.adverse_events.fall_with_injury)
    sedating = [
        d for d in chart.book.drafts()
        if d.route is Route.ORAL and d.drug_id in ("diazepam", "clonazepam", "baclofen", "tramadol")
        and d.schedule in (DosingSchedule.REGULAR, DosingSchedule.AS_NEEDED)
    ]  # fmt: skip
    for day in np.flatnonzero(injured).tolist():
        suspected = tuple(
            d.id
            for d in sedating
            if d.start_day <= day and (d.stop_day is None or day < d.stop_day)
        )
        grade = 3 if rng.random() < 0.25 else 2
        chart.adverse_event(
            "Fall",
            grade,
            day,
            int(rng.integers(7, 60)) if grade == 3 else int(rng.integers(1, 15)),
            suspected,
        )


def _truth(
    profile: PatientProfile,
    response: TreatmentResponse,
    course: DiseaseCourse,
    observer: VisitObserver,
    chart: TreatmentChart,
    result: TreatmentResult,
    plans: list[VisitPlan],
    stiffness: np.ndarray,
    diary_count: int,
) -> PatientTruth:
    immuno, pump = result.immunotherapy, result.pump
    without_ivig = course.stiffness(without={"ivig"})
    cycles = immuno.ivig_cycles
    realised: float | None = None
    realised_hss: float | None = None
    before_wear_off: float | None = None
    if cycles:
        window = slice(cycles[0], min(cycles[-1] + immuno.ivig_interval, course.untreated.size))
        gain = without_ivig[window] - stiffness[window]
        realised = float(gain.mean())
        realised_hss = float(
            (
                observer.expected_hss(without_ivig[window])
                - observer.expected_hss(stiffness[window])
            ).mean()
        )
        last_days = [
            c + response.ivig_wear_off_day - 1
            for c in cycles
            if c + response.ivig_wear_off_day - 1 < stiffness.size
        ]
        if last_days:
            before_wear_off = float((without_ivig[last_days] - stiffness[last_days]).mean())
    ivig = IvigTruth(
        responder=response.ivig_responder,
        effect_points=response.ivig_points,
        onset_tau_days=response.ivig_onset_tau_days,
        days_to_90_percent=response.ivig_onset_tau_days * math.log(10),
        wear_off_day=response.ivig_wear_off_day,
        treated=bool(cycles),
        first_course=profile.date_of(cycles[0]) if cycles else None,
        last_course=profile.date_of(cycles[-1]) if cycles else None,
        courses=len(cycles),
        realised_mean_effect_points=realised,
        realised_mean_effect_hss=realised_hss,
        realised_effect_before_wear_off_points=before_wear_off,
    )
    itb = None
    if (
        pump.implant_day is not None
        and pump.decision_day is not None
        and pump.decision_stiffness_index is not None
    ):
        itb = ItbTruth(
            decision_date=profile.date_of(pump.decision_day),
            decision_stiffness_index=pump.decision_stiffness_index,
            implant_date=profile.date_of(pump.implant_day),
        )
    expected_hss = observer.expected_hss(stiffness[[p.day for p in plans]])
    return PatientTruth(
        patient_id=profile.patient_id,
        index=profile.index,
        site_id=profile.site_id,
        phenotype=profile.phenotype.value,
        partial_pattern=profile.partial_pattern,
        serogroup=profile.serogroup,
        positive_antibodies=sorted(profile.positive_antibodies),
        comorbidities=[c.kind.value for c in profile.comorbidities],
        stiffness_cap=course.cap,
        baseline_untreated_stiffness=course.baseline,
        progression_per_year=course.progression_per_year,
        benzodiazepine_points=response.benzodiazepine_points,
        baclofen_points=response.baclofen_points,
        itb_points=response.itb_points,
        diarist=profile.diarist,
        diary_entries=diary_count,
        treatment_lines={
            therapy: profile.date_of(day)
            for therapy, day in sorted(chart.first_start.items(), key=lambda item: item[1])
        },
        ivig=ivig,
        plasmapheresis=PlasmapheresisTruth(
            effect_points=response.plasmapheresis_points,
            benefit_duration_days=response.plasmapheresis_benefit_days,
            fade_tau_days=chart.config.effects.plasmapheresis_tau_days,
            series=[
                (profile.date_of(a), profile.date_of(b)) for a, b in immuno.plasmapheresis_series
            ],
        ),
        rituximab=RituximabTruth(
            responder=response.rituximab_responder,
            effect_points=response.rituximab_points,
            delay_days=response.rituximab_delay_days,
            cycles=[profile.date_of(day) for day in immuno.rituximab_cycles],
        ),
        itb=itb,
        issues=[
            IssueTruth(kind=i.kind, date=profile.date_of(i.day), detail=i.detail)
            for i in chart.issues
        ],
        visits=[
            VisitTruth(
                visit_id=f"{profile.patient_id}-v{k + 1:03d}",
                visit_date=profile.date_of(plan.day),
                latent_stiffness=float(stiffness[plan.day]),
                latent_stiffness_without_ivig=float(without_ivig[plan.day]),
                observed_stiffness_index=observer.seen[plan.day],
                expected_hss=float(expected_hss[k]),
            )
            for k, plan in enumerate(plans)
        ],
        vital_status=profile.vital_status.value,
        followup_end=profile.followup_end,
    )
