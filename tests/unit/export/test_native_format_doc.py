"""docs/native-format.md is exactly what the code renders."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from spsreg.export.native_doc import render_native_format_markdown

DOC = Path(__file__).resolve().parents[3] / "docs" / "native-format.md"
REGENERATE = "uv run python -m spsreg.export.native_doc > docs/native-format.md"


def test_the_committed_reference_equals_the_rendered_text() -> None:
    assert DOC.read_text(encoding="utf-8") == render_native_format_markdown(), (
        f"docs/native-format.md is out of date; regenerate it with: {REGENERATE}"
    )


def test_the_reference_names_every_table_and_column() -> None:
    text = render_native_format_markdown()
    for needle in (
        "### `assessment_responses.csv`",
        "| `dose_unit` | code | yes |",
        "## Versioning",
        "## Import semantics",
    ):
        assert needle in text


def test_the_module_entry_point_prints_the_reference() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "spsreg.export.native_doc"],
        capture_output=True,
        check=True,
        encoding="utf-8",
    )
    assert result.stdout == render_native_format_markdown()
