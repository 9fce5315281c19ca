"""Alerts: what a rule says about one patient, with its evidence and source.

A rule kind reports a :class:`Finding` (the triggering data); the engine turns it into an
:class:`Alert` with the rule's wording and citations. The alert's ``fingerprint`` hashes the rule,
the patient and the triggering data, never the evaluation date: evaluating again gives the same
alert, an acknowledgement can be matched to it, and the acknowledgement becomes void as soon as the
data behind the alert change (a new fingerprint).
"""

from __future__ import annotations

import hashlib
import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from spsreg.knowledge.citation import Citation
from spsreg.knowledge.rules import Severity

__all__ = [
    "Alert",
    "Fact",
    "Finding",
    "alert_sort_key",
    "display",
    "fingerprint",
    "render",
    "template_fields",
]

Fact = str | int | float | bool | date | None
"""A value in an alert's rationale: plain, so alerts serialise to JSON without surprises."""


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule kind found: the triggering data and, for a reminder, when action is due.

    ``facts`` identify the situation (they are hashed into the fingerprint and shown as the
    rationale), so they must not depend on the evaluation date. ``shown`` holds extra values for
    the message only (not hashed). ``citations`` are the sources of cited numbers the finding
    used from elsewhere in the pack (e.g. a dose range in drugs.yaml).
    """

    facts: Mapping[str, Fact]
    due: date | None = None
    shown: Mapping[str, Fact] = field(default_factory=dict)
    citations: tuple[Citation, ...] = ()


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert for one patient; ordered most severe first, then by due date, patient, rule."""

    rule_id: str
    kind: str
    severity: Severity
    patient_id: str
    site_id: str
    title: str
    message: str
    rationale: Mapping[str, Fact] = field(hash=False)
    action: str
    citations: tuple[Citation, ...]
    due: date | None
    fingerprint: str


def alert_sort_key(alert: Alert) -> tuple[int, date, str, str, str]:
    return (
        -alert.severity.rank,
        alert.due or date.max,
        alert.patient_id,
        alert.rule_id,
        alert.fingerprint,
    )


def _canonical(value: Fact) -> str | int | float | bool | None:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 6)
    return value


def fingerprint(rule_id: str, patient_id: str, facts: Mapping[str, Fact]) -> str:
    """A stable hash of the rule, the patient and the triggering data (not the evaluation date)."""
    payload = json.dumps(
        [rule_id, patient_id, sorted((k, _canonical(v)) for k, v in facts.items())],
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(payload.encode("ascii")).hexdigest()[:32]


def display(value: Fact) -> str:
    """How a value reads in a message: 45.0 -> '45', 33.3333 -> '33.33', dates ISO."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{round(value, 2):g}"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def template_fields(template: str) -> set[str]:
    """The placeholder names of a message template."""
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def render(template: str, values: Mapping[str, Fact]) -> str:
    return " ".join(template.format_map({k: display(v) for k, v in values.items()}).split())
