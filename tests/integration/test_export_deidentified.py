"""The de-identified research export: no identifier leaves, keys are fresh, intervals are kept.

A PHI canary: a synthetic cohort with identifiers is exported with de-identification and no
identifier value (names, hospital numbers, dates of birth, addresses, phones, e-mails, registry
patient ids, registry pseudonyms, site names) may appear anywhere in the written files.
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from sqlalchemy import Engine

from spsreg.domain import PatientRecord
from spsreg.export import deidentified
from spsreg.export.deidentified import K_ANONYMITY_FILE, export_deidentified
from spsreg.export.service import NATIVE_EXPORT_FORMATS, ExportFormat
from spsreg.privacy.dates import date_offset_days
from spsreg.privacy.keys import ExportKey, keyed_pseudonym
from spsreg.store import Actor, Registry, Role
from spsreg.synth import CohortConfig, generate_sites, iter_synthetic_patients

CONFIG = CohortConfig(patients=8, sites=2, years=1, seed=11)
ADMIN = Actor("registry-admin", Role.ADMIN)
STAFF_A = Actor("coordinator-site-a", Role.COORDINATOR, "SITE-A")
AS_OF = date(2026, 10, 31)


@cache
def cohort() -> tuple[PatientRecord, ...]:
    return tuple(patient.record for patient in iter_synthetic_patients(CONFIG))


@pytest.fixture
def loaded(engine: Engine) -> Registry:
    registry = Registry(engine)
    for site in generate_sites(CONFIG):
        registry.add_site(ADMIN, site)
    for record in cohort():
        registry.save_patient_record(ADMIN, record, reason="test cohort")
    return registry


def canaries() -> set[str]:
    values = {site.name for site in generate_sites(CONFIG)}
    for record in cohort():
        identifiers = record.identifiers
        assert identifiers is not None, "the generator gives identifiers"
        values |= {
            identifiers.given_name,
            identifiers.family_name,
            identifiers.hospital_number,
            identifiers.date_of_birth.isoformat(),
            record.patient.id,
            record.patient.pseudonym,
        }
        values |= {v for v in (identifiers.address, identifiers.phone, identifiers.email) if v}
    return values


def written_text(path: Path) -> str:
    files = sorted(path.iterdir()) if path.is_dir() else [path]
    siblings = sorted(path.parent.glob(f"{path.name}.*")) if path.is_file() else []
    return "\n".join(p.read_text(encoding="utf-8") for p in [*files, *siblings])


def jsonl_records(path: Path) -> list[PatientRecord]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [PatientRecord.model_validate_json(line) for line in lines[1:]]


@pytest.mark.parametrize("export_format", list(NATIVE_EXPORT_FORMATS))
@pytest.mark.parametrize("actor", [ADMIN, STAFF_A], ids=["admin", "staff"])
def test_no_identifier_value_appears_in_a_deidentified_export(
    loaded: Registry, tmp_path: Path, export_format: ExportFormat, actor: Actor
) -> None:
    out = tmp_path / ("export.jsonl" if export_format is ExportFormat.JSONL else "csv")

    summary = export_deidentified(loaded, actor, export_format, out, as_of=AS_OF, k_min=1)

    expected = sum(actor.site_id in (None, r.patient.site_id) for r in cohort())
    assert summary.patients == expected > 0
    assert summary.report_path is not None and summary.report_path.exists()
    text = written_text(out)
    assert "SITE-A" not in text and "Synthetic Road" not in text
    leaked = sorted(value for value in canaries() if value in text)
    assert leaked == []


def test_the_k_anonymity_report_is_written_beside_the_export(
    loaded: Registry, tmp_path: Path
) -> None:
    jsonl = tmp_path / "e.jsonl"
    export_deidentified(loaded, ADMIN, ExportFormat.JSONL, jsonl, as_of=AS_OF, k_min=1)
    export_deidentified(loaded, ADMIN, ExportFormat.CSV, tmp_path / "d", as_of=AS_OF, k_min=1)

    report = json.loads((tmp_path / f"e.jsonl.{K_ANONYMITY_FILE}").read_text(encoding="utf-8"))
    assert (tmp_path / "d" / K_ANONYMITY_FILE).exists()
    assert report["format"] == "spsreg-k-anonymity"
    assert report["quasi_identifiers"] == ["birth_year", "sex", "site_country", "phenotype"]
    assert sum(c["size"] for c in report["classes"]) == len(cohort())
    assert report["smallest_k"] == min(c["size"] for c in report["classes"])


def test_a_second_export_has_new_pseudonyms(loaded: Registry, tmp_path: Path) -> None:
    first, second = tmp_path / "1.jsonl", tmp_path / "2.jsonl"
    export_deidentified(loaded, ADMIN, ExportFormat.JSONL, first, as_of=AS_OF, k_min=1)
    export_deidentified(loaded, ADMIN, ExportFormat.JSONL, second, as_of=AS_OF, k_min=1)

    one = {r.patient.pseudonym for r in jsonl_records(first)}
    two = {r.patient.pseudonym for r in jsonl_records(second)}
    assert len(one) == len(two) == len(cohort())
    assert one.isdisjoint(two)


def test_intervals_between_a_patients_dates_are_preserved(
    loaded: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = ExportKey(bytes(range(32)))
    monkeypatch.setattr(deidentified, "new_export_key", lambda: key)
    out = tmp_path / "e.jsonl"
    export_deidentified(loaded, ADMIN, ExportFormat.JSONL, out, as_of=AS_OF, k_min=1)

    exported = {r.patient.pseudonym: r for r in jsonl_records(out)}
    checked = 0
    for original in cohort():
        copy = exported[keyed_pseudonym(key, original.patient.id)]
        offset = date_offset_days(key, original.patient.id)
        assert offset != 0
        visits = [v.visit_date for v in original.visits]
        shifted = [v.visit_date for v in copy.visits]
        assert [(d - visits[0]).days for d in visits] == [(d - shifted[0]).days for d in shifted]
        assert [(s - v).days for v, s in zip(visits, shifted, strict=True)] == [offset] * len(
            visits
        )
        if original.patient.onset_date and original.patient.diagnosis_date:
            assert copy.patient.onset_date and copy.patient.diagnosis_date
            assert (
                copy.patient.diagnosis_date - copy.patient.onset_date
                == original.patient.diagnosis_date - original.patient.onset_date
            )
            checked += 1
    assert checked > 0


def test_a_cohort_too_small_for_k_min_is_refused_and_nothing_is_written(
    loaded: Registry, tmp_path: Path
) -> None:
    out = tmp_path / "e.jsonl"
    csv_dir = tmp_path / "csv"

    summary = export_deidentified(
        loaded, ADMIN, ExportFormat.JSONL, out, as_of=AS_OF, k_min=len(cohort()) + 1
    )
    csv_summary = export_deidentified(
        loaded, ADMIN, ExportFormat.CSV, csv_dir, as_of=AS_OF, k_min=len(cohort()) + 1
    )

    assert summary.refused and csv_summary.refused
    assert summary.patients == 0 and summary.report_path is None
    assert summary.outcome.report.smallest_k <= len(cohort())
    assert list(tmp_path.iterdir()) == []


def test_generalisation_is_carried_into_the_records(
    loaded: Registry, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(deidentified, "new_export_key", lambda: ExportKey(bytes(range(32))))
    born_1970s = tuple(
        r.patient.id for r in cohort() if "1971-12" <= r.patient.birth_year_month <= "1974-02"
    )
    assert len(born_1970s) == 3
    out = tmp_path / "e.jsonl"

    summary = export_deidentified(
        loaded, ADMIN, ExportFormat.JSONL, out, as_of=AS_OF, k_min=2,
        quasi_identifiers=("birth_year",), patient_ids=born_1970s,
    )  # fmt: skip

    assert not summary.refused
    assert summary.outcome.generalised[0] == "birth_year: 5-year bands"
    assert summary.outcome.report.smallest_k >= 2
    records = jsonl_records(out)
    assert len(records) == 3
    assert all(r.patient.birth_year_month[-3:] == "-01" for r in records)
    assert all(int(r.patient.birth_year_month[:4]) % 5 == 0 for r in records)


def test_an_unknown_quasi_identifier_is_an_error(loaded: Registry, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="postcode"):
        export_deidentified(
            loaded, ADMIN, ExportFormat.JSONL, tmp_path / "e.jsonl", as_of=AS_OF,
            quasi_identifiers=("postcode",),
        )  # fmt: skip
    assert list(tmp_path.iterdir()) == []
