"""Damaged criteria documents never crash or hang the loader: a :class:`Cohort`, or a
:class:`CriteriaError` whose every problem names its place in the document."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from fuzz_limits import bounded, damaged_bytes, junk, mutation_of
from hypothesis import example, given, settings
from hypothesis import strategies as st
from trial_screening_examples import CRITERIA_YAML

from spsreg.query.loading import CriteriaError, load_criteria, parse_criteria
from spsreg.query.model import Cohort

FUZZ = settings(deadline=None, max_examples=100)
VALID: Any = yaml.safe_load(CRITERIA_YAML)


def _outcome(call: Any) -> Cohort | CriteriaError:
    try:
        cohort = bounded(call)
    except CriteriaError as error:
        assert error.problems and all(path and message for path, message in error.problems)
        str(error).encode("utf-8")
        return error
    assert isinstance(cohort, Cohort)
    return cohort


@FUZZ
@given(mutation_of(VALID))
def test_a_mutated_document_is_a_cohort_or_a_located_error(document: Any) -> None:
    _outcome(lambda: parse_criteria(document, "fuzz"))
    _outcome(lambda: load_criteria(json.dumps(document) + "\n"))  # the same, as JSON text


@FUZZ
@given(junk | st.fixed_dictionaries({"criteria": junk}))
@example({"criteria": {"kind": "not", "criterion": {"kind": "not"}}})
def test_random_data_is_a_cohort_or_a_located_error(document: Any) -> None:
    _outcome(lambda: parse_criteria(document, "fuzz"))


@FUZZ
@given(damaged_bytes(CRITERIA_YAML.encode()) | st.binary(max_size=200))
@example(b"criteria: &a {kind: not, criterion: *a}\n")  # a YAML alias loop
@example(b"as_of: 2025-02-30\ncriteria: {kind: sex, sex: female}\n")
def test_damaged_files_are_a_cohort_or_a_located_error(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "criteria.yaml"
        path.write_bytes(content)
        _outcome(lambda: load_criteria(path))
