"""``spsreg generate``, ``import`` and ``export`` through the command line (embedded SQLite)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from cli_harness import Run, cli, document

from spsreg.ingest.batch import ParsedRecord
from spsreg.ingest.native_csv import read_native_csv
from spsreg.ingest.native_jsonl import read_native_jsonl
from spsreg.synth import DOCUMENT_FORMAT, DOCUMENT_VERSION

COHORT = ["--patients", "12", "--sites", "2", "--years", "2", "--seed", "7"]
AS_OF = ["--as-of", "2026-10-31"]  # the last day of the generated cohort's window


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def run(home: Path) -> Run:
    return cli(home)


def patient_ids(path: Path) -> list[str]:
    batch = read_native_jsonl(path) if path.is_file() else read_native_csv(path)
    assert batch.accepted
    records = [item for item in batch if isinstance(item, ParsedRecord)]
    return [parsed.record.patient.id for parsed in records]


def test_generate_into_the_database(run: Run, home: Path) -> None:
    run("init")

    generated = document(run("generate", *COHORT, "--format", "json"), "generate")

    assert generated["config"] == {
        "patients": 12,
        "sites": 2,
        "years": 2,
        "seed": 7,
        "end_date": "2026-10-31",
    }
    assert generated["destination"] == f"sqlite:///{home / 'spsreg.sqlite3'}"
    assert generated["patients"] == 12
    report = generated["import"]
    assert report["ok"] is True and report["created"] == 12
    assert report["sites_added"] == ["SITE-A", "SITE-B"]
    assert "ground_truth" not in generated
    listed = document(run("patients", "list", "--format", "json"), "patient-list")
    assert listed["count"] == 12


def test_generate_to_a_file_is_byte_identical_for_the_same_seed(run: Run, tmp_path: Path) -> None:
    first, second, other = tmp_path / "a.jsonl", tmp_path / "b.jsonl", tmp_path / "c.jsonl"

    summary = document(
        run("generate", *COHORT, "--out", str(first), "--format", "json"), "generate"
    )
    run("generate", *COHORT, "--out", str(second))
    run("generate", *COHORT[:-1], "8", "--out", str(other))

    assert summary["destination"] == str(first) and summary["patients"] == 12
    assert first.read_bytes() == second.read_bytes()
    assert first.read_bytes() != other.read_bytes()
    assert len(patient_ids(first)) == 12


def test_generate_writes_a_versioned_ground_truth_document(run: Run, tmp_path: Path) -> None:
    truth, again = tmp_path / "truth" / "t.json", tmp_path / "t2.json"

    summary = document(
        run(
            "generate",
            *COHORT,
            "--out",
            str(tmp_path / "c.jsonl"),
            "--truth",
            str(truth),
            "--format",
            "json",
        ),
        "generate",
    )
    run("generate", *COHORT, "--out", str(tmp_path / "d.jsonl"), "--truth", str(again))

    assert summary["ground_truth"] == str(truth)
    content = json.loads(truth.read_text(encoding="utf-8"))
    assert content["format"] == DOCUMENT_FORMAT
    assert content["format_version"] == DOCUMENT_VERSION
    assert len(content["patients"]) == 12 and content["cohort"]
    assert truth.read_bytes() == again.read_bytes()


def damaged_copy(source: Path, target: Path) -> str:
    """Copy a native file with the first course of the second patient given an unknown drug."""
    header, first, second, *rest = source.read_text(encoding="utf-8").splitlines()
    record = json.loads(second)
    record["medication_courses"][0]["drug_id"] = "diazepan"
    target.write_text(
        "\n".join([header, first, json.dumps(record), *rest]) + "\n", encoding="utf-8"
    )
    patient_id: str = record["patient"]["id"]
    return patient_id


def test_import_exits_0_when_all_is_imported_and_2_when_records_are_rejected(
    run: Run, tmp_path: Path
) -> None:
    good, bad = tmp_path / "good.jsonl", tmp_path / "bad.jsonl"
    run("generate", *COHORT, "--out", str(good))
    bad_patient = damaged_copy(good, bad)
    run("init")

    refused = run("import", str(bad), *AS_OF, "--strict", "--summary-format", "json", code=2)
    strict = document(refused, "import-report")
    assert strict["strict"] is True and strict["created"] == 0 and strict["rejected_records"] == 1

    report_file = tmp_path / "reports" / "import.json"
    report_file.parent.mkdir()
    rejected = run(
        "import", str(bad), *AS_OF, "--report", str(report_file), "--summary-format", "json", code=2
    )
    summary = document(rejected, "import-report")
    assert (summary["ok"], summary["created"], summary["rejected_records"]) == (False, 11, 1)
    assert summary["problems"] == [
        {
            "file": str(bad),
            "line": 3,
            "field": "medication_courses[0].drug_id",
            "reason": "unknown drug id 'diazepan': the knowledge pack has no such drug "
            "(did you mean 'diazepam'?)",
            "patient_id": bad_patient,
        }
    ]
    assert json.loads(report_file.read_text(encoding="utf-8")) == summary
    assert summary["source"] == str(bad) and summary["format"] == "jsonl"

    completed = document(
        run("import", str(good), *AS_OF, "--summary-format", "json"), "import-report"
    )
    assert (completed["ok"], completed["created"], completed["unchanged"]) == (True, 1, 11)

    table = run("import", str(bad), *AS_OF, code=2)
    assert "Problems (first 1 of 1)" in table.stdout
    assert "11 unchanged; 1 rejected" in " ".join(table.stdout.split())


def test_export_writes_what_the_actor_may_see(run: Run, tmp_path: Path) -> None:
    run("init")
    run("generate", *COHORT)
    site_a = [
        p["patient_id"]
        for p in document(
            run("patients", "list", "--site", "SITE-A", "--format", "json"), "patient-list"
        )["patients"]
    ]

    everything = document(
        run(
            "export",
            "--format",
            "jsonl",
            "--out",
            str(tmp_path / "all.jsonl"),
            "--summary-format",
            "json",
        ),
        "export",
    )
    own_site = document(
        run(
            "export",
            "--format",
            "csv",
            "--out",
            str(tmp_path / "site-a"),
            "--site",
            "SITE-A",
            "--summary-format",
            "json",
        ),
        "export",
    )
    chosen = document(
        run(
            "export",
            "--format",
            "jsonl",
            "--out",
            str(tmp_path / "two.jsonl"),
            "--patient",
            site_a[1],
            "--patient",
            site_a[0],
            "--summary-format",
            "json",
        ),
        "export",
    )

    assert everything == {
        "path": str(tmp_path / "all.jsonl"),
        "format": "jsonl",
        "patients": 12,
        "sites": ["SITE-A", "SITE-B"],
        "identifiers_included": 0,
    }
    assert own_site == {
        "path": str(tmp_path / "site-a"),
        "format": "csv",
        "patients": len(site_a),
        "sites": ["SITE-A"],
        "identifiers_included": len(site_a),
    }
    assert patient_ids(tmp_path / "site-a") == site_a
    assert chosen["patients"] == 2 and patient_ids(tmp_path / "two.jsonl") == site_a[1::-1]
    assert (
        "Exported 12 patients"
        in run("export", "--format", "jsonl", "--out", str(tmp_path / "t.jsonl")).stdout
    )


def test_an_export_imports_into_an_empty_registry_and_exports_identically(
    run: Run, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    run("init")
    run("generate", *COHORT)
    run("export", "--format", "jsonl", "--out", str(first), "--site", "SITE-B")

    elsewhere = cli(tmp_path / "elsewhere")
    elsewhere("init")
    imported = document(
        elsewhere("import", str(first), *AS_OF, "--summary-format", "json"), "import-report"
    )
    elsewhere("export", "--format", "jsonl", "--out", str(second), "--site", "SITE-B")

    assert imported["sites_added"] == ["SITE-B"] and imported["rejected_records"] == 0
    assert first.read_bytes() == second.read_bytes()


def test_usage_mistakes_are_clear_errors_not_tracebacks(run: Run, tmp_path: Path) -> None:
    run("init")
    run("generate", "--patients", "2", "--sites", "1", "--years", "1", "--seed", "7")
    source = tmp_path / "in.jsonl"
    source.write_text("{}\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"

    bad_date = run("import", str(source), "--as-of", "31/10/2026", code=1)
    unknown = run("export", "--format", "jsonl", "--out", str(out), "--patient", "nobody", code=1)
    unwritable = run("export", "--format", "jsonl", "--out", str(tmp_path), code=1)

    assert bad_date.stderr.startswith(
        "error: --as-of '31/10/2026' is not a date: write it as YYYY-MM-DD"
    )
    assert unknown.stderr == "error: patient nobody not found; nothing was exported\n"
    assert not out.exists()
    assert unwritable.stderr.startswith(f"error: cannot write the export to {tmp_path}:")
    assert all(r.stdout == "" for r in (bad_date, unknown, unwritable))
