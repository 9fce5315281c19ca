"""Importing external FHIR data on SQLite and PostgreSQL: patients are saved whole, re-importing
the same files changes nothing, and a refused Bundle leaves no patient behind."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from spsreg.ingest.fhir_reader import read_fhir_path
from spsreg.ingest.service import import_batch
from spsreg.store import Actor, Registry

FIXTURES = Path(__file__).parents[1] / "fixtures" / "fhir"
AS_OF = date(2026, 10, 31)


def _import(registry: Registry, actor: Actor, path: Path) -> dict[str, object]:
    batch = read_fhir_path(path, site_id="SITE-A")
    return import_batch(registry, actor, batch, "fhir", as_of=AS_OF).to_document()


def test_bundle_and_ndjson_import_then_reimport_is_unchanged(
    registry: Registry, admin: Actor
) -> None:
    for path in (FIXTURES / "riverside-transaction.json", FIXTURES / "ndjson"):
        first = _import(registry, admin, path)
        assert (first["ok"], first["created"]) == (True, 2), first["problems"]
        unmapped = first["unmapped"]
        assert isinstance(unmapped, dict) and unmapped["total"] > 0
        again = _import(registry, admin, path)
        assert (again["created"], again["replaced"], again["unchanged"]) == (0, 0, 2)
    assert len(registry.list_patients(admin)) == 4


def test_refused_bundle_imports_no_patient(
    registry: Registry, admin: Actor, tmp_path: Path
) -> None:
    bundle = json.loads((FIXTURES / "riverside-transaction.json").read_text(encoding="utf-8"))
    bundle["entry"][8]["resource"]["status"] = 42  # Observation.status must be a code
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(bundle), encoding="utf-8")
    report = _import(registry, admin, bad)
    assert report["ok"] is False and report["created"] == 0
    assert report["rejected_records"] == 2
    assert registry.list_patients(admin) == []
