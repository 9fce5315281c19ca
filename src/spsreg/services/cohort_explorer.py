"""The cohort explorer: how many patients by site, phenotype, sex, antibody status and therapy.

:func:`explore_cohort` counts the patients in the actor's scope (optionally of one phenotype or
one site) as of a date, and releases every count table through the sharing service
(:func:`spsreg.services.sharing.sharing_for`): exact for a site's own staff about their own site's
patients (and for the registry administrator inside the registry), disclosure-controlled for a
researcher, for anything covering another site, or when marked for sharing. Nothing patient-level
leaves this module: the result holds released count tables only.

The counts are read with the columnar analysis loader (no ``PatientRecord`` is built and no
identifier is read, for any actor); assessments and diaries are not read at all. A result is kept for
:data:`CACHE_SECONDS` per registry, viewer and question, so the page, its figures and the API
share one computation.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from spsreg.analysis.cohort import Gad65Status, GlyrStatus
from spsreg.analysis.therapies import THERAPIES, therapy_label
from spsreg.domain.patient import Sex
from spsreg.knowledge.pack import load_knowledge_pack
from spsreg.knowledge.vocabulary import Phenotype
from spsreg.privacy.disclosure import ControlledTable, DisclosurePolicy
from spsreg.services.analysis_frames import ANTIBODY_ANALYTES, FrameBuilder
from spsreg.services.sharing import Sharing, sharing_for
from spsreg.store import Actor, Registry, Role, ScopeError

__all__ = [
    "CACHE_SECONDS",
    "DIMENSIONS",
    "NOT_RECORDED",
    "CohortCounts",
    "CountRow",
    "explore_cohort",
]

CACHE_SECONDS = 60.0
"""How long a computed overview is reused for the same viewer and question."""

NOT_RECORDED = "not_recorded"

DIMENSIONS: Mapping[str, str] = {
    "site": "Patients by site",
    "phenotype": "Patients by phenotype",
    "sex": "Patients by sex",
    "gad65_status": "Patients by GAD65 antibody status (latest serum result)",
    "glyr_status": "Patients by glycine-receptor antibody status (latest result)",
    "therapy": "Patients who ever received each therapy (a patient may count in several rows)",
}
"""Each count table of the overview and its caption, in display order."""

WITHHELD = (
    "patient-level rows and identifiers: the explorer releases count tables only",
    "therapy table totals: a patient may count under several therapies",
)

_GAD65: tuple[Gad65Status, ...] = ("high_titre", "positive", "negative", "unknown")
_GLYR: tuple[GlyrStatus, ...] = ("positive", "negative", "unknown")
_LABELS = {
    NOT_RECORDED: "not recorded",
    "high_titre": "high titre",
    "positive": "positive (below high titre)",
}


@dataclass(frozen=True)
class CountRow:
    """One released count: its key, the label shown, and the count (None: suppressed)."""

    key: str
    label: str
    count: int | None


@dataclass(frozen=True)
class CohortCounts:
    """The released count tables of one question, with the sharing decision behind them."""

    as_of: date
    phenotype: str | None
    site: str | None
    sharing: Sharing
    patients: int | None
    tables: Mapping[str, ControlledTable]
    elapsed_ms: float

    @property
    def exact(self) -> bool:
        return self.sharing.exact

    def rows(self, name: str) -> tuple[CountRow, ...]:
        """The released counts of table ``name`` (a key of :data:`DIMENSIONS`)."""
        table = self.tables[name]
        return tuple(
            CountRow(str(key), _label(name, str(key)), cells[0])
            for key, cells in zip(table.row_labels, table.cells, strict=True)
        )

    def total(self, name: str) -> int | None:
        """The released total of a table whose rows add up to the patients (None otherwise)."""
        return None if name == "therapy" else self.tables[name].grand_total

    def metadata(self) -> dict[str, Any]:
        """The ``disclosure_control`` object of the overview."""
        return self.sharing.metadata(self.tables, WITHHELD)


def _label(dimension: str, key: str) -> str:
    if dimension == "therapy":
        return therapy_label(key)
    if dimension == "gad65_status" and key in _LABELS:
        return _LABELS[key]
    if dimension == "site":
        return key
    return _LABELS.get(key, key.replace("_", " "))


_Key = tuple[str, str, str | None, date, str | None, str | None, bool, str]
_cache: weakref.WeakKeyDictionary[Registry, dict[_Key, tuple[float, CohortCounts]]] = (
    weakref.WeakKeyDictionary()
)
_cache_lock = threading.Lock()


def explore_cohort(
    registry: Registry,
    actor: Actor,
    *,
    as_of: date,
    phenotype: Phenotype | str | None = None,
    site: str | None = None,
    share: bool = False,
    policy: DisclosurePolicy | None = None,
) -> CohortCounts:
    """The patient counts in ``actor``'s scope (of ``phenotype``, or :data:`NOT_RECORDED` for
    patients without one, / of ``site`` when given) as of ``as_of``, released to the decided audience. A patient account gets :class:`ScopeError`; a
    site's staff asking about another site too (the store's site filter)."""
    if actor.role is Role.PATIENT:
        raise ScopeError("the cohort explorer is for staff and researchers, not patient accounts")
    wanted = None if phenotype is None else _phenotype(phenotype)
    chosen = policy if policy is not None else DisclosurePolicy()
    key: _Key = (
        actor.user,
        actor.role.value,
        actor.site_id,
        as_of,
        wanted,
        site,
        share,
        chosen.model_dump_json(),
    )
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(registry, {}).get(key)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    counts = _compute(registry, actor, as_of, wanted, site, share, chosen)
    with _cache_lock:
        entries = _cache.setdefault(registry, {})
        entries[key] = (now, counts)
        for stale in [k for k, (at, _) in entries.items() if now - at >= CACHE_SECONDS]:
            del entries[stale]
    return counts


def _phenotype(value: Phenotype | str) -> str:
    if value == NOT_RECORDED:
        return NOT_RECORDED
    try:
        return Phenotype(value).value
    except ValueError:
        known = ", ".join([p.value for p in Phenotype] + [NOT_RECORDED])
        raise ValueError(f"unknown phenotype {value!r} (known: {known})") from None


def _compute(
    registry: Registry,
    actor: Actor,
    as_of: date,
    phenotype: str | None,
    site: str | None,
    share: bool,
    policy: DisclosurePolicy,
) -> CohortCounts:
    started = time.perf_counter()
    builder = FrameBuilder(as_of, load_knowledge_pack())
    for batch in registry.iter_analysis_rows(
        actor,
        as_of=as_of,
        scale_ids=(),
        lab_analytes=ANTIBODY_ANALYTES,
        site_id=site,
        with_diary=False,
    ):
        builder.add(batch)
    frames = builder.frames()
    patients = frames.patients
    patients = patients.assign(phenotype=patients["phenotype"].fillna(NOT_RECORDED))
    if phenotype is not None:
        patients = patients.loc[patients["phenotype"] == phenotype]
    ids = set(patients["patient_id"])
    sites = sorted({str(s) for s in patients["site_id"]})
    if site is not None and site not in sites:
        sites.append(site)
    sharing = sharing_for(actor, sites, share=share, policy=policy)
    therapies = pd.concat(
        [
            frames.courses[["patient_id", "therapy"]],
            frames.therapy_events[["patient_id", "therapy"]],
        ]
    ).dropna()
    therapies = therapies.loc[therapies["patient_id"].isin(ids)].drop_duplicates()
    known = list(THERAPIES)
    therapy_rows = known + sorted(set(therapies["therapy"].astype(str)) - set(known))
    counts = {
        "site": _series(patients["site_id"], sites),
        "phenotype": _series(patients["phenotype"], [p.value for p in Phenotype] + [NOT_RECORDED]),
        "sex": _series(patients["sex"], [s.value for s in Sex]),
        "gad65_status": _series(patients["gad65_status"].fillna("unknown"), list(_GAD65)),
        "glyr_status": _series(patients["glyr_status"].fillna("unknown"), list(_GLYR)),
        "therapy": _series(therapies["therapy"], therapy_rows),
    }
    tables = {name: sharing.control(series) for name, series in counts.items()}
    total = sharing.control_total("patients", len(ids))
    elapsed = (time.perf_counter() - started) * 1000.0
    return CohortCounts(as_of, phenotype, site, sharing, total, tables, elapsed)


def _series(values: pd.Series, rows: list[str]) -> pd.Series:
    """Counts of each of ``rows`` in ``values`` (zeros kept, so every table has a fixed shape)."""
    found = values.astype(str).value_counts()
    return pd.Series([int(found.get(row, 0)) for row in rows], index=pd.Index(rows), dtype="int64")
