"""The PHI canary through the store and every export format: a patient with a distinctive value
planted in every identifier and free-text field class (names, hospital number, address, phone,
e-mail, registry id, pseudonym, site id, laboratory, device serial, clinical notes) is saved, and
a de-identified export in each format (native JSON-lines and CSV, FHIR Bundle and NDJSON, OMOP)
must contain none of it, nor the full date of birth, in any file it writes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from record_examples import PHI_CANARY, phi_canary_record
from sqlalchemy import Engine

from spsreg.domain import Site
from spsreg.export.deidentified import export_deidentified
from spsreg.export.service import ExportFormat
from spsreg.store import Actor, Registry, Role

ADMIN = Actor("registry-admin", Role.ADMIN)
AS_OF = date(2026, 10, 31)
CANARY_SITE = Site(id="xq9-site-hospital", name="Xq9 General Hospital", country="GB")


@pytest.fixture
def canary_registry(engine: Engine) -> Registry:
    registry = Registry(engine)
    registry.add_site(ADMIN, CANARY_SITE)
    record = phi_canary_record()
    registry.save_patient_record(ADMIN, record, reason="PHI canary")
    return registry


def every_written_byte(out: Path) -> str:
    """All files the export wrote: the directory's files (recursively) or the file and the
    k-anonymity report beside it."""
    if out.is_dir():
        files = sorted(path for path in out.rglob("*") if path.is_file())
    else:
        files = [out, *sorted(out.parent.glob(f"{out.name}.*"))]
    assert files, f"the export wrote nothing at {out}"
    return "\n".join(file_text(path) for path in files)


def file_text(path: Path) -> str:
    """A file's content as text; a Parquet file is decoded first (its pages are compressed, so
    its bytes would hide a leak)."""
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return repr(pq.read_table(path).to_pylist())
    return path.read_bytes().decode("utf-8", errors="replace")


@pytest.mark.parametrize("export_format", list(ExportFormat), ids=lambda f: f.value)
def test_no_planted_identifier_leaves_in_any_deidentified_export_format(
    canary_registry: Registry, tmp_path: Path, export_format: ExportFormat
) -> None:
    record = phi_canary_record()
    assert record.identifiers is not None
    out = tmp_path / ("export" if export_format.writes_directory else "export.out")

    summary = export_deidentified(canary_registry, ADMIN, export_format, out, as_of=AS_OF, k_min=1)

    assert summary.patients == 1
    text = every_written_byte(out).lower()
    assert PHI_CANARY not in text
    assert record.identifiers.date_of_birth.isoformat() not in text
    assert "example.org" not in text
