"""The fast reading of diary entries and assessments gives exactly what the general reader gives."""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import pytest

from spsreg.export.fhir_common import Profile
from spsreg.export.fhir_resources import patient_resources
from spsreg.ingest.fhir_native_profile import FhirProfileError, record_from_spsreg_resources
from spsreg.ingest.fhir_profile_element import Element
from spsreg.ingest.fhir_profile_fast import read_assessment_fast, read_diary_entry_fast
from spsreg.ingest.fhir_profile_observations import read_assessment, read_diary_entry
from spsreg.ingest.fhir_profile_parts import Part
from spsreg.ingest.strict_json import BadJson, load_json
from spsreg.synth import CohortConfig, iter_synthetic_patients

_READERS = {
    Profile.DIARY_ENTRY: (read_diary_entry_fast, read_diary_entry),
    Profile.ASSESSMENT: (read_assessment_fast, read_assessment),
}


def _resources() -> list[tuple[str, dict[str, Any], str]]:
    """(profile, resource, patient FHIR id) of every diary entry and assessment of a cohort."""
    found = []
    for synthetic in iter_synthetic_patients(CohortConfig(patients=6, years=2, seed=5)):
        resources = json.loads(json.dumps(patient_resources(synthetic.record)))
        patient_fid = resources[0]["id"]
        for resource in resources:
            profile = resource.get("meta", {}).get("profile", [None])[0]
            if profile in _READERS:
                found.append((profile, resource, patient_fid))
    return found


def _general(profile: str, resource: dict[str, Any], patient_fid: str) -> tuple[Part, list[Any]]:
    element = Element.resource(3, resource)
    part = _READERS[profile][1](element, patient_fid)
    return part, element.tracker.unmapped()


def _same(fast: Part, general: Part) -> None:
    for name in ("section", "fid", "order", "parent", "fields", "paths"):
        assert getattr(fast, name) == getattr(general, name), name
    assert [type(v) for v in fast.fields.values()] == [type(v) for v in general.fields.values()]
    assert (fast.element.index, fast.element.path) == (general.element.index, general.element.path)


def test_exported_diary_entries_and_assessments_are_read_fast_and_the_same() -> None:
    resources = _resources()
    assert {profile for profile, _, _ in resources} == set(_READERS)
    for profile, resource, patient_fid in resources:
        fast = _READERS[profile][0](3, resource, patient_fid)
        assert fast is not None
        general, unmapped = _general(profile, resource, patient_fid)
        assert unmapped == []
        _same(fast, general)


_ODD_VALUES: list[Any] = [None, True, 0, 2.5, "", "x", "2022-02-30", [], {}, [{}], {"url": "u"}]


def test_any_unusual_shape_is_left_to_the_general_reader() -> None:
    """A fast result is only ever given where the general reader agrees and leaves nothing unread."""
    rng = random.Random(11)
    fast_results = 0
    for profile, resource, patient_fid in _resources()[:120]:
        for _ in range(20):
            changed = copy.deepcopy(resource)
            holder: Any = changed
            while True:
                key = rng.choice(list(holder) if isinstance(holder, dict) else range(len(holder)))
                if (
                    not isinstance(holder[key], dict | list)
                    or not holder[key]
                    or rng.random() < 0.4
                ):
                    break
                holder = holder[key]
            if isinstance(holder, dict) and rng.random() < 0.3:
                holder["extra" if rng.random() < 0.5 else "text"] = rng.choice(_ODD_VALUES)
            else:
                holder[key] = copy.deepcopy(rng.choice(_ODD_VALUES))
            fast = _READERS[profile][0](3, changed, patient_fid)
            if fast is None:
                continue
            fast_results += 1
            general, unmapped = _general(profile, changed, patient_fid)
            assert unmapped == []
            _same(fast, general)
    assert fast_results > 0


def _with_diary() -> tuple[list[dict[str, Any]], int]:
    """The resources of a synthetic patient with a diary, and the index of its first diary entry."""
    for synthetic in iter_synthetic_patients(CohortConfig(patients=20, years=2, seed=5)):
        resources = json.loads(json.dumps(patient_resources(synthetic.record)))
        for index, resource in enumerate(resources):
            if resource["meta"]["profile"][0] == Profile.DIARY_ENTRY:
                return resources, index
    raise AssertionError("no synthetic patient keeps a diary")


def test_an_extra_element_on_a_diary_component_is_still_reported_with_its_path() -> None:
    resources, index = _with_diary()
    diary = resources[index]
    diary["component"][0]["note"] = "by hand"
    unmapped = record_from_spsreg_resources(resources).unmapped
    assert [(u.index, u.item) for u in unmapped] == [(index, "Observation.component[0].note")]
    diary["component"][0]["valueInteger"] = "five"
    with pytest.raises(FhirProfileError) as problem:
        record_from_spsreg_resources(resources)
    assert problem.value.index == index
    assert problem.value.path == "Observation.component[0].valueInteger"


def test_a_modifier_extension_in_a_skipped_element_is_still_refused() -> None:
    resources, index = _with_diary()
    diary = resources[index]
    diary["code"]["modifierExtension"] = [{"url": "urn:x", "valueBoolean": True}]
    with pytest.raises(FhirProfileError, match="modifier extensions"):
        record_from_spsreg_resources(resources)


def test_the_first_repeated_key_is_named() -> None:
    with pytest.raises(BadJson, match="the key 'b' appears twice in one object"):
        load_json('{"a": {"b": 1, "c": 2, "b": 3, "c": 4}, "a": 5}')
    assert load_json('{"a": {"b": 1}, "b": [{"a": 2}]}') == {"a": {"b": 1}, "b": [{"a": 2}]}
