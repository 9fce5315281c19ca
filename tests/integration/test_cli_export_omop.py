"""``spsreg export --format omop``: a directory of OMOP CDM tables, plain and de-identified."""

from __future__ import annotations

import json
from pathlib import Path

from cli_harness import cli, document


def test_export_format_omop_writes_the_tables_and_the_manifest(tmp_path: Path) -> None:
    run = cli(tmp_path / "home")
    run("init")
    run("generate", "--patients", "6", "--sites", "2", "--years", "1", "--seed", "7")
    out = tmp_path / "omop"

    summary = document(
        run("export", "--format", "omop", "--out", str(out), "--summary-format", "json"), "export"
    )

    assert summary["patients"] == 6 and summary["format"] == "omop"
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["patients"] == 6
    for entry in manifest["tables"]:
        assert (out / entry["csv"]).exists() and (out / entry["parquet"]).exists()

    deid = tmp_path / "deid"
    result = run("export", "--deidentify", "--k-min", "1", "--format", "omop", "--out",
                 str(deid), "--summary-format", "json")  # fmt: skip
    assert document(result, "export")["k_anonymity"]["report"] == str(deid / "k-anonymity.json")
    assert (deid / "manifest.json").exists() and (deid / "csv" / "person.csv").exists()
