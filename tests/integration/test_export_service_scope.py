"""The export service: what leaves the registry is exactly what the actor may see.

A site's staff export their own site's patients with identifiers; an administrator exports every
site without them. An interrupted JSON-lines export leaves nothing at the target path. Exporting,
importing into an empty database and exporting again gives byte-identical files.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, delete

from spsreg.domain import PatientRecord
from spsreg.export.service import (
    NATIVE_EXPORT_FORMATS,
    ExportFormat,
    ExportSummary,
    export_records,
)
from spsreg.ingest.service import import_native_path
from spsreg.store import Actor, NotFoundError, Registry, Role
from spsreg.store.tables import SCHEMA_INFO, metadata
from spsreg.synth import CohortConfig, generate_sites, iter_synthetic_patients

CONFIG = CohortConfig(patients=8, sites=2, years=1, seed=11)
ADMIN = Actor("registry-admin", Role.ADMIN)


def staff_of(site_id: str) -> Actor:
    return Actor(f"coordinator-{site_id.lower()}", Role.COORDINATOR, site_id)


@cache
def cohort() -> tuple[PatientRecord, ...]:
    records = tuple(patient.record for patient in iter_synthetic_patients(CONFIG))
    assert {r.patient.site_id for r in records} == {"SITE-A", "SITE-B"}, "seed gives one site"
    return records


@pytest.fixture
def loaded(engine: Engine) -> Registry:
    """A registry holding the synthetic cohort (two sites, identifiers included)."""
    registry = Registry(engine)
    for site in generate_sites(CONFIG):
        registry.add_site(ADMIN, site)
    for record in cohort():
        registry.save_patient_record(ADMIN, record, reason="test cohort")
    return registry


def jsonl_content(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    header, *records = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines())
    return header, records


def by_pseudonym(records: list[PatientRecord]) -> list[PatientRecord]:
    return sorted(records, key=lambda r: r.patient.pseudonym)


def test_site_staff_export_their_own_patients_with_identifiers(
    loaded: Registry, tmp_path: Path
) -> None:
    out = tmp_path / "site-a.jsonl"

    summary = export_records(loaded, staff_of("SITE-A"), ExportFormat.JSONL, out)

    own = by_pseudonym([r for r in cohort() if r.patient.site_id == "SITE-A"])
    header, records = jsonl_content(out)
    assert [site["id"] for site in header["sites"]] == ["SITE-A"]
    assert [PatientRecord.model_validate(r) for r in records] == own
    assert all(r["identifiers"] is not None for r in records)
    assert summary == ExportSummary(out, ExportFormat.JSONL, len(own), ("SITE-A",), len(own))


def test_an_administrator_exports_every_site_without_identifiers(
    loaded: Registry, tmp_path: Path
) -> None:
    out = tmp_path / "all"

    summary = export_records(loaded, ADMIN, ExportFormat.CSV, out)

    assert summary.patients == len(cohort()) and summary.identifiers_included == 0
    assert summary.sites == ("SITE-A", "SITE-B")
    identifiers_csv = (out / "patient_identifiers.csv").read_bytes()
    assert identifiers_csv.count(b"\r\n") == 1  # the header row only
    patients_csv = (out / "patients.csv").read_text(encoding="utf-8").splitlines()
    assert len(patients_csv) == 1 + len(cohort())


def test_selected_patients_are_exported_in_the_order_asked(
    loaded: Registry, tmp_path: Path
) -> None:
    wanted = [cohort()[3].patient.id, cohort()[0].patient.id]
    out = tmp_path / "selected.jsonl"

    summary = export_records(loaded, ADMIN, ExportFormat.JSONL, out, patient_ids=tuple(wanted))

    _, records = jsonl_content(out)
    assert [r["patient"]["id"] for r in records] == wanted
    assert summary.patients == 2


def test_selecting_another_sites_patient_is_not_found_and_writes_nothing(
    loaded: Registry, tmp_path: Path
) -> None:
    other = next(r for r in cohort() if r.patient.site_id == "SITE-B").patient.id
    own = next(r for r in cohort() if r.patient.site_id == "SITE-A").patient.id
    out = tmp_path / "selected.jsonl"

    with pytest.raises(NotFoundError, match=f"patient {other} not found"):
        export_records(
            loaded, staff_of("SITE-A"), ExportFormat.JSONL, out, patient_ids=(own, other)
        )

    assert list(tmp_path.iterdir()) == []


def test_an_interrupted_jsonl_export_leaves_no_file_at_the_target(
    loaded: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "exports" / "registry.jsonl"
    real_iter = Registry.iter_patient_records

    def failing_iter(self: Registry, *args: Any, **kwargs: Any) -> Iterator[PatientRecord]:
        records = real_iter(self, *args, **kwargs)
        yield next(records)
        yield next(records)
        raise ConnectionError("database connection lost")

    monkeypatch.setattr(Registry, "iter_patient_records", failing_iter)
    with pytest.raises(ConnectionError):
        export_records(loaded, ADMIN, ExportFormat.JSONL, out)

    assert list(out.parent.iterdir()) == []  # neither the target nor a partial file

    out.write_text("an earlier, complete export\n", encoding="utf-8")
    with pytest.raises(ConnectionError):
        export_records(loaded, ADMIN, ExportFormat.JSONL, out)
    assert out.read_text(encoding="utf-8") == "an earlier, complete export\n"
    assert list(out.parent.iterdir()) == [out]


def empty_registry(engine: Engine) -> None:
    with engine.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table is not SCHEMA_INFO:
                connection.execute(delete(table))


def files_of(path: Path) -> dict[str, bytes]:
    if path.is_file():
        return {"": path.read_bytes()}
    return {child.name: child.read_bytes() for child in sorted(path.iterdir())}


@pytest.mark.parametrize("export_format", list(NATIVE_EXPORT_FORMATS))
@pytest.mark.parametrize("exporter", [ADMIN, staff_of("SITE-B")], ids=["admin", "site-b"])
def test_export_import_export_is_byte_identical(
    loaded: Registry,
    engine: Engine,
    tmp_path: Path,
    export_format: ExportFormat,
    exporter: Actor,
) -> None:
    suffix = ".jsonl" if export_format is ExportFormat.JSONL else ""
    first = tmp_path / f"first{suffix}"
    second = tmp_path / f"second{suffix}"
    export_records(loaded, exporter, export_format, first)
    empty_registry(engine)

    report = import_native_path(loaded, ADMIN, first, as_of=CONFIG.end_date)
    export_records(loaded, exporter, export_format, second)

    assert report.ok and report.created > 0
    assert files_of(first) == files_of(second)
