"""Compare two benchmark reports (``bench/results.json`` of two runs)::

    python -m bench.compare OLD.json NEW.json [--only SUBSTRING]

For every (benchmark, figure, data size) found in both, prints the old and the new value, the
unit and the change in percent, as a Markdown table grouped by benchmark; figures found in one
report only are counted at the end. ``--only`` keeps the benchmarks whose name contains it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

__all__ = ["change_percent", "comparison_lines", "main"]

Key = tuple[str, str, str]


def read_figures(path: Path) -> dict[Key, dict[str, Any]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise SystemExit(f"{path}: not a readable benchmark report ({error})") from error
    if document.get("kind") != "spsreg-benchmarks":
        raise SystemExit(f"{path}: not a benchmark report (kind {document.get('kind')!r})")
    return {(f["benchmark"], f["figure"], f["data_size"]): f for f in document["figures"]}


def change_percent(old: float, new: float) -> str:
    """The change from ``old`` to ``new`` in percent of ``old``, signed."""
    if old == new:
        return "0.0 %"
    if old == 0:
        return "n/a (old is 0)"
    return f"{100 * (new - old) / abs(old):+.1f} %"


def comparison_lines(
    old: dict[Key, dict[str, Any]], new: dict[Key, dict[str, Any]], only: str = ""
) -> list[str]:
    common = [key for key in new if key in old and only in key[0]]
    lines: list[str] = []
    benchmark = None
    for key in sorted(common, key=lambda k: (k[0], k[2], list(new).index(k))):
        if key[0] != benchmark:
            benchmark = key[0]
            lines += [
                "",
                f"## {benchmark}",
                "",
                "| figure | data size | old | new | unit | change | revisions |",
                "|---|---|---:|---:|---|---:|---|",
            ]
        before, after = old[key], new[key]
        lines.append(
            f"| {key[1]} | {key[2]} | {before['value']:,.2f} | {after['value']:,.2f} | "
            f"{after['unit']} | {change_percent(before['value'], after['value'])} | "
            f"{before.get('revision', '?')} -> {after.get('revision', '?')} |"
        )
    only_old = sum(1 for key in old if key not in new and only in key[0])
    only_new = sum(1 for key in new if key not in old and only in key[0])
    lines += [
        "",
        f"{len(common)} figures in both reports; {only_old} only in the old one, "
        f"{only_new} only in the new one (another data size or scenario).",
    ]
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__)
    parser.add_argument("old", type=Path, help="the earlier results.json")
    parser.add_argument("new", type=Path, help="the later results.json")
    parser.add_argument("--only", default="", help="only benchmarks whose name contains this")
    arguments = parser.parse_args(argv)
    lines = comparison_lines(
        read_figures(arguments.old), read_figures(arguments.new), arguments.only
    )
    sys.stdout.write("\n".join(lines).lstrip("\n") + "\n")


if __name__ == "__main__":
    main()
