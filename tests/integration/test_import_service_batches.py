"""The import service on a batch with good and bad records, on SQLite and PostgreSQL.

The unit of import is the patient: a good record is stored whole, a bad one leaves no row in any
table (and no audit entry), and the report says where (file, line, field) and why. The batch is the
unit only for problems of the batch itself (header, site definitions) and in strict mode.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select, text

from spsreg.domain import PatientRecord, Site
from spsreg.export.native_csv import write_native_csv
from spsreg.export.native_jsonl import header_line, record_line
from spsreg.ingest import service as ingest_service
from spsreg.ingest.service import ImportReport, import_native_path
from spsreg.store import Actor, OnExisting, Registry, Role
from spsreg.store.mapping import MAPPINGS, RecordKind
from spsreg.store.tables import AUDIT_LOG, PATIENTS, SITES
from spsreg.synth import CohortConfig, iter_synthetic_patients

CONFIG = CohortConfig(patients=12, sites=1, years=1, seed=3)
AS_OF = CONFIG.end_date
COORDINATOR_A = Actor("coordinator-a", Role.COORDINATOR, "SITE-A")
ADMIN = Actor("registry-admin", Role.ADMIN)
GAD65_IN_IU = (
    "GAD65 antibody by RIA is reported in nmol/L, not IU/mL",
    "results of different assay methods are never converted into each other",
    "(suggestion: record the method that produced the result (ELISA), or the unit nmol/L)",
)
DIAZEPAN = (
    "unknown drug id 'diazepan': the knowledge pack has no such drug (did you mean 'diazepam'?)"
)


@cache
def cohort() -> tuple[PatientRecord, ...]:
    """Twelve valid synthetic patients of SITE-A, with identifiers (one year of follow-up)."""
    return tuple(patient.record for patient in iter_synthetic_patients(CONFIG))


def patient_rows(engine: Engine, patient_id: str) -> int:
    """Rows of one patient in every patient table, plus the audit entries naming the patient."""
    tables = [PATIENTS] + [
        m.table for kind, m in MAPPINGS.items() if kind is not RecordKind.PATIENT
    ]
    total = 0
    with engine.connect() as connection:
        for table in tables:
            column = table.c.id if table is PATIENTS else table.c.patient_id
            total += connection.execute(
                select(func.count()).select_from(table).where(column == patient_id)
            ).scalar_one()
        total += connection.execute(
            select(func.count()).select_from(AUDIT_LOG).where(AUDIT_LOG.c.patient_id == patient_id)
        ).scalar_one()
    return total


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def as_json(record: PatientRecord) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(record_line(record))
    return data


def write_jsonl(path: Path, sites: Sequence[Site], lines: Sequence[str]) -> Path:
    path.write_text("\n".join([header_line(sites), *lines]) + "\n", encoding="utf-8")
    return path


def import_file(registry: Registry, actor: Actor, path: Path, **options: Any) -> ImportReport:
    return import_native_path(registry, actor, path, as_of=AS_OF, **options)


@dataclass(frozen=True)
class Expected:
    """A problem the report must hold: where it is and words its reason must contain."""

    line: int
    field: str
    words: tuple[str, ...]
    patient_id: str | None


def mixed_batch(
    registry: Registry, path: Path
) -> tuple[list[PatientRecord], list[str], list[Expected]]:
    """Four good SITE-A records (lines 2-5), then seven bad records (lines 6-12).

    Returns the good records, the ids of the bad patients and the problems expected, in line
    order. The record on line 12 has two problems: the report lists both and counts one record.
    """
    records = cohort()
    good = list(records[:4])
    lines = [record_line(record) for record in good]
    bad_ids = [record.patient.id for record in records[4:11]]

    lines.append(record_line(records[4])[:-25])  # line 6: cut short, not JSON

    diazepan = as_json(records[5])  # line 7: a misspelt drug
    diazepan["medication_courses"][0]["drug_id"] = "diazepan"
    lines.append(json.dumps(diazepan))

    def gad65_ria_in_iu(data: dict[str, Any]) -> int:
        index = next(
            i
            for i, lab in enumerate(data["lab_results"])
            if lab["analyte"] == "gad65_antibody" and lab["method"] == "ria"
        )
        data["lab_results"][index]["unit"] = "IU/mL"
        return index

    gad65 = as_json(records[6])  # line 8: GAD65 antibody by RIA in the ELISA unit
    lab_index = gad65_ria_in_iu(gad65)
    lines.append(json.dumps(gad65))

    stop_before_start = as_json(records[7])  # line 9
    course = stop_before_start["medication_courses"][0]
    course["stop_date"], course["stop_reason"] = "2001-01-01", "other"
    lines.append(json.dumps(stop_before_start))

    micrograms = as_json(records[8])  # line 10: the unit alias µg for mcg
    micrograms["medication_courses"][0]["dose"]["unit"] = "µg"
    lines.append(json.dumps(micrograms, ensure_ascii=False))

    other_site = as_json(records[9])  # line 11: a SITE-B patient in a file imported by SITE-A
    other_site["patient"]["site_id"] = "SITE-B"
    lines.append(json.dumps(other_site))

    two_problems = as_json(records[10])  # line 12: both the misspelt drug and GAD65 in IU/mL
    two_problems["medication_courses"][0]["drug_id"] = "diazepan"
    two_lab_index = gad65_ria_in_iu(two_problems)
    lines.append(json.dumps(two_problems))

    write_jsonl(path, registry.list_sites(ADMIN), lines)
    expected = [
        Expected(6, "-", ("not valid JSON",), None),
        Expected(7, "medication_courses[0].drug_id", (DIAZEPAN,), bad_ids[1]),
        Expected(8, f"lab_results[{lab_index}].unit", GAD65_IN_IU, bad_ids[2]),
        Expected(
            9, "medication_courses[0]", ("stop_date (2001-01-01) is before start_date",), bad_ids[3]
        ),
        Expected(
            10, "medication_courses[0].dose.unit", ("got 'µg'", "did you mean 'mcg'?"), bad_ids[4]
        ),
        Expected(11, "-", ("cannot write data of site SITE-B",), bad_ids[5]),
        Expected(12, f"lab_results[{two_lab_index}].unit", GAD65_IN_IU, bad_ids[6]),
        Expected(12, "medication_courses[0].drug_id", (DIAZEPAN,), bad_ids[6]),
    ]
    return good, bad_ids, expected


def assert_problems(report: ImportReport, source: Path, expected: list[Expected]) -> None:
    found = sorted(report.problems, key=lambda p: (p.line, p.field))
    assert [(p.file, p.line, p.field, p.patient_id) for p in found] == [
        (str(source), e.line, e.field, e.patient_id) for e in expected
    ]
    for problem, wanted in zip(found, expected, strict=True):
        for words in wanted.words:
            assert words in problem.reason, (problem, words)


def test_good_records_are_stored_whole_and_bad_ones_leave_nothing(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    source = tmp_path / "batch.jsonl"
    good, bad_ids, expected = mixed_batch(registry, source)
    audit_before = count(engine, AUDIT_LOG)

    report = import_file(registry, COORDINATOR_A, source)

    assert (report.created, report.replaced, report.unchanged) == (4, 0, 0)
    assert report.rejected_records == 7  # records, not problems: line 12 has two
    assert len(report.problems) == 8
    assert not report.ok
    assert report.format == "jsonl" and report.source == str(source)
    assert_problems(report, source, expected)
    for record in good:
        assert registry.load_patient_record(COORDINATOR_A, record.patient.id) == record
    for patient_id in bad_ids:
        assert patient_rows(engine, patient_id) == 0, patient_id
    assert count(engine, AUDIT_LOG) == audit_before + 4
    document = report.to_document()
    assert document["rejected_records"] == 7 and document["ok"] is False
    assert len(document["problems"]) == 8


def test_strict_import_refuses_the_whole_batch_when_any_record_is_bad(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    source = tmp_path / "batch.jsonl"
    _, _, expected = mixed_batch(registry, source)
    audit_before = count(engine, AUDIT_LOG)

    report = import_file(registry, COORDINATOR_A, source, strict=True)

    assert (report.created, report.replaced, report.unchanged) == (0, 0, 0)
    assert report.rejected_records == 7 and report.strict
    assert_problems(report, source, expected)
    assert count(engine, PATIENTS) == 0
    assert count(engine, AUDIT_LOG) == audit_before


def test_strict_import_of_good_records_imports_them_all(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    records = cohort()[:5]
    source = write_jsonl(
        tmp_path / "good.jsonl", registry.list_sites(ADMIN), [record_line(r) for r in records]
    )

    report = import_file(registry, COORDINATOR_A, source, strict=True)

    assert report.ok and (report.created, report.rejected_records) == (5, 0)
    assert [registry.load_patient_record(COORDINATOR_A, r.patient.id) for r in records] == list(
        records
    )


def test_reimport_is_unchanged_and_writes_no_audit_entry(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    records = cohort()[:4]
    source = write_jsonl(
        tmp_path / "good.jsonl", registry.list_sites(ADMIN), [record_line(r) for r in records]
    )
    first = import_file(registry, ADMIN, source)
    audit_after_first = count(engine, AUDIT_LOG)

    again = import_file(registry, ADMIN, source)

    assert (first.created, first.unchanged) == (4, 0)
    assert again.ok and (again.created, again.replaced, again.unchanged) == (0, 0, 4)
    assert again.sites_added == []
    assert count(engine, AUDIT_LOG) == audit_after_first


def test_replace_overwrites_and_skip_identical_refuses_changed_content(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    records = list(cohort()[:3])
    sites = registry.list_sites(ADMIN)
    import_file(
        registry,
        COORDINATOR_A,
        write_jsonl(tmp_path / "v1.jsonl", sites, [record_line(r) for r in records]),
    )
    changed = records[1].model_copy(
        update={"patient": records[1].patient.model_copy(update={"biobank_link": "biobank:set-9"})}
    )
    source = write_jsonl(
        tmp_path / "v2.jsonl", sites, [record_line(r) for r in (records[0], changed, records[2])]
    )

    skipped = import_file(registry, COORDINATOR_A, source)
    assert (skipped.unchanged, skipped.rejected_records) == (2, 1)
    (problem,) = skipped.problems
    assert (problem.line, problem.field, problem.patient_id) == (3, "-", changed.patient.id)
    assert "already stored with different content in: patient" in problem.reason
    assert registry.load_patient_record(COORDINATOR_A, changed.patient.id) == records[1]

    replaced = import_file(registry, COORDINATOR_A, source, on_existing=OnExisting.REPLACE)
    assert replaced.ok and (replaced.replaced, replaced.unchanged) == (1, 2)
    assert registry.load_patient_record(COORDINATOR_A, changed.patient.id) == changed


@pytest.mark.parametrize("on_existing", [OnExisting.SKIP_IDENTICAL, OnExisting.REJECT])
def test_strict_import_foresees_conflicts_with_stored_patients(
    registry: Registry, engine: Engine, tmp_path: Path, on_existing: OnExisting
) -> None:
    stored, new = cohort()[0], cohort()[1]
    sites = registry.list_sites(ADMIN)
    import_file(registry, ADMIN, write_jsonl(tmp_path / "v1.jsonl", sites, [record_line(stored)]))
    changed = stored.model_copy(
        update={"patient": stored.patient.model_copy(update={"biobank_link": "biobank:set-9"})}
    )
    source = write_jsonl(tmp_path / "v2.jsonl", sites, [record_line(changed), record_line(new)])
    audit_before = count(engine, AUDIT_LOG)

    report = import_file(registry, ADMIN, source, strict=True, on_existing=on_existing)

    assert [(p.line, p.patient_id) for p in report.problems] == [(2, stored.patient.id)]
    assert "already stored" in report.problems[0].reason
    assert report.created == 0 and patient_rows(engine, new.patient.id) == 0
    assert count(engine, AUDIT_LOG) == audit_before


def test_a_conflicting_site_definition_imports_nothing(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    renamed = Site(id="SITE-A", name="Another Hospital", country="FR")
    new_site = Site(id="SITE-C", name="Site C Neurology", country="IT")
    source = write_jsonl(
        tmp_path / "sites.jsonl", [new_site, renamed], [record_line(r) for r in cohort()[:2]]
    )
    sites_before, audit_before = registry.list_sites(ADMIN), count(engine, AUDIT_LOG)

    report = import_file(registry, ADMIN, source)

    (problem,) = report.problems
    assert (problem.file, problem.line, problem.field) == (str(source), 1, "sites")
    assert "SITE-A is registered here as 'Site A Neurology'" in problem.reason
    assert "nothing was imported" in problem.reason
    assert report.created == 0 and report.sites_added == []
    assert registry.list_sites(ADMIN) == sites_before  # SITE-C was not added either
    assert count(engine, PATIENTS) == 0
    assert count(engine, AUDIT_LOG) == audit_before


def test_only_an_administrator_adds_a_site(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    new_site = Site(id="SITE-C", name="Site C Neurology", country="IT")
    source = write_jsonl(
        tmp_path / "new-site.jsonl",
        [*registry.list_sites(ADMIN), new_site],
        [record_line(cohort()[0])],
    )

    refused = import_file(registry, COORDINATOR_A, source)
    assert [(p.line, p.field) for p in refused.problems] == [(1, "sites")]
    assert "only an administrator can add it" in refused.problems[0].reason
    assert count(engine, PATIENTS) == 0 and count(engine, SITES) == 2

    added = import_file(registry, ADMIN, source)
    assert added.ok and added.sites_added == ["SITE-C"] and added.created == 1


def test_a_header_problem_imports_nothing(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    source = tmp_path / "future.jsonl"
    header = json.loads(header_line(registry.list_sites(ADMIN)))
    header["format_version"] = 99
    source.write_text(
        "\n".join([json.dumps(header), *(record_line(r) for r in cohort()[:2])]) + "\n",
        encoding="utf-8",
    )
    audit_before = count(engine, AUDIT_LOG)

    report = import_file(registry, ADMIN, source)

    assert not report.ok and report.created == 0
    assert [(p.file, p.line) for p in report.problems] == [(str(source), 1)]
    assert "format_version" in report.problems[0].reason
    assert count(engine, PATIENTS) == 0 and count(engine, AUDIT_LOG) == audit_before


def first_row_of(rows: list[list[str]], patient_id: str) -> int:
    """Index of a patient's first row in a table read with ``csv.reader`` (index 0: header)."""
    return next(i for i, row in enumerate(rows) if row[rows[0].index("patient_id")] == patient_id)


def test_a_csv_directory_imports_the_same_way(
    registry: Registry, engine: Engine, tmp_path: Path
) -> None:
    records = list(cohort()[:5])
    directory = tmp_path / "tables"
    write_native_csv(directory, registry.list_sites(ADMIN), records)
    misspelt, micrograms = records[2], records[3]
    courses_file = directory / "medication_courses.csv"
    with courses_file.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    misspelt_index = first_row_of(rows, misspelt.patient.id)
    micrograms_index = first_row_of(rows, micrograms.patient.id)
    rows[misspelt_index][rows[0].index("drug_id")] = "diazepan"
    rows[micrograms_index][rows[0].index("dose_unit")] = "µg"
    with courses_file.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)

    report = import_file(registry, COORDINATOR_A, directory)

    assert report.format == "csv" and report.source == str(directory)
    assert (report.created, report.rejected_records) == (3, 2)
    by_patient = {problem.patient_id: problem for problem in report.problems}
    assert len(report.problems) == 2
    # A cell the reader refuses is located at its table, line (header = line 1) and column.
    unit = by_patient[micrograms.patient.id]
    assert (unit.file, unit.line, unit.field) == (
        str(courses_file),
        micrograms_index + 1,
        "dose_unit",
    )
    assert "did you mean 'mcg'?" in unit.reason
    # A knowledge-pack problem, found after the record was read, is located the same way.
    drug = by_patient[misspelt.patient.id]
    assert (drug.file, drug.line, drug.field) == (
        str(courses_file),
        misspelt_index + 1,
        "drug_id",
    )
    assert drug.reason == DIAZEPAN
    for patient_id in (misspelt.patient.id, micrograms.patient.id):
        assert patient_rows(engine, patient_id) == 0
    for record in records:
        if record not in (misspelt, micrograms):
            assert registry.load_patient_record(COORDINATOR_A, record.patient.id) == record

    again = import_file(registry, COORDINATOR_A, directory, strict=True)
    assert (again.created, again.unchanged, again.rejected_records) == (0, 0, 2)
    assert patient_rows(engine, misspelt.patient.id) == 0


@pytest.mark.parametrize("strict", [False, True])
def test_progress_counts_the_records_handled(
    registry: Registry, tmp_path: Path, strict: bool
) -> None:
    source = write_jsonl(
        tmp_path / "good.jsonl", registry.list_sites(ADMIN), [record_line(r) for r in cohort()[:3]]
    )
    seen: list[int] = []

    import_file(registry, ADMIN, source, strict=strict, progress=seen.append)

    assert seen == [1, 2, 3]


def planner_statistics_rows(engine: Engine) -> int:
    """Rows of the database's planner statistics about the patients table."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            if not connection.execute(
                text("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            ).scalar_one():
                return 0
            query = "SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'patients'"
        else:
            query = "SELECT count(*) FROM pg_stats WHERE tablename = 'patients'"
        return int(connection.execute(text(query)).scalar_one())


def test_a_bulk_import_refreshes_the_planner_statistics_and_a_small_one_does_not(
    registry: Registry, engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sites = registry.list_sites(ADMIN)
    monkeypatch.setattr(ingest_service, "BULK_IMPORT_PATIENTS", 3)
    refreshed: list[int] = []
    refresh = registry.refresh_planner_statistics
    monkeypatch.setattr(
        registry, "refresh_planner_statistics", lambda: (refreshed.append(1), refresh())[1]
    )
    small = write_jsonl(tmp_path / "small.jsonl", sites, [record_line(cohort()[0])])
    assert import_file(registry, COORDINATOR_A, small).created == 1
    assert refreshed == []
    bulk = write_jsonl(tmp_path / "bulk.jsonl", sites, [record_line(r) for r in cohort()[1:4]])
    assert import_file(registry, COORDINATOR_A, bulk).created == 3
    assert refreshed == [1] and planner_statistics_rows(engine) > 0
