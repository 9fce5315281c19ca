"""Render the scale reference document (docs/scales.md) from the packaged definitions.

The document is generated, never written by hand, so it cannot drift from what the scorer does;
a test compares the committed file with this output. Regenerate with::

    uv run python -m spsreg.domain.scales.reference > docs/scales.md
"""

from __future__ import annotations

import sys

from spsreg.domain.scales.definitions import SCALE_IDS, scale_definition
from spsreg.knowledge.scales import ScaleDefinition, ScaleItem, Subscore, format_number

__all__ = ["render_scale_markdown", "render_scales_markdown"]

_HEADER = """\
# Assessment scales reference

<!-- Generated from src/spsreg/knowledge/data/scales/*.yaml; do not edit by hand.
     Regenerate with: uv run python -m spsreg.domain.scales.reference > docs/scales.md -->

Generated from the scale definitions in the knowledge pack. Regenerate after changing a
definition with `uv run python -m spsreg.domain.scales.reference > docs/scales.md`; a test fails
while this file and the definitions disagree.

Each scale lists its items and permitted answers, how it is scored, its bands and tables, what
happens when items are missing, and the source of every number (by source key). Scores support
clinical decisions; they do not make them.
"""


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _keys(keys: tuple[str, ...]) -> str:
    return ", ".join(f"`{key}`" for key in keys) if keys else "-"


def _item_answers(item: ScaleItem) -> str:
    answers = item.describe_permitted()
    extras: list[str] = []
    if item.reverse_scored:
        low, high = item.value_bounds()
        assert high is not None
        extras.append(f"reversed for scoring ({format_number(low + high)} - answer)")
    if item.recode is not None:
        rules = ", ".join(
            f"{rule.low}{'' if rule.low == rule.high else f'-{rule.high}'} -> {rule.score}"
            for rule in item.recode.rules
        )
        extras.append(f"recoded for scoring: {rules} (sources: {_keys(item.recode.sources)})")
    if item.optional:
        extras.append("optional, not scored")
    if item.note:
        extras.append(item.note)
    return "; ".join([answers, *extras])


def _items_section(definition: ScaleDefinition) -> list[str]:
    lines = ["### Items", "", "| Item | Label | Permitted answers | Sources |", "|---|---|---|---|"]
    for item in definition.items:
        lines.append(
            f"| `{item.id}` | {_cell(item.label)} | {_cell(_item_answers(item))} | {_keys(item.sources)} |"
        )
    return [*lines, ""]


def _subscore_range(subscore: Subscore) -> str:
    if subscore.range is not None:
        return subscore.range.describe()
    if subscore.table:
        return f"{subscore.table[0].t_score:.1f} to {subscore.table[-1].t_score:.1f}"
    return "-"


def _subscore_content(subscore: Subscore) -> str:
    if subscore.kind == "item_sum":
        return "sum of " + ", ".join(f"`{item_id}`" for item_id in subscore.items)
    if subscore.kind == "conversion":
        return f"conversion of `{subscore.converts}` (table below)"
    return subscore.description or ""


def _conversion_table(subscore: Subscore) -> list[str]:
    lines = [f"Conversion table for `{subscore.id}`:", "", "| Raw score | T-score |", "|---|---|"]
    lines += [f"| {point.raw} | {point.t_score:.1f} |" for point in subscore.table]
    return [*lines, ""]


def _scoring_section(definition: ScaleDefinition) -> list[str]:
    scoring = definition.scoring
    lines = ["### Scoring", "", f"Method: `{scoring.method}`. {scoring.description}", ""]
    if scoring.total is not None:
        lines += [
            f"Total: {scoring.total.describe()} (sources: {_keys(scoring.total.sources)}).",
            "",
        ]
    else:
        lines += ["Total: none (the scale reports subscores only).", ""]
    if scoring.bands:
        lines += ["| Band | From | To | Sources |", "|---|---|---|---|"]
        lines += [
            f"| {_cell(band.label)} | {format_number(band.minimum)} | {format_number(band.maximum)} | {_keys(band.sources)} |"
            for band in scoring.bands
        ]
        lines.append("")
    if scoring.subscores:
        lines += ["| Subscore | Label | Computed as | Range | Sources |", "|---|---|---|---|---|"]
        lines += [
            f"| `{sub.id}` | {_cell(sub.label)} | {_cell(_subscore_content(sub))} | {_cell(_subscore_range(sub))} | {_keys(sub.sources)} |"
            for sub in scoring.subscores
        ]
        lines.append("")
        for sub in scoring.subscores:
            if sub.kind == "conversion":
                lines += _conversion_table(sub)
    for name, constant in definition.constants.items():
        unit = f" {constant.unit}" if constant.unit else ""
        lines += [
            f"Constant `{name}` = {format_number(constant.value)}{unit}: {constant.description} "
            f"(sources: {_keys(constant.sources)}).",
            "",
        ]
    return lines


def _missing_section(definition: ScaleDefinition) -> list[str]:
    rule = definition.missing_items
    basis = (
        f"sources: {_keys(rule.sources)}"
        if rule.sources
        else "registry default; no published rule found"
    )
    return [
        "### Missing items",
        "",
        f"Rule `{rule.rule}` (applies to: {rule.applies_to}; {basis}). {rule.description}",
        "",
    ]


def _sources_section(definition: ScaleDefinition) -> list[str]:
    lines = ["### Sources", ""]
    for key, citation in definition.sources.items():
        entry = f"- `{key}` ({citation.level.value}): {citation.reference}"
        if citation.url:
            entry += f" <{citation.url}>"
        if citation.note:
            entry += f" Note: {citation.note}"
        lines.append(entry)
    return [*lines, ""]


def render_scale_markdown(definition: ScaleDefinition) -> str:
    """The reference section of one scale."""
    lines = [
        f"## {definition.name}",
        "",
        f"Scale id `{definition.id}`, version `{definition.version}`.",
        "",
        definition.description,
        "",
        *_items_section(definition),
        *_scoring_section(definition),
        *_missing_section(definition),
        *_sources_section(definition),
    ]
    return "\n".join(lines)


def render_scales_markdown() -> str:
    """The whole reference document, scales in registry order."""
    contents = [f"- {scale_definition(scale_id).name} (`{scale_id}`)" for scale_id in SCALE_IDS]
    sections = [render_scale_markdown(scale_definition(scale_id)) for scale_id in SCALE_IDS]
    return "\n".join([_HEADER, "## Scales", "", *contents, "", *sections]).rstrip("\n") + "\n"


if __name__ == "__main__":
    sys.stdout.write(render_scales_markdown())
