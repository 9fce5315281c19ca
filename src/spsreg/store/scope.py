"""Who is asking, and which patients they may see: site scope, enforced in one place.

Every query of the access layer is built with :func:`patient_scope`, so no view or command can forget
it. An actor with a site sees that site's patients only; an administrator or the system itself may
work without a site and then sees every site. A researcher may also have no site (a cross-site
researcher): they then see every site's pseudonymised data, never identifiers. A patient (the person, using the diary) sees only
their own record. Identifiers are visible only to staff of the patient's own site.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import ColumnElement, and_, true

from spsreg.store.errors import ScopeError
from spsreg.store.tables import PATIENTS

__all__ = ["CROSS_SITE_ROLES", "SITELESS_ROLES", "Actor", "Role", "patient_scope", "site_filter"]


class Role(StrEnum):
    ADMIN = "admin"
    CLINICIAN = "clinician"
    COORDINATOR = "coordinator"
    RESEARCHER = "researcher"
    PATIENT = "patient"
    SYSTEM = "system"


CROSS_SITE_ROLES = frozenset({Role.ADMIN, Role.SYSTEM})
"""Roles that act for the whole installation (register sites, manage it) and may have no site."""

SITELESS_ROLES = CROSS_SITE_ROLES | {Role.RESEARCHER}
"""Roles that may have no site. A site-less researcher sees every site's pseudonymised data but
never identifiers (:meth:`Actor.sees_identifiers_of`) and never exact small counts (outputs for
researchers are always shared: see spsreg.services.sharing)."""


@dataclass(frozen=True)
class Actor:
    """The person or process on whose behalf the store is called; recorded in every audit entry.

    ``patient_id`` is set only for the ``patient`` role: it narrows the scope to the patient's own
    record (a patient must never see the other patients of their site).
    """

    user: str
    role: Role
    site_id: str | None = None
    patient_id: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))
        if not self.user.strip() or len(self.user) > 200:
            raise ValueError("an actor needs a user name of 1-200 characters")
        if self.site_id is None and self.role not in SITELESS_ROLES:
            raise ValueError(
                f"a {self.role.value} works at a site: only admin, researcher and system actors "
                "may have no site"
            )
        if self.role is Role.PATIENT and self.patient_id is None:
            raise ValueError("a patient actor needs the patient_id of their own record")
        if self.role is not Role.PATIENT and self.patient_id is not None:
            raise ValueError("patient_id is only for actors with the patient role")

    @property
    def sees_all_sites(self) -> bool:
        return self.site_id is None

    def may_write_at(self, site_id: str) -> None:
        """Raise :class:`ScopeError` unless this actor may create or change data at ``site_id``
        (researchers never change records: they work with de-identified data)."""
        if self.role is Role.RESEARCHER:
            raise ScopeError(
                f"{self.user} (researcher) cannot change patient data: researchers work with "
                "de-identified data only"
            )
        if self.site_id is not None and self.site_id != site_id:
            raise ScopeError(
                f"{self.user} ({self.role.value} at {self.site_id}) cannot write data of site {site_id}"
            )

    def may_write_patient(self, patient_id: str, site_id: str) -> None:
        """Raise :class:`ScopeError` unless this actor may create or replace this patient."""
        self.may_write_at(site_id)
        if self.patient_id is not None and self.patient_id != patient_id:
            raise ScopeError(f"{self.user} (patient) can only write their own record")

    def sees_patient(self, patient_id: str, site_id: str) -> bool:
        """Whether a stored patient lies within this actor's scope."""
        return (self.site_id is None or self.site_id == site_id) and (
            self.patient_id is None or self.patient_id == patient_id
        )

    def sees_identifiers_of(self, site_id: str) -> bool:
        """Identifiable data are shown only to the patient's own site (never to site-less actors),
        and never to researchers, who work with de-identified data even at their own site."""
        return (
            self.role is not Role.RESEARCHER
            and self.site_id is not None
            and self.site_id == site_id
        )


def patient_scope(actor: Actor) -> ColumnElement[bool]:
    """The condition on ``patients`` that limits a query to what ``actor`` may see."""
    conditions: list[ColumnElement[bool]] = []
    if actor.site_id is not None:
        conditions.append(PATIENTS.c.site_id == actor.site_id)
    if actor.patient_id is not None:
        conditions.append(PATIENTS.c.id == actor.patient_id)
    return and_(true(), *conditions)


def site_filter(actor: Actor, site_id: str | None) -> str | None:
    """The site a listing is limited to: the actor's own, or the one a cross-site actor asked for.

    A site actor asking for another site gets :class:`ScopeError` (asking reveals nothing stored).
    """
    if actor.site_id is None:
        return site_id
    if site_id is not None and site_id != actor.site_id:
        raise ScopeError(
            f"{actor.user} ({actor.role.value} at {actor.site_id}) cannot list site {site_id}"
        )
    return actor.site_id
