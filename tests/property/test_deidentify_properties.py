"""Properties of de-identification over generated records.

Every date of a record moves by the same number of days (so every interval between two dates of the
record is preserved exactly), that shift is never zero and never beyond the policy bound, the output
is a valid record, the same key gives the same output and free text never survives.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise
from typing import Any

from domain_strategies import patient_identifiers, patient_records
from hypothesis import given
from hypothesis import strategies as st

from spsreg.domain.record import PatientRecord
from spsreg.privacy.dates import date_offset_days
from spsreg.privacy.deidentify import DeidentificationPolicy, deidentify_record
from spsreg.privacy.keys import ExportKey

POLICY = DeidentificationPolicy(as_of=date(2041, 1, 1), max_shift_days=365)
keys = st.binary(min_size=32, max_size=32).map(ExportKey)


def _dates(value: Any) -> list[date]:
    if isinstance(value, date):
        return [value]
    if isinstance(value, dict):
        return [d for item in value.values() for d in _dates(item)]
    if isinstance(value, list | tuple):
        return [d for item in value for d in _dates(item)]
    return []


def _record_dates(record: PatientRecord) -> list[date]:
    return _dates(record.model_dump(mode="python", exclude={"identifiers"}))


@given(record=patient_records(max_items=3), key=keys)
def test_every_interval_is_preserved_exactly(record: PatientRecord, key: ExportKey) -> None:
    result = deidentify_record(record, key, POLICY)
    before, after = _record_dates(record), _record_dates(result)
    assert len(before) == len(after)
    shifts = {(new - old).days for old, new in zip(before, after, strict=True)}
    if before:
        assert shifts == {date_offset_days(key, record.patient.id)}
    for (a, b), (c, d) in zip(pairwise(before), pairwise(after), strict=True):
        assert b - a == d - c


@given(record=patient_records(max_items=2), key=keys, other=keys)
def test_same_key_same_output_other_key_unlinkable(
    record: PatientRecord, key: ExportKey, other: ExportKey
) -> None:
    first = deidentify_record(record, key, POLICY)
    assert deidentify_record(record, key, POLICY) == first
    if other != key:
        second = deidentify_record(record, other, POLICY)
        assert second.patient.pseudonym != first.patient.pseudonym
        assert not {i for _, i in first.record_ids()} & {i for _, i in second.record_ids()}


@given(record=patient_records(max_items=2), key=keys, data=st.data())
def test_identifiers_and_free_text_never_survive(
    record: PatientRecord, key: ExportKey, data: st.DataObject
) -> None:
    identifiers = data.draw(patient_identifiers(record.patient.birth_year_month))
    record = record.model_copy(update={"identifiers": identifiers})
    result = deidentify_record(record, key, POLICY)
    assert result.identifiers is None
    patient = result.patient
    assert patient.genetic_diagnosis is None and patient.biobank_link is None
    assert patient.functioning_classification is None
    assert all(lab.laboratory is None for lab in result.lab_results)
    assert all(pump.device is None for pump in result.pumps)
    assert all(marker.method is None for marker in result.genetic_markers)
    # nothing of the identifiers reaches the output: it is the same as without them
    assert result == deidentify_record(record.model_copy(update={"identifiers": None}), key, POLICY)
