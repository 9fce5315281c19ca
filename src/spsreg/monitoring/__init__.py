"""Therapy monitoring: rules from the knowledge pack evaluated over a patient's timeline.

Public API::

    load_rule_book(pack=None, path=None) -> RuleBook          # compiled rules (shipped or a site's file)
    timeline_from_record(record, pack=None) -> PatientTimeline
    PatientTimeline.build(...)                                  # the same timeline from plain values
    evaluate(timeline, as_of, rules, config=None) -> list[Alert]
    evaluate_many(timelines, as_of, rules, config=None) -> list[Alert]
    SiteMonitoringConfig(settings={rule_id: {setting: value}}, disabled_rules=...)

Pure: no I/O. Alerts are decision support for clinicians, never orders. See docs/monitoring.md.
"""

from spsreg.knowledge.rules import Severity
from spsreg.monitoring.alerts import Alert, Fact, Finding
from spsreg.monitoring.config import MonitoringConfigError, SiteMonitoringConfig
from spsreg.monitoring.engine import BoundRules, RuleBook, evaluate, evaluate_many, load_rule_book
from spsreg.monitoring.from_record import timeline_from_record
from spsreg.monitoring.kinds import KINDS
from spsreg.monitoring.timeline import PatientTimeline

__all__ = [
    "KINDS",
    "Alert",
    "BoundRules",
    "Fact",
    "Finding",
    "MonitoringConfigError",
    "PatientTimeline",
    "RuleBook",
    "Severity",
    "SiteMonitoringConfig",
    "evaluate",
    "evaluate_many",
    "load_rule_book",
    "timeline_from_record",
]
