"""A worklist kept between requests, brought up to date from the audit trail.

Drawing up a site's worklist evaluates every rule for thousands of patients (seconds). The
:class:`WorklistCache` keeps, per scope (one site, or every site), date and monitoring
configuration, each patient's alerts with the decision that silences them, the patients' pseudonyms
and the audit sequence all this reflects. When an entry is older than ``refresh``, the audit entries
written since name the patients that changed (records, diary, acknowledgements and snoozes alike);
only those are evaluated again and their decisions read again. A new date is a new entry, computed
in full; a registry-wide change (a site) recomputes the entry in full.

Scope stays the store's: the key is the scope the store grants the actor
(:func:`spsreg.store.scope.site_filter`, which refuses another site), and everything in an entry was
read through the store with an actor of that scope. Concurrent requests for one key wait for one
computation (a lock per key) rather than all computing.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from spsreg.monitoring import RuleBook, SiteMonitoringConfig
from spsreg.monitoring.alerts import alert_sort_key
from spsreg.services import monitoring
from spsreg.services.monitoring import (
    MIN_PREFIX_LENGTH,
    Worklist,
    WorklistEntry,
    require_worklist_reader,
)
from spsreg.store import Actor, NotFoundError, Registry
from spsreg.store.changes import audit_sequence, changed_patients_since, patient_pseudonyms
from spsreg.store.scope import site_filter

__all__ = ["CacheKey", "WorklistCache", "WorklistView"]

CacheKey = tuple[str | None, str | None, date, str]
"""(site or None for every site, patient of a patient-scoped actor, date, configuration)."""

_FULL_ATTEMPTS = 3


@dataclass(frozen=True)
class WorklistView:
    """A worklist with the pseudonyms of the patients in it (never identifiers)."""

    worklist: Worklist
    pseudonyms: Mapping[str, str]

    def pseudonym_of(self, patient_id: str) -> str:
        return self.pseudonyms.get(patient_id, patient_id)


@dataclass
class _Entry:
    sequence: int
    checked_at: float
    pseudonyms: dict[str, str]
    by_patient: dict[str, tuple[WorklistEntry, ...]]
    load_seconds: float
    evaluation_seconds: float
    ordered: tuple[WorklistEntry, ...] = ()
    shown: tuple[WorklistEntry, ...] = ()

    def reorder(self) -> None:
        everything = [entry for entries in self.by_patient.values() for entry in entries]
        everything.sort(key=lambda entry: alert_sort_key(entry.alert))
        self.ordered = tuple(everything)
        self.shown = tuple(entry for entry in everything if entry.silenced_by is None)


@dataclass
class _Slot:
    lock: threading.Lock = field(default_factory=threading.Lock)
    entry: _Entry | None = None


class WorklistCache:
    """Worklists per (scope, date, configuration), refreshed from the audit trail.

    ``refresh``: how old an entry may get before the trail is checked again. ``max_entries``: the
    least recently used entries beyond this are dropped (yesterday's worklists, say).
    ``clock``: monotonic seconds (tests pass their own). ``full_computations`` and
    ``patients_reevaluated`` count the work done.
    """

    def __init__(
        self,
        refresh: timedelta,
        *,
        max_entries: int = 16,
        rules: RuleBook | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.refresh_seconds = refresh.total_seconds()
        self.max_entries = max_entries
        self.rules = rules
        self._clock = clock
        self._slots: OrderedDict[CacheKey, _Slot] = OrderedDict()
        self._slots_lock = threading.Lock()
        self.full_computations = 0
        self.patients_reevaluated = 0

    def current(
        self,
        registry: Registry,
        actor: Actor,
        as_of: date,
        *,
        site: str | None = None,
        config: SiteMonitoringConfig | None = None,
        include_silenced: bool = False,
    ) -> Worklist:
        """The worklist as :func:`spsreg.services.monitoring.worklist` gives it, at most
        ``refresh`` old."""
        return self.view(
            registry, actor, as_of, site=site, config=config, include_silenced=include_silenced
        ).worklist

    def view(
        self,
        registry: Registry,
        actor: Actor,
        as_of: date,
        *,
        site: str | None = None,
        config: SiteMonitoringConfig | None = None,
        include_silenced: bool = False,
        max_age: float | None = None,
    ) -> WorklistView:
        """The worklist with pseudonyms; ``max_age`` (seconds) overrides ``refresh``."""
        require_worklist_reader(actor)
        scope = site_filter(actor, site)
        slot = self._slot(self._key(actor, scope, as_of, config))
        limit = self.refresh_seconds if max_age is None else max_age
        with slot.lock:
            entry = slot.entry
            if entry is None:
                entry = slot.entry = self._compute(registry, actor, as_of, scope, config)
            elif self._clock() - entry.checked_at >= limit:
                slot.entry = entry = self._update(registry, actor, as_of, scope, config, entry)
            entries = entry.ordered if include_silenced else entry.shown
            listed = Worklist(
                as_of=as_of,
                entries=entries,
                patients_evaluated=len(entry.pseudonyms),
                silenced_hidden=len(entry.ordered) - len(entries),
                load_seconds=entry.load_seconds,
                evaluation_seconds=entry.evaluation_seconds,
            )
            return WorklistView(listed, entry.pseudonyms)

    def resolve(
        self,
        registry: Registry,
        actor: Actor,
        alert_id: str,
        as_of: date,
        *,
        site: str | None = None,
        config: SiteMonitoringConfig | None = None,
    ) -> WorklistEntry:
        """The one alert (silenced or not) whose fingerprint starts with ``alert_id`` among the
        actor's patients on ``as_of``, checked against the audit trail first.

        :class:`UnknownAlertError` when none matches (or the id is not one), and
        :class:`AmbiguousAlertError` when several do, as
        :func:`spsreg.services.monitoring.resolve_alert`.
        """
        prefix = monitoring.alert_id_prefix(alert_id, MIN_PREFIX_LENGTH, shown="on the worklist")
        listed = self.view(
            registry, actor, as_of, site=site, config=config, include_silenced=True, max_age=0
        ).worklist
        return monitoring.matching_alert(
            listed.entries, alert_id, prefix, as_of, look_again="open the worklist"
        )

    def patient_entries(
        self,
        registry: Registry,
        actor: Actor,
        patient_id: str,
        as_of: date,
        *,
        config: SiteMonitoringConfig | None = None,
    ) -> tuple[WorklistEntry, ...]:
        """One patient's alerts (silenced ones too), as the worklist shows them, current to the
        audit trail: the cached worklist's entries when the patient has not changed since it was
        computed, else the patient evaluated alone. Never waits for a site's worklist to be
        brought up to date (a patient page must not queue behind other patients' changes).
        :class:`NotFoundError` for a patient outside the actor's scope."""
        require_worklist_reader(actor)
        scope = site_filter(actor, None)
        entry = self._slot(self._key(actor, scope, as_of, config)).entry
        if entry is not None and patient_id in entry.pseudonyms:
            _, changed, registry_wide = changed_patients_since(
                registry, actor, entry.sequence, site_id=scope
            )
            if not registry_wide and patient_id not in changed:
                return entry.by_patient.get(patient_id, ())
        present = patient_pseudonyms(registry, actor, [patient_id], site_id=scope)
        if patient_id not in present:
            raise NotFoundError(f"patient {patient_id} not found")
        evaluated, _, _ = self._evaluate(registry, actor, as_of, scope, config, present)
        return evaluated.get(patient_id, ())

    def mark_stale(self) -> None:
        """Check the audit trail on the next request for every entry (after a decision, so the
        page that follows shows it at once)."""
        with self._slots_lock:
            slots = list(self._slots.values())
        for slot in slots:
            entry = slot.entry
            if entry is not None:
                entry.checked_at = float("-inf")

    @staticmethod
    def _key(
        actor: Actor, scope: str | None, as_of: date, config: SiteMonitoringConfig | None
    ) -> CacheKey:
        """The slot of the actor's worklist over ``scope`` on ``as_of`` with ``config``."""
        return (scope, actor.patient_id, as_of, "" if config is None else config.model_dump_json())

    def _slot(self, key: CacheKey) -> _Slot:
        with self._slots_lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot()
                while len(self._slots) > self.max_entries:
                    self._slots.popitem(last=False)
            else:
                self._slots.move_to_end(key)
            return slot

    def _compute(
        self,
        registry: Registry,
        actor: Actor,
        as_of: date,
        scope: str | None,
        config: SiteMonitoringConfig | None,
    ) -> _Entry:
        """Every patient in scope, evaluated in full (again if one vanished meanwhile)."""
        for attempt in range(_FULL_ATTEMPTS):
            sequence = audit_sequence(registry)
            pseudonyms = patient_pseudonyms(registry, actor, site_id=scope)
            try:
                by_patient, load, evaluation = self._evaluate(
                    registry, actor, as_of, scope, config, pseudonyms, whole_scope=True
                )
            except NotFoundError:  # a patient deleted or moved while being read
                if attempt + 1 == _FULL_ATTEMPTS:
                    raise
                continue
            self.full_computations += 1
            entry = _Entry(sequence, self._clock(), pseudonyms, by_patient, load, evaluation)
            entry.reorder()
            return entry
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _update(
        self,
        registry: Registry,
        actor: Actor,
        as_of: date,
        scope: str | None,
        config: SiteMonitoringConfig | None,
        entry: _Entry,
    ) -> _Entry:
        """The entry with the patients changed since its sequence evaluated again."""
        head, changed, registry_wide = changed_patients_since(
            registry, actor, entry.sequence, site_id=scope
        )
        if registry_wide:
            return self._compute(registry, actor, as_of, scope, config)
        if changed:
            present = patient_pseudonyms(registry, actor, changed, site_id=scope)
            try:
                evaluated, _, _ = self._evaluate(registry, actor, as_of, scope, config, present)
            except NotFoundError:
                return self._compute(registry, actor, as_of, scope, config)
            for patient_id in changed:
                entry.by_patient.pop(patient_id, None)
                entry.pseudonyms.pop(patient_id, None)
            entry.pseudonyms.update(present)
            entry.by_patient.update(evaluated)
            entry.reorder()
        entry.sequence = head
        entry.checked_at = self._clock()
        return entry

    def _evaluate(
        self,
        registry: Registry,
        actor: Actor,
        as_of: date,
        scope: str | None,
        config: SiteMonitoringConfig | None,
        patient_ids: Collection[str],
        *,
        whole_scope: bool = False,
    ) -> tuple[dict[str, tuple[WorklistEntry, ...]], float, float]:
        """The alerts of ``patient_ids`` with their decisions, by patient; seconds spent.
        ``whole_scope``: they are every patient in scope (decisions are read in one go)."""
        if not patient_ids:
            return {}, 0.0, 0.0
        alerts, _, load, evaluation = monitoring.evaluate_patients(
            registry,
            actor,
            as_of,
            site=scope,
            patient_ids=patient_ids,
            config=config,
            rules=self.rules,
        )
        self.patients_reevaluated += len(patient_ids)
        decided = monitoring.with_decisions(
            registry, actor, alerts, as_of, None if whole_scope else patient_ids
        )
        by_patient: dict[str, list[WorklistEntry]] = {}
        for item in decided:
            by_patient.setdefault(item.alert.patient_id, []).append(item)
        return {pid: tuple(items) for pid, items in by_patient.items()}, load, evaluation
