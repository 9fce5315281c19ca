"""Screening a registry against 10 trials on each engine, and 100,000 simulated crossover trials
(issue 6's benchmark).

Ten fictional trials (NCT numbers ``NCT0999000x``, never real studies) with structured criteria of
the kinds real SPS protocols use (age, phenotype, GAD65 antibodies, recent or current therapy,
comorbidity, stiffness index, consent) are stored with their criteria in the registry of
``registry_env``. Every patient is then screened against every trial:

* **SQL engine** (the database behind ``registry_env``, SQLite for the embedded registry): the
  service's ``screen_trial`` per trial, criteria and contact consent evaluated in the database;
* **memory engine**: every record loaded once (timed on its own), then the criteria and the
  contact consent of each trial judged in Python and sorted into the screening lists.

Both must give the same lists (a difference fails the benchmark). Last, the time of 100,000
simulated 2x2 crossover trials of 24 patients (:func:`spsreg.trials.power.simulated_power`).

Call :func:`trials_benchmarks` from ``bench/run.py`` with the registry's environment (as
``generated_registry`` returns it), a work directory and the size label.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from bench.stages import Figure
from spsreg.domain.trials import TrialArm, TrialDesign, TrialRecord
from spsreg.query import MemoryEngine
from spsreg.services.trial_screening import (
    CONTACT_CONSENT,
    attach_criteria,
    criteria_outline,
    screen_trial,
    trial_cohort,
)
from spsreg.store import Actor, Role, open_registry
from spsreg.store.config import database_url_from_env
from spsreg.trials.power import PowerScenario, simulated_power
from spsreg.trials.screening import Screening, ScreeningStatus, screen_patients

__all__ = ["BENCH_TRIALS", "trials_benchmarks"]

ADULT = "{kind: age, min_years: 18, max_years: 75, label: Aged 18 to 75}"
GAD = "{kind: antibody, analyte: gad65_antibody, result: positive, label: GAD65 positive}"
NO_CD20 = (
    "{kind: not, label: No anti-CD20 in 12 months, criterion: "
    "{kind: therapy, drug_class: anti_cd20_antibody, window: {months: 12}}}"
)
CONSENT = "{kind: consent, consent: registry, label: Registry consent}"
BENCH_TRIALS: dict[str, tuple[str, str, list[str]]] = {
    # NCT number: (model, title, criteria under the root `all`)
    "NCT09990001": ("PARALLEL", "Anti-CD20 in seropositive SPS", [ADULT, GAD, NO_CD20]),
    "NCT09990002": ("CROSSOVER", "IVIG crossover in classic SPS", [
        ADULT, "{kind: phenotype, any_of: [classic], label: Classic SPS}",
        "{kind: not, criterion: {kind: therapy, drug: ivig, window: {months: 6}}}"]),
    "NCT09990003": ("PARALLEL", "High-titre GAD65 immunotherapy", [
        ADULT, "{kind: antibody, analyte: gad65_antibody, result: high_titre, window: {months: 24}}"]),
    "NCT09990004": ("CROSSOVER", "Benzodiazepine-sparing crossover", [
        ADULT, "{kind: therapy, drug_class: benzodiazepine, current: true, label: On a benzodiazepine}"]),
    "NCT09990005": ("PARALLEL", "Stiffness in partial SPS", [
        "{kind: phenotype, any_of: [partial, classic]}",
        "{kind: score, scale: stiffness_index, comparator: '>=', value: 3, window: {days: 180}}"]),
    "NCT09990006": ("PARALLEL", "SPS without type 1 diabetes", [
        ADULT, GAD, "{kind: not, criterion: {kind: comorbidity, comorbidity: type_1_diabetes}}"]),
    "NCT09990007": ("SINGLE_GROUP", "Baclofen pump registry study", [
        "{kind: therapy, drug: baclofen, label: Baclofen ever}", CONSENT]),
    "NCT09990008": ("PARALLEL", "Women with SPS", [
        "{kind: sex, any_of: [female]}", ADULT, "{kind: any, criteria: [" + GAD
        + ", {kind: phenotype, any_of: [sps_plus, perm]}]}"]),
    "NCT09990009": ("CROSSOVER", "N-of-1 diazepam dose series", [
        "{kind: therapy, drug: diazepam, current: true}", NO_CD20]),
    "NCT09990010": ("PARALLEL", "Older adults with SPS", [
        "{kind: age, min_years: 60}", CONSENT,
        "{kind: not, criterion: {kind: comorbidity, comorbidity: cancer, current: true}}"]),
}  # fmt: skip
BENCH_ACTOR = Actor("bench-admin", Role.ADMIN)


def _record(nct_id: str, model: str, title: str) -> TrialRecord:
    return TrialRecord(
        nct_id=nct_id,
        brief_title=title,
        design=TrialDesign(intervention_model=model, allocation="RANDOMIZED"),
        arms=(TrialArm(label="Active"), TrialArm(label="Placebo")),
    )


def _criteria(title: str, criteria: list[str]) -> str:
    items = "\n".join(f"    - {item}" for item in criteria)
    return f"name: {title}\ncriteria:\n  kind: all\n  criteria:\n{items}\n"


def _lists(screening: Screening) -> list[tuple[str, str, str | None]]:
    return [
        (p.patient_id, p.status.value, None if p.failed is None else p.failed.key)
        for p in screening.patients
    ]


def trials_benchmarks(
    work: Path, registry_env: dict[str, str], size: str, as_of: date | None = None
) -> list[Figure]:
    """Screening of every patient against the 10 trials on both engines, and the simulation."""
    (work / "trials-criteria").mkdir(parents=True, exist_ok=True)
    day = as_of or date.today()
    with open_registry(database_url_from_env(registry_env)) as registry:
        for nct_id, (model, title, criteria) in BENCH_TRIALS.items():
            registry.save_trial(BENCH_ACTOR, _record(nct_id, model, title), "benchmark trial")
            text = _criteria(title, criteria)
            (work / "trials-criteria" / f"{nct_id}.yaml").write_text(text, encoding="utf-8")
            attach_criteria(registry, BENCH_ACTOR, nct_id, text, "benchmark criteria")
        started = time.perf_counter()
        by_sql = {
            nct: screen_trial(registry, BENCH_ACTOR, nct, as_of=day).screening
            for nct in BENCH_TRIALS
        }
        sql_seconds = time.perf_counter() - started
        started = time.perf_counter()
        records = list(registry.iter_patient_records(BENCH_ACTOR, batch_size=500))
        load_seconds = time.perf_counter() - started
        cohorts = {nct: trial_cohort(registry, BENCH_ACTOR, nct)[0] for nct in BENCH_TRIALS}
    engine = MemoryEngine()
    started = time.perf_counter()
    by_memory = {}
    for nct, cohort in cohorts.items():
        result = engine.evaluate(cohort, records, as_of=day)
        consent = engine.evaluate(CONTACT_CONSENT, records, as_of=day)
        by_memory[nct] = screen_patients(
            day, result.patients, criteria_outline(cohort), set(consent.patient_ids())
        )
    memory_seconds = time.perf_counter() - started
    for nct in BENCH_TRIALS:
        if _lists(by_sql[nct]) != _lists(by_memory[nct]):
            raise RuntimeError(f"the engines disagree on the screening of {nct}")
    screenings = len(records) * len(BENCH_TRIALS)
    eligible = sum(len(s.with_status(ScreeningStatus.ELIGIBLE)) for s in by_sql.values())
    started = time.perf_counter()
    scenario = PowerScenario("crossover", effect=1.0, sd=2.0, within_sd=1.0)
    simulated_power(scenario, n=24, sims=100_000, seed=20261121)
    simulation_seconds = time.perf_counter() - started
    name = "trial screening (10 trials)"
    return [
        Figure(name, "SQL engine: all patients x 10 trials", sql_seconds, "s", size),
        Figure(name, "SQL engine rate", screenings / sql_seconds, "patient-trials/s", size),
        Figure(name, "memory engine: load every record once", load_seconds, "s", size),
        Figure(name, "memory engine: judge all patients x 10 trials", memory_seconds, "s", size),
        Figure(
            name,
            "memory engine rate (judging)",
            screenings / memory_seconds,
            "patient-trials/s",
            size,
        ),
        Figure(
            name,
            "eligible patient-trials (both engines agree)",
            float(eligible),
            "patient-trials",
            size,
        ),
        Figure(
            "trial simulation",
            "100,000 simulated 2x2 crossover trials of 24 patients",
            simulation_seconds,
            "s",
            "100000 trials",
        ),
    ]
