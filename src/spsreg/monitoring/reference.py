"""Render the monitoring reference document (docs/monitoring.md) from the rules and their kinds.

The rule tables, the site settings and the list of deliberately unencoded facts are generated from
the shipped rules file, so the document cannot drift from what the engine does; a test compares the
committed file with this output. Regenerate with::

    uv run python -m spsreg.monitoring.reference > docs/monitoring.md
"""

from __future__ import annotations

import sys
from collections.abc import Iterable

from spsreg.knowledge.citation import Citation
from spsreg.knowledge.rules import MonitoringRule
from spsreg.monitoring.engine import RuleBook, load_rule_book
from spsreg.monitoring.kinds import KINDS

__all__ = ["render_monitoring_markdown"]

REGENERATE = "uv run python -m spsreg.monitoring.reference > docs/monitoring.md"

_HEADER = f"""\
# Therapy monitoring

<!-- Generated from src/spsreg/knowledge/data/rules.yaml and src/spsreg/monitoring/kinds;
     do not edit by hand. Regenerate with: {REGENERATE} -->

Generated from the rules in the knowledge pack. Regenerate after changing a rule or a kind with
`{REGENERATE}`; a test fails while this file and the rules disagree.

spsreg evaluates safety and monitoring rules over each patient's timeline at a date and lists the
alerts for the clinician: **decision support, never an order**. Every rule cites its sources; a
rule without a source does not load. Numbers with a cited source (label maxima, doses reported in
SPS, the tizanidine timing, the IVIG regimen) are read from the knowledge pack; thresholds no
source gives are **site settings** with a documented default, never presented as clinical facts.

## How it is used

```python
from spsreg.monitoring import SiteMonitoringConfig, evaluate, load_rule_book, timeline_from_record

rules = load_rule_book()                      # the shipped rules, compiled once
timeline = timeline_from_record(record)       # or PatientTimeline.build(...) from database rows
alerts = evaluate(timeline, as_of, rules, SiteMonitoringConfig(settings={{...}}))
```

`evaluate` is pure (no I/O) and cheap per patient: the timeline indexes courses, dose eras, labs,
assessments and the diary once; the rules only read those indexes. A site's rules file (a reviewed
copy) loads with `load_rule_book(path=...)` under the same checks.

A change evaluates at once: saving one record through the monitoring service
(`spsreg.services.monitoring.save_with_alerts`, `update_with_alerts`) returns the alerts the change
created (fingerprints not there before it), and `spsreg import --alerts`
(`spsreg.services.imports.import_batch_with_alerts`) does the same for every patient an import
created or replaced.

## The alert

| field | meaning |
|---|---|
| `rule_id`, `kind` | the rule that fired and its kind |
| `severity` | `info` < `warning` < `critical` (orderable) |
| `patient_id`, `site_id` | whose alert it is |
| `title`, `message` | the rule's wording, filled from the triggering data |
| `rationale` | the triggering data (drug, doses, dates, values) as a small mapping |
| `action` | what the clinician is asked to consider |
| `citations` | the rule's sources plus those of the cited numbers it used |
| `due` | when action is due (reminders and overdue checks), else empty |
| `fingerprint` | hash of rule, patient and rationale, **not** of the evaluation date |

Alerts are ordered most severe first, then by due date, patient and rule. Evaluating again gives
identical alerts; an acknowledgement can be matched by fingerprint and becomes void when the data
behind the alert change (the fingerprint changes). No alert is raised for a patient after death.
"""


def _first_paragraph(text: str | None) -> str:
    return " ".join((text or "").strip().split("\n\n")[0].split())


def _cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _citation(citation: Citation) -> str:
    reference = _cell(citation.reference)
    text = f"[{reference}]({citation.url})" if citation.url else reference
    return f"{text} ({citation.level.value})"


def _parameters(rule: MonitoringRule) -> str:
    data = rule.parameters.model_dump(mode="json", exclude_defaults=True)
    return _cell(", ".join(f"{key}: {_compact(value)}" for key, value in data.items()))


def _compact(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_compact(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_compact(v) for v in value) + "]"
    return str(value)


def _kinds(book: RuleBook) -> Iterable[str]:
    yield "## Rule kinds\n"
    yield "Each kind is code in `src/spsreg/monitoring/kinds/`; a new rule of an existing kind is data only.\n"
    used: dict[str, list[str]] = {}
    for rule in book.rules.rules:
        used.setdefault(rule.kind, []).append(rule.id)
    for name, kind in KINDS.items():
        doc = _first_paragraph(sys.modules[kind.__module__].__doc__)
        rules = ", ".join(f"`{r}`" for r in used.get(name, []))
        yield f"- **`{name}`**: {doc} Rules: {rules or 'none'}."
    yield ""


def _rules(book: RuleBook) -> Iterable[str]:
    yield "## Rules\n"
    yield "| rule | kind | severity | title | parameters | site settings |"
    yield "|---|---|---|---|---|---|"
    for rule in book.rules.rules:
        settings = ", ".join(f"`{name}`" for name in rule.settings) or "-"
        yield (
            f"| `{rule.id}` | {rule.kind} | {rule.severity.value} | {_cell(rule.title)} | "
            f"{_parameters(rule)} | {settings} |"
        )
    yield ""
    yield "### Sources and wording of each rule\n"
    for rule in book.rules.rules:
        yield f"#### `{rule.id}`\n"
        yield f"- Message: {_cell(rule.message)}"
        yield f"- Action: {_cell(rule.action)}"
        for citation in rule.citations:
            yield f"- Source: {_citation(citation)}"
        yield ""


def _settings(book: RuleBook) -> Iterable[str]:
    yield "## Site settings (not clinical facts)\n"
    yield (
        "No stored source gives these thresholds. Each default is the shipped starting point, a "
        "**site setting**; a site overrides it with "
        "`SiteMonitoringConfig(settings={rule_id: {setting: value}})` (checked against the bounds "
        "below) or switches a rule off with `disabled_rules`.\n"
    )
    yield "| rule | setting | default (site setting) | allowed | unit | meaning |"
    yield "|---|---|---|---|---|---|"
    for rule in book.rules.rules:
        for name, setting in rule.settings.items():
            low = "-" if setting.minimum is None else f"{setting.minimum:g}"
            high = "-" if setting.maximum is None else f"{setting.maximum:g}"
            yield (
                f"| `{rule.id}` | `{name}` | {setting.default:g} | {low} to {high} | "
                f"{_cell(setting.unit)} | {_cell(setting.description)} |"
            )
    yield ""


def _unverified(book: RuleBook) -> Iterable[str]:
    yield "## Deliberately not a rule (UNVERIFIED)\n"
    yield (
        "These facts have no stored source (see the clinical reference's UNVERIFIED list), so no "
        "rule encodes them as a fact:\n"
    )
    for gap in book.rules.unverified:
        yield f"- `{gap.field}`: {_cell(gap.note)}"
    yield ""


def render_monitoring_markdown(book: RuleBook | None = None) -> str:
    book = book if book is not None else load_rule_book()
    lines = [_HEADER, *_kinds(book), *_rules(book), *_settings(book), *_unverified(book)]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_monitoring_markdown())
