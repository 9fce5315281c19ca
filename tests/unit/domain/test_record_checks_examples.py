"""The shared example records are clinically valid, so tests that use them as good input test
what they claim to test."""

from __future__ import annotations

from datetime import date

from record_examples import full_record, minimal_record

from spsreg.domain.record_checks import check_patient_record


def test_the_full_example_record_passes_every_record_check() -> None:
    assert check_patient_record(full_record(), as_of=date(2026, 11, 1)) == []


def test_the_minimal_example_record_passes_every_record_check() -> None:
    assert check_patient_record(minimal_record(), as_of=date(2026, 11, 1)) == []
