"""``--share`` on ``spsreg stats``, ``analyze cohort`` and ``report cohort``: no small count leaves.

On a small generated cohort: every count a shared output releases is 0, suppressed (null, or
"suppressed" on a page) or above the threshold and a multiple of the rounding base; the output
carries the ``disclosure_control`` metadata; a site's own staff still get exact counts.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from cli_harness import Run, cli, document

AS_OF = ["--as-of", "2024-12-31"]
THRESHOLD = 7


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    invoke = cli(tmp_path_factory.mktemp("sharing-home"))
    invoke("init", "-f", "json")
    invoke("generate", "--patients", "16", "--sites", "2", "--years", "3", "--seed", "11")
    return invoke


def controlled(count: Any) -> bool:
    """A released count of a shared output: null, 0, or a multiple of 5 above the threshold."""
    return count is None or count == 0 or (count > THRESHOLD and count % 5 == 0)


def test_shared_stats_release_no_small_count_and_say_their_policy(run: Run) -> None:
    shared = document(run("stats", "--site", "SITE-A", "--share", "-f", "json"), "stats")
    own = document(run("stats", "--site", "SITE-A", "-f", "json"), "stats")
    table = run("stats", "--share").stdout

    counts = [c for site in shared["per_site"].values() for c in site.values()]
    counts += [c for name, c in shared["per_table"].items() if name != "sites"]
    assert counts and all(controlled(c) for c in counts)
    assert shared["disclosure_control"]["audience"] == "shared"
    assert shared["disclosure_control"]["reason"] == "marked for sharing (--share)"
    assert own["disclosure_control"]["counts"] == "exact"
    assert any(1 <= c <= THRESHOLD for c in own["per_site"]["SITE-A"].values())
    assert "Disclosure control" in table and "suppressed" in table


def test_shared_cohort_analysis_releases_controlled_counts_and_rates_from_them(run: Run) -> None:
    shared = document(run("analyze", "cohort", "--no-model", "--share", *AS_OF, "-f", "json"),
                      "analysis-cohort")  # fmt: skip

    assert shared["disclosure_control"]["counts"] == "controlled"
    assert shared["summary"] is None and controlled(shared["patients"])
    assert controlled(shared["starts"])
    for rate in shared["response_rates"]:
        assert all(controlled(rate[k]) for k in ("responders", "not_assessable"))
        if rate["responders"] is not None and rate["assessable"]:
            assert rate["rate"] == pytest.approx(rate["responders"] / rate["assessable"])
        else:
            assert rate["rate"] is None and rate["low"] is None
    for row in shared["discontinuation"]:
        assert all(controlled(row[k]) for k in ("n", "events", "censored"))
        assert "timeline" not in row and (row["n"] is not None or row["median_days"] is None)
    assert all(controlled(line["patients"]) for line in shared["lines_of_therapy"])
    assert "suppressed" in run("analyze", "cohort", "--no-model", "--share", *AS_OF).stdout


def test_a_bad_disclosure_config_is_refused(run: Run, tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text("rounding_base: 0\n", encoding="utf-8")
    failed = run("stats", "--disclosure-config", str(policy), code=1)
    assert "invalid disclosure configuration" in failed.stderr


def test_a_shared_cohort_report_shows_no_small_count_in_its_tables(
    run: Run, tmp_path: Path
) -> None:
    out = tmp_path / "shared.html"
    printed = run("report", "cohort", "--therapy", "diazepam", "--therapy", "baclofen_oral",
                  "--format", "html", "--out", str(out), "--share", *AS_OF,
                  "--summary-format", "json")  # fmt: skip
    summary = document(printed, "report")
    html = out.read_text(encoding="utf-8")

    assert summary["disclosure_control"]["audience"] == "shared" and controlled(summary["patients"])
    assert "Disclosure control" in html and "<img" not in html
    counts = [count for table in re.findall(r"<table>.*?</table>", html, re.S)
              for count in count_cells(table)]  # fmt: skip
    assert counts and all(controlled(c) for c in counts)


COUNT_COLUMNS = {"responders/assessable", "not assessable", "patients", "stopped (event)",
                 "censored"}  # fmt: skip


def count_cells(table: str) -> list[int | None]:
    """The counts of the count columns of one HTML table (None where "suppressed")."""
    columns = re.findall(r"<th scope=\"col\">([^<]*)</th>", table)
    counts: list[int | None] = []
    for row in re.findall(r"<tr>(<td>.*?)</tr>", table):
        for column, cell in zip(columns, re.findall(r"<td>([^<]*)</td>", row), strict=True):
            if column in COUNT_COLUMNS:
                counts += [None if part == "suppressed" else int(part) for part in cell.split("/")]
    return counts
