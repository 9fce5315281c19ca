"""The monitoring service: the site worklist, decisions about alerts, and evaluation on change.

It joins the store (scoped, audited data) and the pure rule engine:

* :func:`worklist` evaluates every rule for every patient in the actor's scope on one date, most
  severe first, and marks the alerts a clinician's decision keeps quiet (hidden unless asked).
  Patients are read with the lean loader (:meth:`Registry.iter_timeline_rows`), never as whole
  records, so a registry of thousands of patients is evaluated in seconds.
* :func:`resolve_alert` finds the alert a user typed back (its id, or an unambiguous prefix of its
  fingerprint) by evaluating again on the same date; :func:`acknowledge` and :func:`snooze` record
  the decision (audited, in the actor's own name).
* :func:`save_with_alerts` and :func:`update_with_alerts` write one record through the store and
  return the alerts the change created, so a form or an import can show them at once.

The worklist is for site staff and the system: researchers (de-identified data) and patients get
none (:class:`ScopeError`). Alerts carry the registry's patient id and site, never identifiers.
"""

from __future__ import annotations

import re
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from spsreg.domain.acknowledgements import (
    AcknowledgementKind,
    AlertAcknowledgement,
    is_silenced,
    record_decision,
)
from spsreg.monitoring import (
    Alert,
    MonitoringConfigError,
    RuleBook,
    SiteMonitoringConfig,
    load_rule_book,
)
from spsreg.monitoring.alerts import alert_sort_key
from spsreg.services.timelines import (
    TimelineBuilder,
    assessment_reads,
    diary_window,
    lab_analytes,
)
from spsreg.store import Actor, NotFoundError, RecordKind, Registry, ScopeError, Versioned
from spsreg.store.acknowledgements import READING_ROLES

__all__ = [
    "ALERT_ID_LENGTH",
    "AlertLookupError",
    "AmbiguousAlertError",
    "SavedWithAlerts",
    "SiteConfigError",
    "SiteMonitoringConfig",
    "UnknownAlertError",
    "Worklist",
    "WorklistEntry",
    "acknowledge",
    "alert_fingerprints",
    "alert_id_prefix",
    "evaluate_patients",
    "load_site_config",
    "matching_alert",
    "require_worklist_reader",
    "resolve_alert",
    "save_with_alerts",
    "snooze",
    "update_with_alerts",
    "with_decisions",
    "worklist",
]

ALERT_ID_LENGTH = 12
"""Hex characters of the fingerprint shown as an alert's id (48 bits: typeable, and a clash is
refused as ambiguous rather than guessed)."""

MIN_PREFIX_LENGTH = 6
"""The shortest fingerprint prefix accepted when an alert is typed back."""

_HEX = re.compile(r"^[0-9a-f]*$")


class SiteConfigError(ValueError):
    """A site monitoring configuration file that cannot be read or does not fit the rules."""


class AlertLookupError(LookupError):
    """An alert id typed back that does not name exactly one alert."""


class UnknownAlertError(AlertLookupError):
    """No alert in scope on that date has this id."""


class AmbiguousAlertError(AlertLookupError):
    def __init__(self, message: str, candidates: Sequence[Alert]) -> None:
        super().__init__(message)
        self.candidates = tuple(candidates)


@dataclass(frozen=True)
class WorklistEntry:
    """An alert on the worklist, with the decision that keeps it quiet (None: it is shown)."""

    alert: Alert
    silenced_by: AlertAcknowledgement | None = None

    @property
    def alert_id(self) -> str:
        """The id a user types back: the start of the fingerprint."""
        return self.alert.fingerprint[:ALERT_ID_LENGTH]


@dataclass(frozen=True)
class Worklist:
    """The alerts of the patients in scope on ``as_of``, most severe first.

    ``entries`` holds the alerts shown (silenced ones too when asked for); ``silenced_hidden``
    counts those left out. ``load_seconds`` (reading rows, building timelines) and
    ``evaluation_seconds`` (the rules) say where the time went.
    """

    as_of: date
    entries: tuple[WorklistEntry, ...]
    patients_evaluated: int
    silenced_hidden: int
    load_seconds: float
    evaluation_seconds: float


@dataclass(frozen=True)
class SavedWithAlerts:
    """A record written through the store, and the alerts the change created (new fingerprints)."""

    saved: Versioned[Any]
    new_alerts: tuple[WorklistEntry, ...]


def load_site_config(path: Path, rules: RuleBook | None = None) -> SiteMonitoringConfig:
    """A site's monitoring settings from a YAML or JSON file, checked against the rules now (an
    unknown rule or setting, a value outside its bounds), so a typo is refused up front."""
    rules = rules if rules is not None else load_rule_book()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, ValueError) as error:
        raise SiteConfigError(
            f"cannot read the monitoring configuration {path}: {error}"
        ) from error
    try:
        config = SiteMonitoringConfig.model_validate(raw if raw is not None else {})
    except ValidationError as error:
        raise SiteConfigError(
            f"the monitoring configuration {path} is not valid: {error}"
        ) from error
    try:
        rules.bind(config)
    except MonitoringConfigError as error:
        raise SiteConfigError(f"{path}: {error}") from error
    return config


def require_worklist_reader(actor: Actor) -> None:
    """Site staff and the system draw up worklists; researchers and patients do not."""
    if actor.role not in READING_ROLES:
        raise ScopeError(
            f"{actor.user} ({actor.role.value}) has no monitoring worklist: alerts are for the "
            "clinical staff of the patient's site"
        )


def evaluate_patients(
    registry: Registry,
    actor: Actor,
    as_of: date,
    *,
    site: str | None = None,
    patient_ids: Collection[str] | None = None,
    config: SiteMonitoringConfig | None = None,
    rules: RuleBook | None = None,
    batch_size: int = 500,
) -> tuple[list[Alert], int, float, float]:
    """Every alert of the patients in scope on ``as_of`` (most severe first), the number of
    patients evaluated, and the seconds spent loading and evaluating. A requested patient id
    outside the scope is :class:`NotFoundError`."""
    require_worklist_reader(actor)
    rules = rules if rules is not None else load_rule_book()
    bound = rules.bind(config)
    reads = assessment_reads(rules, config)
    builder = TimelineBuilder(rules.pack, {read.scale_id for read in reads if read.item_id})
    window = diary_window(rules, config, as_of)
    # No enabled rule reads the diary: an empty window reads no diary row at all.
    diary_from, diary_to = window if window is not None else (date.max, date.min)
    alerts: list[Alert] = []
    seen: set[str] = set()
    load_seconds = evaluation_seconds = 0.0
    started = time.perf_counter()
    for batch in registry.iter_timeline_rows(
        actor,
        site_id=site,
        patient_ids=patient_ids,
        diary_from=diary_from,
        diary_to=diary_to,
        lab_analytes=lab_analytes(rules, config),
        assessment_reads=reads,
        assessments_to=as_of,
        batch_size=batch_size,
    ):
        timelines = [builder.build(rows) for rows in batch]
        loaded = time.perf_counter()
        load_seconds += loaded - started
        for timeline in timelines:
            seen.add(timeline.patient_id)
            alerts.extend(bound.evaluate(timeline, as_of))
        started = time.perf_counter()
        evaluation_seconds += started - loaded
    load_seconds += time.perf_counter() - started
    if patient_ids is not None:
        missing = sorted(set(patient_ids) - seen)
        if missing:
            raise NotFoundError(f"patient {missing[0]} not found")
    alerts.sort(key=alert_sort_key)
    return alerts, len(seen), load_seconds, evaluation_seconds


def worklist(
    registry: Registry,
    actor: Actor,
    as_of: date,
    site: str | None = None,
    patient_ids: Collection[str] | None = None,
    config: SiteMonitoringConfig | None = None,
    include_silenced: bool = False,
    *,
    rules: RuleBook | None = None,
) -> Worklist:
    """The follow-up worklist on ``as_of``: alerts most severe first; those a decision keeps quiet
    are left out (counted in ``silenced_hidden``) unless ``include_silenced``."""
    alerts, patients, load_seconds, evaluation_seconds = evaluate_patients(
        registry,
        actor,
        as_of,
        site=site,
        patient_ids=patient_ids,
        config=config,
        rules=rules,
    )
    entries = with_decisions(registry, actor, alerts, as_of, patient_ids)
    shown = tuple(e for e in entries if include_silenced or e.silenced_by is None)
    return Worklist(
        as_of=as_of,
        entries=shown,
        patients_evaluated=patients,
        silenced_hidden=len(entries) - len(shown),
        load_seconds=load_seconds,
        evaluation_seconds=evaluation_seconds,
    )


def with_decisions(
    registry: Registry,
    actor: Actor,
    alerts: Sequence[Alert],
    as_of: date,
    patient_ids: Collection[str] | None,
) -> list[WorklistEntry]:
    """``alerts`` as worklist entries, each with the decision that keeps it quiet on ``as_of``
    (None: shown); decisions are read for ``patient_ids`` only (None: every patient in scope)."""
    if not alerts:
        return []
    decisions: dict[str, list[AlertAcknowledgement]] = {}
    wanted = sorted(set(patient_ids)) if patient_ids is not None else None
    for decision in registry.list_acknowledgements(actor, wanted):
        decisions.setdefault(decision.patient_id, []).append(decision)
    return [
        WorklistEntry(alert, is_silenced(alert, decisions.get(alert.patient_id, ()), as_of))
        for alert in alerts
    ]


def resolve_alert(
    registry: Registry,
    actor: Actor,
    alert_id: str,
    as_of: date,
    *,
    site: str | None = None,
    patient_ids: Collection[str] | None = None,
    config: SiteMonitoringConfig | None = None,
    rules: RuleBook | None = None,
) -> WorklistEntry:
    """The one alert whose fingerprint starts with ``alert_id`` on ``as_of`` (silenced or not).

    :class:`UnknownAlertError` when none matches (or the id is not hexadecimal, or shorter than
    :data:`MIN_PREFIX_LENGTH`); :class:`AmbiguousAlertError` when several do.
    """
    prefix = alert_id_prefix(alert_id, MIN_PREFIX_LENGTH, shown="by `spsreg alerts`")
    listed = worklist(
        registry, actor, as_of, site, patient_ids, config, include_silenced=True, rules=rules
    )
    return matching_alert(listed.entries, alert_id, prefix, as_of, look_again="list the alerts")


def alert_id_prefix(alert_id: str, min_length: int, *, shown: str) -> str:
    """The fingerprint prefix a typed alert id stands for (lower case); :class:`UnknownAlertError`
    when it is not hexadecimal or shorter than ``min_length`` (:data:`MIN_PREFIX_LENGTH` but in
    tests); ``shown`` says where the user finds the ids, e.g. "on the worklist"."""
    prefix = alert_id.strip().lower()
    if len(prefix) < min_length or not _HEX.match(prefix):
        raise UnknownAlertError(
            f"{alert_id!r} is not an alert id: give the id shown {shown} "
            f"(at least {min_length} of its characters, 0-9 and a-f)"
        )
    return prefix


def matching_alert(
    entries: Sequence[WorklistEntry], alert_id: str, prefix: str, as_of: date, *, look_again: str
) -> WorklistEntry:
    """The one entry whose alert fingerprint starts with ``prefix`` (from
    :func:`alert_id_prefix`); :class:`UnknownAlertError` when none does (``look_again`` says how
    to see the current ids, e.g. "open the worklist"), :class:`AmbiguousAlertError` when several
    do."""
    matches = [e for e in entries if e.alert.fingerprint.startswith(prefix)]
    if not matches:
        raise UnknownAlertError(
            f"no alert {alert_id} on {as_of.isoformat()} among the patients you may see (an "
            f"alert whose data changed has a new id: {look_again} again)"
        )
    if len(matches) > 1:
        named = ", ".join(
            f"{e.alert.fingerprint} ({e.alert.rule_id}, {e.alert.patient_id})" for e in matches
        )
        raise AmbiguousAlertError(
            f"{alert_id} names {len(matches)} alerts: {named}; give more of its characters",
            [e.alert for e in matches],
        )
    return matches[0]


def acknowledge(
    registry: Registry,
    actor: Actor,
    alert: Alert,
    *,
    reason: str,
    at: datetime | None = None,
) -> Versioned[AlertAcknowledgement]:
    """Record that the actor has dealt with ``alert``: it stays quiet until its data change."""
    decision = record_decision(
        alert,
        kind=AcknowledgementKind.ACKNOWLEDGE,
        reason=reason,
        acknowledged_by=actor.user,
        acknowledged_at=at if at is not None else datetime.now(UTC),
    )
    return registry.acknowledge_alert(actor, decision)


def snooze(
    registry: Registry,
    actor: Actor,
    alert: Alert,
    *,
    until: date,
    reason: str,
    at: datetime | None = None,
) -> Versioned[AlertAcknowledgement]:
    """Silence ``alert``'s rule for its patient until the day ``until`` (shown again on it)."""
    decision = record_decision(
        alert,
        kind=AcknowledgementKind.SNOOZE,
        reason=reason,
        acknowledged_by=actor.user,
        acknowledged_at=at if at is not None else datetime.now(UTC),
        snoozed_until=until,
    )
    return registry.acknowledge_alert(actor, decision)


def save_with_alerts(
    registry: Registry,
    actor: Actor,
    kind: RecordKind | str,
    record: BaseModel,
    *,
    patient_id: str,
    reason: str,
    parent_id: str | None = None,
    as_of: date | None = None,
    config: SiteMonitoringConfig | None = None,
    rules: RuleBook | None = None,
) -> SavedWithAlerts:
    """Add one record (:meth:`Registry.add`) and return it with the alerts the change created.

    The patient's alerts are evaluated on ``as_of`` (default: today, UTC) before and after the
    write; the new alerts are those after it whose fingerprints were not there before, each with
    the decision (a snooze of its rule) that would keep it off the worklist.
    """
    require_worklist_reader(actor)
    day = as_of if as_of is not None else datetime.now(UTC).date()
    before = alert_fingerprints(registry, actor, patient_id, day, config, rules)
    saved = registry.add(actor, patient_id, kind, record, reason, parent_id=parent_id)
    return SavedWithAlerts(saved, _new_alerts(registry, actor, saved, before, day, config, rules))


def update_with_alerts(
    registry: Registry,
    actor: Actor,
    kind: RecordKind | str,
    record: BaseModel,
    expected_version: int,
    reason: str,
    *,
    patient_id: str | None = None,
    as_of: date | None = None,
    config: SiteMonitoringConfig | None = None,
    rules: RuleBook | None = None,
) -> SavedWithAlerts:
    """Update one record (:meth:`Registry.update`) and return it with the alerts the change
    created (as :func:`save_with_alerts`); ``patient_id`` is needed for identifiers only."""
    require_worklist_reader(actor)
    day = as_of if as_of is not None else datetime.now(UTC).date()
    owner = patient_id
    if owner is None:
        record_id = str(getattr(record, "id"))  # noqa: B009 - every kind but identifiers has one
        owner = registry.get(actor, kind, record_id).patient_id
    before = alert_fingerprints(registry, actor, owner, day, config, rules)
    saved = registry.update(actor, kind, record, expected_version, reason, patient_id=patient_id)
    return SavedWithAlerts(saved, _new_alerts(registry, actor, saved, before, day, config, rules))


def _patient_alerts(
    registry: Registry,
    actor: Actor,
    patient_id: str,
    as_of: date,
    config: SiteMonitoringConfig | None,
    rules: RuleBook | None,
) -> list[Alert]:
    try:
        alerts, *_ = evaluate_patients(
            registry, actor, as_of, patient_ids=[patient_id], config=config, rules=rules
        )
    except NotFoundError:  # a patient being created: nothing was there before
        return []
    return alerts


def alert_fingerprints(
    registry: Registry,
    actor: Actor,
    patient_id: str,
    as_of: date,
    config: SiteMonitoringConfig | None,
    rules: RuleBook | None,
) -> set[str]:
    """The fingerprints of one patient's alerts on ``as_of`` (none for a patient not stored yet):
    what a change is compared against to find the alerts it created."""
    alerts = _patient_alerts(registry, actor, patient_id, as_of, config, rules)
    return {alert.fingerprint for alert in alerts}


def _new_alerts(
    registry: Registry,
    actor: Actor,
    saved: Versioned[Any],
    before: set[str],
    as_of: date,
    config: SiteMonitoringConfig | None,
    rules: RuleBook | None,
) -> tuple[WorklistEntry, ...]:
    after = _patient_alerts(registry, actor, saved.patient_id, as_of, config, rules)
    new = [alert for alert in after if alert.fingerprint not in before]
    return tuple(with_decisions(registry, actor, new, as_of, [saved.patient_id]))
