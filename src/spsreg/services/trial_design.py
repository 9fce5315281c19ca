"""Variance inputs of a trial design estimated from the registry's own patients.

:func:`registry_variance` loads the outcomes frame of the patients in the actor's scope (the
analytics service's columnar loader: de-identified, nothing after ``as_of``) and estimates the
between- and within-patient SD of one outcome with the one-way random-effects method of moments
of :func:`spsreg.trials.variance.variance_components` (patients with two or more measurements).
Within-patient variation in a registry includes treatment changes and trends, so the within SD is
on the large (conservative) side for a trial of a few months; docs/trials-design.md explains.

The counts behind the estimate are an aggregate: they go through the sharing service
(:func:`spsreg.services.sharing.sharing_for`). Exact for a site's own staff about their own
patients and for the registry administrator; otherwise the patient and measurement counts are
released controlled, and no estimate is given at all when the patient count would be suppressed
(an SD of a handful of patients describes those patients).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from spsreg.analysis.frames import OUTCOMES
from spsreg.services.analytics import load_frames
from spsreg.services.sharing import sharing_for
from spsreg.store import Actor, Registry
from spsreg.trials.variance import VarianceComponents, variance_components

__all__ = ["RegistryVariance", "registry_variance"]


@dataclass(frozen=True)
class RegistryVariance:
    """The variance components of ``outcome`` among the patients in scope as of ``as_of``."""

    outcome: str
    as_of: date
    site: str | None
    components: VarianceComponents
    disclosure_control: dict[str, Any]
    """The sharing metadata of the counts (``disclosure_control`` of the sharing service)."""

    def to_document(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "as_of": self.as_of,
            "site": self.site,
            **self.components.to_document(),
            "estimator": "one-way random-effects method of moments (ANOVA)",
            "disclosure_control": self.disclosure_control,
        }


def registry_variance(
    registry: Registry, actor: Actor, outcome: str, *, as_of: date, site: str | None = None
) -> RegistryVariance:
    """Between- and within-patient SD of ``outcome`` (an outcome id of the analysis frames).

    :class:`ValueError` for an unknown outcome or too few repeated measurements.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}: one of {', '.join(OUTCOMES)}")
    frames = load_frames(registry, actor, as_of=as_of, site=site)
    rows = frames.outcomes[frames.outcomes["outcome"] == outcome]
    try:
        components = variance_components(
            rows["patient_id"].astype(str).tolist(), rows["value"].astype(float).tolist()
        )
    except ValueError as error:
        raise ValueError(
            f"cannot estimate the variance of {outcome} from the registry: {error}"
        ) from error
    sites = set(frames.patients["site_id"].astype(str)) if len(frames.patients) else set()
    sharing = sharing_for(actor, sites)
    if not sharing.exact:
        patients = sharing.control_total("patients", components.patients)
        measurements = sharing.control_total("measurements", components.measurements)
        if patients is None or measurements is None:
            raise ValueError(
                f"too few patients with repeated {outcome} measurements to release an estimate "
                f"({sharing.policy_line()})"
            )
        components = replace(components, patients=patients, measurements=measurements)
    metadata = sharing.metadata({})["disclosure_control"]
    return RegistryVariance(outcome, as_of, site, components, metadata)
