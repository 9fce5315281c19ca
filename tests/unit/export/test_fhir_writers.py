"""FHIR Bundle and Bulk Data NDJSON writers: layout, validity, atomic replacement."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from record_examples import full_record, minimal_record

from spsreg.domain import PatientRecord, Site
from spsreg.export.fhir_resources import patient_resources
from spsreg.export.fhir_writers import write_fhir_bundle, write_fhir_ndjson

SITES = [
    Site(id="SITE-A", name="Centre A", country="DE"),
    Site(id="SITE_B", name="B", country="FR"),
]


def _records() -> list[PatientRecord]:
    return [full_record("p-0001"), minimal_record("p-0002", site_id="SITE_B")]


def test_bundle_is_a_valid_collection_with_sites_first(tmp_path: Path) -> None:
    path = tmp_path / "export.json"
    assert write_fhir_bundle(path, SITES, iter(_records())) == 2
    text = path.read_text(encoding="utf-8")
    bundle = json.loads(text)
    Bundle.model_validate(bundle)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    entries = bundle["entry"]
    kinds = [e["resource"]["resourceType"] for e in entries]
    assert kinds[:3] == ["Organization", "Organization", "Patient"]
    expected = [r for record in _records() for r in patient_resources(record)]
    assert [e["resource"] for e in entries[2:]] == expected
    urls = [e["fullUrl"] for e in entries]
    assert len(set(urls)) == len(urls)
    assert all(url.startswith("urn:uuid:") for url in urls)


def test_bundle_full_urls_are_stable(tmp_path: Path) -> None:
    write_fhir_bundle(tmp_path / "a.json", SITES, _records())
    write_fhir_bundle(tmp_path / "b.json", SITES, _records())
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_an_empty_bundle_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    assert write_fhir_bundle(path, [], []) == 0
    bundle = json.loads(path.read_text(encoding="utf-8"))
    assert bundle == {"resourceType": "Bundle", "type": "collection"}
    Bundle.model_validate(bundle)


def _read_ndjson(directory: Path) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for path in sorted(directory.glob("*.ndjson")):
        lines = path.read_text(encoding="utf-8").splitlines()
        found[path.stem] = [json.loads(line) for line in lines]
    return found


def test_ndjson_has_one_file_per_resource_type(tmp_path: Path) -> None:
    out = tmp_path / "bulk"
    assert write_fhir_ndjson(out, SITES, iter(_records())) == 2
    files = _read_ndjson(out)
    for kind, resources in files.items():
        assert all(resource["resourceType"] == kind for resource in resources)
    assert [o["name"] for o in files["Organization"]] == ["Centre A", "B"]
    assert [p["id"] for p in files["Patient"]] == ["p-0001", "p-0002"]
    written = sorted(json.dumps(r, sort_keys=True) for rs in files.values() for r in rs)
    expected = [r for record in _records() for r in patient_resources(record)]
    assert len(written) == len(expected) + len(SITES)
    assert sorted(p.name for p in out.iterdir()) == sorted(f"{kind}.ndjson" for kind in files)


def test_ndjson_lines_are_compact_utf8(tmp_path: Path) -> None:
    site = Site(id="SITE-K", name="Zentrum Köln", country="DE")
    write_fhir_ndjson(tmp_path, [site], [])
    line = (tmp_path / "Organization.ndjson").read_text(encoding="utf-8")
    assert "Köln" in line and ", " not in line and line.endswith("}\n")


def test_stale_types_are_removed_and_other_files_kept(tmp_path: Path) -> None:
    write_fhir_ndjson(tmp_path, SITES, _records())
    assert (tmp_path / "AdverseEvent.ndjson").exists()
    (tmp_path / "README.txt").write_text("keep me", encoding="utf-8")
    write_fhir_ndjson(tmp_path, SITES, [minimal_record("p-0009")])
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["Condition.ndjson", "Organization.ndjson", "Patient.ndjson", "README.txt"]


def test_an_interrupted_export_leaves_the_previous_set_and_no_partial_files(
    tmp_path: Path,
) -> None:
    write_fhir_ndjson(tmp_path, SITES, [minimal_record("p-0001")])
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def failing() -> Iterator[PatientRecord]:
        yield full_record("p-0002")
        raise RuntimeError("database connection lost")

    with pytest.raises(RuntimeError):
        write_fhir_ndjson(tmp_path, SITES, failing())
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
