"""Eligibility screening: a trial's cohort verdicts turned into the lists a screener works from.

Each patient judged against a trial's structured criteria (any engine of :mod:`spsreg.query`) is
put in exactly one list:

* ``eligible`` - every criterion passed **and** the patient has an active consent to be contacted
  for research on the screening date: the patients who may be approached;
* ``not_contactable`` - every criterion passed, but no active contact-for-research consent: they
  meet the criteria, yet must not be approached about the trial (their clinician may raise
  consent at the next routine visit); they are never listed among the eligible;
* ``ineligible`` - a criterion failed; the first failed criterion (see :func:`first_failed`) is
  named with its label;
* ``undetermined`` - nothing failed but some data are missing; the missing data are named.

Contactability is reported for every patient, but it changes only the list of patients who meet
the criteria: an ineligible patient stays ineligible, an undetermined one undetermined (its data
may be completed by the care team whatever the consent).

The module is pure: it reads results through small protocols (which :mod:`spsreg.query`'s
``PatientResult`` satisfies) and the criteria tree through :class:`CriterionOutline`, so it
imports no engine.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Protocol

__all__ = [
    "COMPOSITE_KINDS",
    "CriterionOutline",
    "FailedCriterion",
    "JudgedCriterion",
    "JudgedPatient",
    "ScreenedPatient",
    "Screening",
    "ScreeningStatus",
    "first_failed",
    "screen_patients",
]

COMPOSITE_KINDS = frozenset({"all", "any", "not"})


class ScreeningStatus(StrEnum):
    ELIGIBLE = "eligible"
    NOT_CONTACTABLE = "not_contactable"
    INELIGIBLE = "ineligible"
    UNDETERMINED = "undetermined"


class JudgedCriterion(Protocol):
    """One criterion's verdict (``passed``, ``failed``, ``undetermined``) for one patient."""

    @property
    def verdict(self) -> str: ...

    @property
    def missing(self) -> tuple[str, ...]: ...


class JudgedPatient(Protocol):
    """Every criterion's verdict for one patient, keyed as in the :class:`CriterionOutline`."""

    @property
    def patient_id(self) -> str: ...

    @property
    def site_id(self) -> str: ...

    @property
    def criteria(self) -> Mapping[str, JudgedCriterion]: ...


@dataclass(frozen=True)
class CriterionOutline:
    """One node of a criteria tree as screening needs it: its key in the results, kind, label
    for people, and the keys of its children in document order."""

    key: str
    kind: str
    label: str | None
    children: tuple[str, ...] = ()

    @property
    def described(self) -> str:
        """The label, else the kind of criterion and its key."""
        return self.label if self.label is not None else f"{self.kind} criterion {self.key}"


@dataclass(frozen=True)
class FailedCriterion:
    key: str
    kind: str
    label: str


@dataclass(frozen=True)
class ScreenedPatient:
    patient_id: str
    site_id: str
    status: ScreeningStatus
    contactable: bool
    failed: FailedCriterion | None = None
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Screening:
    """Every judged patient in one list, ordered by patient id."""

    as_of: date
    patients: tuple[ScreenedPatient, ...]

    def with_status(self, status: ScreeningStatus) -> tuple[ScreenedPatient, ...]:
        return tuple(p for p in self.patients if p.status is status)

    def counts_by_site(self) -> dict[str, dict[ScreeningStatus, int]]:
        """Site -> status -> patients (every status present, zeros included), sites in order."""
        counts: dict[str, dict[ScreeningStatus, int]] = {}
        for patient in self.patients:
            per_site = counts.setdefault(patient.site_id, dict.fromkeys(ScreeningStatus, 0))
            per_site[patient.status] += 1
        return dict(sorted(counts.items()))


def first_failed(
    outline: Mapping[str, CriterionOutline], root_key: str, patient: JudgedPatient
) -> FailedCriterion:
    """The criterion that made a failed definition fail, followed down from the root.

    ``all``: its first failed child, followed further. ``any``: the group itself (every
    alternative failed, so no single one is to blame). ``not``: the exclusion itself (its child
    passed). A leaf: itself.
    """
    node = outline[root_key]
    if patient.criteria[root_key].verdict != "failed":
        raise ValueError(f"patient {patient.patient_id} did not fail the criteria")
    while node.kind == "all":
        node = next(
            outline[key] for key in node.children if patient.criteria[key].verdict == "failed"
        )
    return FailedCriterion(node.key, node.kind, node.described)


def screen_patients(
    as_of: date,
    judged: Iterable[JudgedPatient],
    outline: Sequence[CriterionOutline],
    contactable: Collection[str],
) -> Screening:
    """Each judged patient in its list; ``outline`` is the tree in document order (root first)
    and ``contactable`` the ids of patients with an active contact-for-research consent."""
    by_key = {node.key: node for node in outline}
    root_key = outline[0].key
    screened = []
    for patient in judged:
        root = patient.criteria[root_key]
        can_contact = patient.patient_id in contactable
        failed: FailedCriterion | None = None
        if root.verdict == "passed":
            status = ScreeningStatus.ELIGIBLE if can_contact else ScreeningStatus.NOT_CONTACTABLE
        elif root.verdict == "failed":
            status = ScreeningStatus.INELIGIBLE
            failed = first_failed(by_key, root_key, patient)
        else:
            status = ScreeningStatus.UNDETERMINED
        missing = root.missing if status is ScreeningStatus.UNDETERMINED else ()
        screened.append(
            ScreenedPatient(
                patient.patient_id, patient.site_id, status, can_contact, failed, tuple(missing)
            )
        )
    return Screening(as_of, tuple(sorted(screened, key=lambda p: p.patient_id)))
