"""``spsreg export --deidentify``: the summary, the report beside the export, and refusal (exit 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from cli_harness import cli, document


def test_deidentified_export_prints_the_k_anonymity_summary(tmp_path: Path) -> None:
    run = cli(tmp_path / "home")
    run("init")
    run("generate", "--patients", "6", "--sites", "2", "--years", "1", "--seed", "7")
    out = tmp_path / "e.jsonl"

    result = run("export", "--deidentify", "--k-min", "1", "--format", "jsonl", "--out",
                 str(out), "--summary-format", "json")  # fmt: skip

    summary = document(result, "export")
    assert summary["deidentified"] is True and summary["identifiers_included"] == 0
    assert summary["patients"] == 6
    k = summary["k_anonymity"]
    assert k["report"] == f"{out}.k-anonymity.json" and Path(k["report"]).exists()
    assert k["quasi_identifiers"] == ["birth_year", "sex", "site_country", "phenotype"]
    assert k["refused"] is False and k["smallest_k"] >= 1
    assert all(
        site.startswith("S") and site not in {"SITE-A", "SITE-B"} for site in summary["sites"]
    )
    assert "SITE-A" not in out.read_text(encoding="utf-8")


def test_a_cohort_below_k_min_is_refused_with_exit_2_and_nothing_written(tmp_path: Path) -> None:
    run = cli(tmp_path / "home")
    run("init")
    run("generate", "--patients", "3", "--sites", "1", "--years", "1", "--seed", "7")
    out = tmp_path / "csv"

    result = run("export", "--deidentify", "--format", "csv", "--out", str(out),
                 "--summary-format", "json", code=2)  # fmt: skip

    summary = document(result, "export")
    assert summary["patients"] == 0 and summary["k_anonymity"]["refused"] is True
    assert summary["k_anonymity"]["report"] is None and summary["k_anonymity"]["k_min"] == 5
    assert not out.exists()
    table = run("export", "--deidentify", "--format", "csv", "--out", str(out), code=2)
    assert "Refused" in table.stdout and not out.exists()


def test_an_unknown_quasi_identifier_is_an_error(tmp_path: Path) -> None:
    run = cli(tmp_path / "home")
    run("init")
    result = run("export", "--deidentify", "--format", "jsonl", "--out", str(tmp_path / "e"),
                 "--quasi-identifiers", "sex,postcode", code=1)  # fmt: skip
    assert "postcode" in result.stderr and not (tmp_path / "e").exists()


def test_safe_harbor_dates_keep_the_year_only(tmp_path: Path) -> None:
    run = cli(tmp_path / "home")
    run("init")
    run("generate", "--patients", "4", "--sites", "1", "--years", "1", "--seed", "7")
    out = tmp_path / "e.jsonl"

    result = run("export", "--deidentify", "--dates", "year_only", "--k-min", "1", "--format",
                 "jsonl", "--out", str(out), "--summary-format", "json")  # fmt: skip

    assert document(result, "export")["dates"] == "year_only"
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()[1:]]
    dates = [value for record in records for value in iso_dates(record)]
    assert dates and all(value[4:] == "-01-01" for value in dates)
    assert all(record["diary_entries"] == [] for record in records)
    assert all(record["patient"]["birth_year_month"].endswith("-01") for record in records)


def iso_dates(value: object) -> list[str]:
    """Every full ISO date (YYYY-MM-DD) anywhere in a JSON value."""
    if isinstance(value, dict):
        return [d for item in value.values() for d in iso_dates(item)]
    if isinstance(value, list):
        return [d for item in value for d in iso_dates(item)]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return [value]
    return []
