"""docs/knowledge-pack.md lists every deliberately unencoded fact, and nothing else as one."""

from __future__ import annotations

from pathlib import Path

from spsreg.knowledge import load_knowledge_pack

DOC = Path(__file__).resolve().parents[3] / "docs" / "knowledge-pack.md"


def _table_rows() -> set[tuple[str, str, str]]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Deliberately not encoded", 1)[1]
    rows: set[tuple[str, str, str]] = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and cells[0].endswith(".yaml"):
            rows.add((cells[0], cells[1], cells[2]))
    return rows


def test_the_unencoded_table_matches_the_pack() -> None:
    in_pack = {(u.file, u.item_id, u.field) for u in load_knowledge_pack().unverified_items()}
    assert _table_rows() == in_pack
