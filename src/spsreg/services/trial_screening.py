"""Trial eligibility: attaching criteria, screening patients, feasibility counts and enrolment.

* :func:`attach_criteria` validates a criteria document (the cohort query model,
  docs/query.md) and stores it with the trial, the text as given kept for the reviewer.
* :func:`screen_trial` judges every patient in the actor's scope against the trial's criteria on
  a date, with the SQL engine (default) or the in-memory reference engine, and sorts them into
  eligible / not contactable / ineligible (first failed criterion) / undetermined (missing data
  named); see :mod:`spsreg.trials.screening`. Contactability is a second cohort of one criterion,
  ``consent: contact_for_research``, judged by the same engine on the same date.
* :func:`trial_feasibility` counts the screening per site and status through the sharing service
  (:func:`spsreg.services.sharing.sharing_for`): exact only for a site's own staff about their
  own site, or the registry administrator; disclosure-controlled otherwise.
* :func:`enrol_patients` re-screens the named patients on the enrolment date and enrols only
  those screened ``eligible`` then; every other patient is refused with the reason.

Screening lists individual patients: it is for staff and administrators, never researchers or
patients (they get :class:`ScopeError`).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import pandas as pd

from spsreg.domain.patient import ConsentKind
from spsreg.privacy.disclosure import ControlledTable, DisclosurePolicy
from spsreg.query import (
    Cohort,
    CohortResult,
    ConsentCriterion,
    MemoryEngine,
    SqlEngine,
    load_criteria,
    parse_criteria,
)
from spsreg.query.tree import COMPOSITE_KINDS, criterion_keys
from spsreg.services.sharing import Sharing, sharing_for
from spsreg.store import Actor, Registry, Role, ScopeError, StoreError
from spsreg.store.trial_screening import CriteriaSaveOutcome, Enrolment, StoredCriteria
from spsreg.trials.screening import (
    CriterionOutline,
    Screening,
    ScreeningStatus,
    screen_patients,
)

__all__ = [
    "ENGINES",
    "AttachedCriteria",
    "EnrolmentAttempt",
    "Feasibility",
    "TrialScreening",
    "attach_criteria",
    "criteria_outline",
    "enrol_patients",
    "screen_trial",
    "trial_feasibility",
]

Engine = Literal["sql", "memory"]
ENGINES: tuple[Engine, ...] = ("sql", "memory")
SCREENING_ROLES = frozenset({Role.ADMIN, Role.CLINICIAN, Role.COORDINATOR, Role.SYSTEM})
CONTACT_CONSENT = Cohort(criteria=ConsentCriterion(consent=ConsentKind.CONTACT_FOR_RESEARCH))


@dataclass(frozen=True)
class AttachedCriteria:
    outcome: CriteriaSaveOutcome
    cohort: Cohort
    outline: tuple[CriterionOutline, ...]
    eligibility_text: str | None


@dataclass(frozen=True)
class TrialScreening:
    nct_id: str
    criteria_version: int
    engine: Engine
    screening: Screening


@dataclass(frozen=True)
class Feasibility:
    nct_id: str
    criteria_version: int
    as_of: date
    sharing: Sharing
    table: ControlledTable

    def metadata(self) -> dict[str, Any]:
        return self.sharing.metadata({"patients_per_site_and_status": self.table})


@dataclass(frozen=True)
class EnrolmentAttempt:
    """One named patient: enrolled, or refused with the reason."""

    patient_id: str
    enrolment: Enrolment | None
    refused: str | None = None


def criteria_outline(cohort: Cohort) -> tuple[CriterionOutline, ...]:
    """The tree's nodes in document order (root first), with their children's keys."""
    keyed = criterion_keys(cohort.criteria)
    key_of = {id(node): key for key, node in keyed}
    outline = []
    for key, node in keyed:
        children: tuple[Any, ...] = ()
        if node.kind in ("all", "any"):
            children = tuple(node.criteria)
        elif node.kind == "not":
            children = (node.criterion,)
        outline.append(
            CriterionOutline(key, node.kind, node.label, tuple(key_of[id(c)] for c in children))
        )
    return tuple(outline)


def leaf_count(outline: Sequence[CriterionOutline]) -> int:
    return sum(1 for node in outline if node.kind not in COMPOSITE_KINDS)


def attach_criteria(
    registry: Registry, actor: Actor, nct_id: str, text: str, reason: str
) -> AttachedCriteria:
    """Validate ``text`` (YAML or JSON; :class:`~spsreg.query.CriteriaError` names every
    problem) and attach it to the stored trial."""
    cohort = load_criteria(text)
    trial = registry.get_trial(actor, nct_id)
    document = cohort.model_dump(mode="json", exclude_none=True)
    outcome = registry.save_trial_criteria(actor, nct_id, text, document, reason)
    return AttachedCriteria(
        outcome, cohort, criteria_outline(cohort), trial.record.eligibility.criteria
    )


def trial_cohort(registry: Registry, actor: Actor, nct_id: str) -> tuple[Cohort, StoredCriteria]:
    stored = registry.get_trial_criteria(actor, nct_id)
    source = f"trial {nct_id} criteria version {stored.version}"
    return parse_criteria(stored.document, source), stored


def _require_may_screen(actor: Actor) -> None:
    if actor.role not in SCREENING_ROLES:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) cannot screen patients: screening lists "
            "individual patients, for staff and administrators only"
        )


def _evaluate(
    registry: Registry,
    actor: Actor,
    cohorts: Sequence[Cohort],
    *,
    as_of: date,
    engine: Engine,
    site_id: str | None,
    patient_ids: Collection[str] | None,
) -> list[CohortResult]:
    if engine == "sql":
        sql = SqlEngine.for_registry(registry)
        return [
            sql.evaluate(c, actor, as_of=as_of, site_id=site_id, patient_ids=patient_ids)
            for c in cohorts
        ]
    if engine != "memory":
        raise ValueError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}")
    wanted = None if patient_ids is None else set(patient_ids)
    records = [
        record
        for record in registry.iter_patient_records(actor, site_id)
        if wanted is None or record.patient.id in wanted
    ]
    memory = MemoryEngine()
    return [memory.evaluate(c, records, as_of=as_of) for c in cohorts]


def screen_trial(
    registry: Registry,
    actor: Actor,
    nct_id: str,
    *,
    as_of: date,
    engine: Engine = "sql",
    site_id: str | None = None,
    patient_ids: Collection[str] | None = None,
) -> TrialScreening:
    """Every patient in scope (or of ``site_id``, or only ``patient_ids``) screened on ``as_of``."""
    _require_may_screen(actor)
    cohort, stored = trial_cohort(registry, actor, nct_id)
    result, consent = _evaluate(
        registry,
        actor,
        (cohort, CONTACT_CONSENT),
        as_of=as_of,
        engine=engine,
        site_id=site_id,
        patient_ids=patient_ids,
    )
    screening = screen_patients(
        result.as_of, result.patients, criteria_outline(cohort), set(consent.patient_ids())
    )
    return TrialScreening(nct_id, stored.version, engine, screening)


def trial_feasibility(
    registry: Registry,
    actor: Actor,
    nct_id: str,
    *,
    as_of: date,
    share: bool = False,
    policy: DisclosurePolicy | None = None,
    engine: Engine = "sql",
) -> Feasibility:
    """The site x status counts of the screening, as the decided audience may see them."""
    screened = screen_trial(registry, actor, nct_id, as_of=as_of, engine=engine)
    counts = screened.screening.counts_by_site()
    statuses = list(ScreeningStatus)
    frame = pd.DataFrame(
        [[counts[site][status] for status in statuses] for site in counts],
        index=pd.Index(list(counts), name="site"),
        columns=pd.Index([status.value for status in statuses]),
        dtype="int64",
    )
    sharing = sharing_for(actor, list(counts), share=share, policy=policy)
    return Feasibility(nct_id, screened.criteria_version, as_of, sharing, sharing.control(frame))


def enrol_patients(
    registry: Registry,
    actor: Actor,
    nct_id: str,
    patient_ids: Sequence[str],
    *,
    on: date,
    reason: str,
) -> list[EnrolmentAttempt]:
    """Enrol each named patient screened ``eligible`` on ``on``; refuse the others (in order)."""
    screened = screen_trial(registry, actor, nct_id, as_of=on, patient_ids=patient_ids)
    found = {patient.patient_id: patient for patient in screened.screening.patients}
    attempts = []
    for patient_id in patient_ids:
        patient = found.get(patient_id)
        if patient is None:
            attempts.append(EnrolmentAttempt(patient_id, None, "patient not found"))
            continue
        if patient.status is not ScreeningStatus.ELIGIBLE:
            why = {
                ScreeningStatus.NOT_CONTACTABLE: "no active consent to be contacted for research",
                ScreeningStatus.INELIGIBLE: "ineligible: "
                + ("" if patient.failed is None else patient.failed.label),
                ScreeningStatus.UNDETERMINED: "undetermined: missing " + "; ".join(patient.missing),
            }[patient.status]
            attempts.append(EnrolmentAttempt(patient_id, None, f"not eligible on {on} ({why})"))
            continue
        try:
            enrolment = registry.enrol_in_trial(
                actor,
                nct_id,
                patient_id,
                screened_on=on,
                criteria_version=screened.criteria_version,
                enrolled_on=on,
                reason=reason,
            )
        except StoreError as error:
            attempts.append(EnrolmentAttempt(patient_id, None, str(error)))
            continue
        attempts.append(EnrolmentAttempt(patient_id, enrolment))
    return attempts
