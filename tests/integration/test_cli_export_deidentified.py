"""``spsreg export --deidentify``: the summary, the report beside the export, and refusal (exit 2)."""

from __future__ import annotations

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
