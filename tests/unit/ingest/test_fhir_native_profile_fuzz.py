"""Damaged spsreg FHIR resources are refused with FhirProfileError, never another exception."""

from __future__ import annotations

import copy
import json
import random
from collections.abc import Iterator
from typing import Any

from record_examples import full_record

from spsreg.export.fhir_resources import patient_resources
from spsreg.ingest.fhir_native_profile import FhirProfileError, record_from_spsreg_resources

JUNK: list[Any] = [None, 5, -1, 2.5, "x", "", [], {}, True, [1], {"a": 1}, "2020-13-01"]


def _paths(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if path:
        yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _paths(item, (*path, n))


def test_damaged_resources_raise_only_profile_errors() -> None:
    original = json.loads(json.dumps(patient_resources(full_record())))
    rng = random.Random(20261121)
    outcomes = {"read": 0, "refused": 0}
    for _ in range(1500):
        resources = copy.deepcopy(original)
        resource = rng.choice(resources)
        path = rng.choice(list(_paths(resource)))
        parent = resource
        for step in path[:-1]:
            parent = parent[step]
        if rng.random() < 0.2:
            del parent[path[-1]]
        else:
            parent[path[-1]] = rng.choice(JUNK)
        try:
            record_from_spsreg_resources(resources)
        except FhirProfileError as problem:
            assert 0 <= problem.index < len(resources) and problem.reason
            outcomes["refused"] += 1
        else:
            outcomes["read"] += 1
    assert outcomes["refused"] > 500 and outcomes["read"] > 50
