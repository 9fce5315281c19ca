"""Sharing: the one place that decides who an aggregate is for and releases its counts accordingly.

Every aggregate that leaves a site (``spsreg stats``, ``spsreg analyze cohort``, ``spsreg report
cohort``, and later trial feasibility counts and cross-site dashboards) asks :func:`sharing_for`
for a :class:`Sharing` and passes each of its count tables through :meth:`Sharing.control`, which
is :func:`spsreg.privacy.disclosure.control_counts` with the decided audience and the site's
policy. :meth:`Sharing.metadata` is the ``disclosure_control`` object written into the output.

Audience rules (:func:`decide_audience`): exact counts only for a site's own staff (clinician or
coordinator of a site) about that site's own patients and not marked for sharing; everything else
(the registry administrator, a researcher, any output covering another site, ``--share``) is
``shared`` and disclosure-controlled.

The policy (:class:`~spsreg.privacy.disclosure.DisclosurePolicy`: threshold, rounding base and
rule) is the documented default unless a disclosure configuration file (YAML) names another:
:func:`load_disclosure_policy`.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from pydantic import ValidationError

from spsreg.privacy.disclosure import Audience, ControlledTable, DisclosurePolicy, control_counts
from spsreg.store import Actor, Role

__all__ = [
    "SITE_STAFF_ROLES",
    "DisclosureConfigError",
    "Sharing",
    "decide_audience",
    "load_disclosure_policy",
    "per_patient_refusal",
    "sharing_for",
]

SITE_STAFF_ROLES = frozenset({Role.CLINICIAN, Role.COORDINATOR})
"""Roles that are a site's own staff: they may see exact counts of their own site's patients."""

_POLICY_KEYS = ("audience", "counts", "shareable", "threshold", "suppressed_range")
_POLICY_KEYS_TAIL = ("rounding_base", "rounding_rule", "secondary_suppression", "note")
_OUTCOME_KEYS = ("primary_suppressed", "secondary_suppressed", "suppressed")


class DisclosureConfigError(ValueError):
    """The disclosure configuration file is missing, unreadable or not a valid policy."""


def load_disclosure_policy(path: Path | None) -> DisclosurePolicy:
    """The policy of a YAML file (``threshold``, ``rounding_base``, ``rounding_rule``; any left
    out keep their defaults), or the default policy (suppress 1..7, round to 5) without one."""
    if path is None:
        return DisclosurePolicy()
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as error:
        message = f"cannot read the disclosure configuration {path}: {error}"
        raise DisclosureConfigError(message) from error
    if content is None:
        content = {}
    if not isinstance(content, dict):
        raise DisclosureConfigError(
            f"the disclosure configuration {path} must be a mapping of policy fields"
        )
    try:
        return DisclosurePolicy.model_validate(content)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'policy'}: {e['msg']}" for e in error.errors()
        )
        raise DisclosureConfigError(
            f"invalid disclosure configuration {path}: {problems}"
        ) from None


def decide_audience(actor: Actor, sites: Collection[str], *, share: bool) -> tuple[Audience, str]:
    """Who an output covering ``sites`` (the sites whose patients it counts) is for, and why.

    Exact (``own_site_staff``) when the actor is a clinician or coordinator of a site, every
    counted patient belongs to that site, and the output is not marked for sharing; exact
    (``registry_administrator``) for the installation's administrator, who holds every record
    stored there, unless the output is marked for sharing. Everything else is controlled.
    """
    if share:
        return Audience.SHARED, "marked for sharing (--share)"
    if actor.role is Role.ADMIN:
        return (
            Audience.REGISTRY_ADMINISTRATOR,
            "the registry administrator inside the registry; --share for anything passed on",
        )
    if actor.role not in SITE_STAFF_ROLES or actor.site_id is None:
        return Audience.SHARED, f"a {actor.role.value} is not a site's own staff"
    others = sorted(set(sites) - {actor.site_id})
    if others:
        return Audience.SHARED, f"covers patients of other sites ({', '.join(others)})"
    return Audience.OWN_SITE_STAFF, f"{actor.site_id} staff about {actor.site_id}'s own patients"


@dataclass(frozen=True)
class Sharing:
    """The decided audience of one output, its policy, and why; controls each of its tables."""

    audience: Audience
    policy: DisclosurePolicy
    reason: str

    @property
    def exact(self) -> bool:
        """True for own-site staff: counts are released as they are (and not for sharing)."""
        return self.audience.exact

    def control(self, table: pd.DataFrame | pd.Series) -> ControlledTable:
        """The count table as this audience may see it (:func:`control_counts`)."""
        return control_counts(table, self.policy, self.audience)

    def control_total(self, label: str, count: int) -> int | None:
        """One stand-alone count (a cohort size), controlled as a one-cell table: None if small."""
        return self.control(pd.Series([count], index=[label], dtype="int64")).grand_total

    def policy_line(self) -> str:
        """One human-readable line saying how the printed counts were released."""
        if self.exact:
            return f"Exact counts ({self.reason}): not for sharing outside the site."
        policy = self.policy
        return (
            f"Disclosure control ({self.reason}): counts 1-{policy.threshold} suppressed "
            f"(shown as 'suppressed', with secondary suppression so none can be recovered from "
            f"totals); released counts rounded ({policy.rounding_rule.value}) to multiples of "
            f"{policy.rounding_base}."
        )

    def metadata(
        self,
        tables: Mapping[str, ControlledTable],
        withheld: Sequence[str] = (),
    ) -> dict[str, Any]:
        """The ``disclosure_control`` object of an output made of several controlled tables.

        The policy fields are those of :meth:`ControlledTable.metadata`; ``reason`` says why the
        audience was chosen, ``tables`` holds each table's suppression outcome and ``withheld``
        names what the output leaves out for this audience (and why).
        """
        template = self.control(pd.Series([0], dtype="int64")).metadata()["disclosure_control"]
        document: dict[str, Any] = {key: template[key] for key in _POLICY_KEYS}
        document.update({key: template[key] for key in _POLICY_KEYS_TAIL})
        document["reason"] = self.reason
        document["tables"] = {
            name: {key: table.metadata()["disclosure_control"][key] for key in _OUTCOME_KEYS}
            for name, table in tables.items()
        }
        document["withheld"] = list(withheld)
        return {"disclosure_control": document}


def sharing_for(
    actor: Actor,
    sites: Collection[str],
    *,
    share: bool = False,
    policy: DisclosurePolicy | None = None,
) -> Sharing:
    """The single entry point: the audience of an output (by :func:`decide_audience`) with the
    site's policy (the default policy when ``policy`` is None)."""
    audience, reason = decide_audience(actor, sites, share=share)
    return Sharing(audience, policy if policy is not None else DisclosurePolicy(), reason)


def per_patient_refusal(actor: Actor) -> str | None:
    """Why ``actor`` may not see a per-patient analysis (None when they may).

    A per-patient analysis (``spsreg analyze response``) cannot be disclosure-controlled: it is
    for the site's own staff (and the registry administrator who runs the installation), never
    for a researcher or for sharing.
    """
    if actor.role is Role.RESEARCHER:
        return (
            "a per-patient analysis is for the site's own staff: a researcher may see cohort "
            "counts only (spsreg analyze cohort, disclosure-controlled)"
        )
    return None
