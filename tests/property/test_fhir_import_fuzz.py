"""Hypothesis-mutated FHIR bundles never crash the reader and never half-import a Bundle."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from spsreg.ingest.batch import ParsedRecord
from spsreg.ingest.errors import RecordError
from spsreg.ingest.fhir_reader import read_fhir_path

BUNDLE = Path(__file__).parents[1] / "fixtures" / "fhir" / "riverside-transaction.json"
BASE: dict[str, Any] = json.loads(BUNDLE.read_text(encoding="utf-8"))
PATIENTS = 2

junk = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, child in value.items():
            found += _paths(child, (*prefix, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            found += _paths(child, (*prefix, index))
    return found


ALL_PATHS = [path for path in _paths(BASE) if path]


def _mutated(path: tuple[Any, ...], replacement: Any, delete: bool) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(json.dumps(BASE))
    parent: Any = data
    for part in path[:-1]:
        parent = parent[part]
    if delete and isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent[path[-1]] = replacement
    return data


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(ALL_PATHS), junk, st.booleans())
def test_mutated_bundle_is_all_or_nothing(
    tmp_path: Path, path: tuple[Any, ...], replacement: Any, delete: bool
) -> None:
    target = tmp_path / "bundle.json"
    target.write_text(json.dumps(_mutated(path, replacement, delete)), encoding="utf-8")
    items = list(read_fhir_path(target, site_id="SITE-A"))
    records = [item for item in items if isinstance(item, ParsedRecord)]
    errors = [item for item in items if isinstance(item, RecordError)]
    assert not (records and errors), "a Bundle is imported whole or not at all"
    assert records or errors
    assert len(records) in (0, 1, PATIENTS)  # a patient may lose its resourceType, never half


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_arbitrary_bytes_never_crash(tmp_path: Path, content: bytes) -> None:
    for name in ("x.json", "x.ndjson"):
        target = tmp_path / name
        target.write_bytes(content)
        batch = read_fhir_path(target, site_id="SITE-A")
        for item in batch:
            assert isinstance(item, ParsedRecord | RecordError)
