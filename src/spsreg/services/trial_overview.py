"""Trials as the web shows them: the stored trials with their criteria, and feasibility counts.

* :func:`trial_summaries` lists the stored trials (public records) and whether structured
  eligibility criteria are attached to each (and which version).
* :func:`feasibility_for` gives the site x screening-status counts of a trial through the sharing
  service. Staff and administrators get :func:`spsreg.services.trial_screening.trial_feasibility`.
  A researcher may not screen (screening lists individual patients), so for a researcher the same
  screening is judged here, inside the service, and only its per-site counts leave it, always
  disclosure-controlled (a researcher is never a site's own staff). A patient account gets
  :class:`ScopeError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from spsreg.privacy.disclosure import DisclosurePolicy
from spsreg.query import SqlEngine
from spsreg.services.sharing import sharing_for
from spsreg.services.trial_screening import (
    CONTACT_CONSENT,
    Feasibility,
    criteria_outline,
    trial_cohort,
    trial_feasibility,
)
from spsreg.store import Actor, NotFoundError, Registry, Role, ScopeError
from spsreg.store.trials import StoredTrial
from spsreg.trials.screening import ScreeningStatus, screen_patients

__all__ = ["TrialSummary", "feasibility_for", "trial_summaries"]


@dataclass(frozen=True)
class TrialSummary:
    """One stored trial and the version of its attached criteria (None: none attached)."""

    trial: StoredTrial
    criteria_version: int | None


def trial_summaries(registry: Registry, actor: Actor) -> list[TrialSummary]:
    """Every stored trial, ordered by NCT number, with its criteria version."""
    summaries = []
    for stored in registry.list_trials(actor):
        try:
            version: int | None = registry.get_trial_criteria(actor, stored.record.nct_id).version
        except NotFoundError:
            version = None
        summaries.append(TrialSummary(stored, version))
    return summaries


def feasibility_for(
    registry: Registry,
    actor: Actor,
    nct_id: str,
    *,
    as_of: date,
    share: bool = False,
    policy: DisclosurePolicy | None = None,
) -> Feasibility:
    """How many patients per site would screen eligible, not contactable, ineligible or
    undetermined on ``as_of``, as ``actor`` may see the counts."""
    if actor.role is Role.PATIENT:
        raise ScopeError("feasibility counts are for staff and researchers, not patient accounts")
    if actor.role is not Role.RESEARCHER:
        return trial_feasibility(registry, actor, nct_id, as_of=as_of, share=share, policy=policy)
    cohort, stored = trial_cohort(registry, actor, nct_id)
    engine = SqlEngine.for_registry(registry)
    result = engine.evaluate(cohort, actor, as_of=as_of)
    consent = engine.evaluate(CONTACT_CONSENT, actor, as_of=as_of)
    screening = screen_patients(
        result.as_of, result.patients, criteria_outline(cohort), set(consent.patient_ids())
    )
    counts = screening.counts_by_site()
    statuses = list(ScreeningStatus)
    frame = pd.DataFrame(
        [[counts[site][status] for status in statuses] for site in counts],
        index=pd.Index(list(counts), name="site"),
        columns=pd.Index([status.value for status in statuses]),
        dtype="int64",
    )
    sharing = sharing_for(actor, list(counts), share=True, policy=policy)
    return Feasibility(nct_id, stored.version, as_of, sharing, sharing.control(frame))
