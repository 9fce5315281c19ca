"""docs/scales.md is generated from the definitions and must never drift from them."""

from __future__ import annotations

from pathlib import Path

from spsreg.domain.scales import SCALE_IDS, scale_definition
from spsreg.domain.scales.reference import render_scales_markdown

REPO_ROOT = Path(__file__).resolve().parents[4]
REGENERATE = "uv run python -m spsreg.domain.scales.reference > docs/scales.md"


def test_committed_reference_equals_the_rendered_definitions() -> None:
    committed = (REPO_ROOT / "docs" / "scales.md").read_text(encoding="utf-8")
    assert committed == render_scales_markdown(), f"docs/scales.md is stale; run: {REGENERATE}"


def test_the_reference_says_how_to_regenerate_it() -> None:
    assert REGENERATE in render_scales_markdown().split("## Scales")[0]


def test_every_scale_item_band_and_source_appears_in_the_reference() -> None:
    text = render_scales_markdown()
    for scale_id in SCALE_IDS:
        definition = scale_definition(scale_id)
        assert f"Scale id `{scale_id}`, version `{definition.version}`" in text
        for item_id in definition.item_ids:
            assert f"| `{item_id}` |" in text
        for band in definition.scoring.bands:
            assert f"| {band.label} |" in text
        for key in definition.sources:
            assert f"- `{key}` (" in text
