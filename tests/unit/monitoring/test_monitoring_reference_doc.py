"""docs/monitoring.md is generated from the rules and must never drift from them."""

from __future__ import annotations

from pathlib import Path

from spsreg.monitoring import KINDS, load_rule_book
from spsreg.monitoring.reference import REGENERATE, render_monitoring_markdown

REPO_ROOT = Path(__file__).resolve().parents[3]


def test_committed_reference_equals_the_rendered_rules() -> None:
    committed = (REPO_ROOT / "docs" / "monitoring.md").read_text(encoding="utf-8")
    assert committed == render_monitoring_markdown(), (
        f"docs/monitoring.md is stale; run: {REGENERATE}"
    )


def test_every_kind_rule_setting_source_and_gap_appears() -> None:
    text = render_monitoring_markdown()
    book = load_rule_book()
    for kind in KINDS:
        assert f"- **`{kind}`**" in text
    for rule in book.rules.rules:
        assert f"| `{rule.id}` | {rule.kind} | {rule.severity.value} |" in text
        assert f"#### `{rule.id}`" in text
        for name in rule.settings:
            assert f"| `{rule.id}` | `{name}` |" in text
    for gap in book.rules.unverified:
        assert f"- `{gap.field}`:" in text
    assert REGENERATE in text
