"""Importing a REDCap project into the registry (SQLite and PostgreSQL), and through the CLI."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest
from domain_strategies import example_sites

from spsreg.export.native_jsonl import header_line
from spsreg.ingest.redcap_reader import read_redcap_path
from spsreg.ingest.service import ImportReport, import_batch
from spsreg.store import Actor, NotFoundError, Registry

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "redcap"
AS_OF = date(2025, 6, 1)


def _copy(tmp_path: Path) -> Path:
    folder = tmp_path / "redcap"
    shutil.copytree(EXAMPLE, folder)
    return folder


def _import(registry: Registry, actor: Actor, folder: Path, site: str = "SITE-A") -> ImportReport:
    batch = read_redcap_path(
        folder / "records.csv",
        dictionary=folder / "data_dictionary.csv",
        mapping=folder / "mapping.yaml",
        site_id=site,
    )
    return import_batch(registry, actor, batch, "redcap", as_of=AS_OF)


def test_the_example_project_imports_and_reimports_unchanged(
    registry: Registry, clinician_a: Actor, tmp_path: Path
) -> None:
    folder = _copy(tmp_path)
    report = _import(registry, clinician_a, folder)
    assert report.ok, report.problems
    assert (report.format, report.created, report.rejected_records) == ("redcap", 2, 0)
    assert report.saved_patient_ids == ["rc-SITE-A-101", "rc-SITE-A-102"]
    assert report.unmapped_document()["by_category"] == {"redcap-field": 7}
    stored = registry.load_patient_record(clinician_a, "rc-SITE-A-101")
    assert len(stored.medication_courses) == 2 and len(stored.visits) == 2
    assert stored.identifiers is not None and stored.identifiers.given_name == "Ada"

    again = _import(registry, clinician_a, folder)
    assert (again.created, again.replaced, again.unchanged) == (0, 0, 2)


def test_a_patient_with_a_bad_value_is_rejected_whole_and_the_others_import(
    registry: Registry, clinician_a: Actor, tmp_path: Path
) -> None:
    folder = _copy(tmp_path)
    records = folder / "records.csv"
    lines = records.read_text(encoding="utf-8").split("\n")
    lines[3] = lines[3].replace(",1,1,10,1,3,", ",1,1,ten,1,3,")  # patient 101's second course
    records.write_text("\n".join(lines), encoding="utf-8")
    report = _import(registry, clinician_a, folder)
    assert (report.created, report.rejected_records) == (1, 1)
    [problem] = report.problems
    assert (problem.file, problem.line, problem.field) == (str(records), 4, "med_dose")
    with pytest.raises(NotFoundError):
        registry.load_patient_record(clinician_a, "rc-SITE-A-101")


def test_a_knowledge_pack_problem_is_located_at_the_redcap_row_and_field(
    registry: Registry, clinician_a: Actor, tmp_path: Path
) -> None:
    folder = _copy(tmp_path)
    mapping = folder / "mapping.yaml"
    mapping.write_text(
        mapping.read_text(encoding="utf-8").replace("3: baclofen", "3: baclofenn"),
        encoding="utf-8",
    )
    report = _import(registry, clinician_a, folder)
    [problem] = report.problems
    assert (problem.line, problem.field, problem.patient_id) == (8, "med_drug", "rc-SITE-A-102")
    assert "baclofenn" in problem.reason
    assert report.created == 1


def test_another_sites_clinician_cannot_import_into_site_a(
    registry: Registry, clinician_b: Actor, tmp_path: Path
) -> None:
    report = _import(registry, clinician_b, _copy(tmp_path))
    assert report.created == 0 and report.rejected_records == 2


def test_the_cli_imports_a_redcap_project(tmp_path: Path) -> None:
    from cli_harness import cli, document  # the whole CLI, imported only by this test

    run = cli(tmp_path / "home")
    run("init")
    sites = tmp_path / "sites.jsonl"
    sites.write_text(header_line(example_sites()) + "\n", encoding="utf-8")
    run("import", str(sites))
    folder = _copy(tmp_path)
    arguments = [
        "import",
        str(folder / "records.csv"),
        "--format",
        "redcap",
        "--dictionary",
        str(folder / "data_dictionary.csv"),
        "--mapping",
        str(folder / "mapping.yaml"),
        "--into-site",
        "SITE-A",
        "--as-of",
        "2025-06-01",
    ]
    summary = document(run(*arguments, "--summary-format", "json"), "import-report")
    assert (summary["format"], summary["created"], summary["ok"]) == ("redcap", 2, True)
    assert summary["unmapped"]["total"] == 7
    assert "visit_notes" in {item["item"] for item in summary["unmapped"]["items"]}
    table = run(*arguments)
    assert "0 new and 0 replaced patients; 2 unchanged" in " ".join(table.stdout.split())
    assert "redcap-field" in table.stdout
