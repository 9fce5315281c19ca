"""CohortFilter keeps whole patients; json helpers give stable JSON-ready values."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np
import pandas as pd
import pytest
from frames_builders import (
    adverse_event_row,
    build_frames,
    comorbidity_row,
    course_row,
    outcome_row,
    patient_row,
    synthetic_frames,
    therapy_event_row,
)
from pydantic import ValidationError

from spsreg.analysis.cohort import CohortFilter, frame_document, json_value
from spsreg.analysis.frames import FRAME_NAMES, CohortFrames, empty_frames


def hand_cohort() -> CohortFrames:
    return build_frames(
        730,
        patients=[
            patient_row("p1", site_id="SITE-A", phenotype="classic", gad65_status="high_titre"),
            patient_row(
                "p2",
                site_id="SITE-B",
                phenotype="perm",
                glyr_status="positive",
                gad65_status="negative",
            ),
            patient_row("p3", site_id="SITE-A", phenotype="sps_plus", gad65_status="positive"),
            patient_row(
                "p4",
                site_id="SITE-C",
                phenotype=None,
                gad65_status="unknown",
                glyr_status="unknown",
            ),
        ],
        outcomes=[outcome_row(p, "stiffness_index", 10, 3.0) for p in ("p1", "p2", "p3", "p4")],
        courses=[
            course_row("p1", "c1", "ivig", 100, 400, "dose_changed"),
            course_row("p1", "c2", "ivig", 400, previous_course_id="c1"),  # a dose change
            course_row("p3", "c3", "rituximab", 500, 515, "course_completed"),
            course_row("p4", "c4", "diazepam", 20, intent="symptomatic", route="oral"),
        ],
        therapy_events=[
            therapy_event_row("p2", "plasmapheresis", 300, "procedure_start", "pe1"),
            therapy_event_row("p3", "rituximab", 500, "administration", "c3"),
        ],
        adverse_events=[adverse_event_row("p3", "ae1", 501, suspected_course_ids=("c3",))],
        comorbidities=[
            comorbidity_row("p1", "type_1_diabetes", 0),
            comorbidity_row("p2", "thyroid_autoimmunity", None),
            comorbidity_row("p3", "type_1_diabetes", 800),  # after the analysis date
        ],
    )


def kept(criteria: CohortFilter) -> list[str]:
    return list(criteria.apply(hand_cohort()).patients["patient_id"])


def test_empty_filter_selects_everyone_and_returns_the_frames_unchanged() -> None:
    frames = hand_cohort()
    assert CohortFilter().selects_everyone
    assert CohortFilter().apply(frames) is frames
    assert CohortFilter().describe() == "All patients"


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        (CohortFilter(sites=("SITE-A",)), ["p1", "p3"]),
        (CohortFilter(phenotypes=("perm", "sps_plus")), ["p2", "p3"]),
        (CohortFilter(gad65_status=("high_titre",)), ["p1"]),
        (CohortFilter(gad65_status=("high_titre", "positive")), ["p1", "p3"]),
        (CohortFilter(glyr_status=("positive",)), ["p2"]),
        (CohortFilter(comorbidities=("type_1_diabetes",)), ["p1"]),  # p3's is after as_of
        (CohortFilter(comorbidities=("type_1_diabetes", "thyroid_autoimmunity")), ["p1", "p2"]),
        (CohortFilter(sites=("SITE-A",), gad65_status=("positive",)), ["p3"]),
        (CohortFilter(sites=("SITE-Z",)), []),
    ],
)
def test_each_criterion_selects_the_right_patients(
    criteria: CohortFilter, expected: list[str]
) -> None:
    assert kept(criteria) == expected


@pytest.mark.parametrize(
    ("criteria", "expected"),
    [
        # p1 started IVIG on day 100 (2022-04-11); its dose change on day 400 is not a start
        (CohortFilter(start_from=date(2022, 4, 11), start_to=date(2022, 4, 11)), ["p1"]),
        (CohortFilter(start_from=date(2023, 1, 1), start_to=date(2023, 3, 1)), []),
        # procedures count by their start: p2's plasmapheresis on day 300 (2022-10-28)
        (CohortFilter(start_from=date(2022, 10, 1), start_to=date(2022, 11, 30)), ["p2"]),
        (CohortFilter(start_from=date(2023, 5, 1)), ["p3"]),
        (CohortFilter(start_to=date(2022, 1, 31)), ["p4"]),
        (CohortFilter(therapies=("ivig", "plasmapheresis")), ["p1", "p2"]),
        (CohortFilter(therapies=("ivig",), start_from=date(2022, 5, 1)), []),
    ],
)
def test_therapy_start_period(criteria: CohortFilter, expected: list[str]) -> None:
    assert kept(criteria) == expected


def test_every_frame_holds_exactly_the_selected_patients_with_types_kept() -> None:
    frames = hand_cohort()
    selected = CohortFilter(sites=("SITE-A",)).apply(frames)
    for name in FRAME_NAMES:
        original, subset = getattr(frames, name), getattr(selected, name)
        assert set(subset["patient_id"]) <= {"p1", "p3"}
        assert list(subset.dtypes) == list(original.dtypes)
        expected = original.loc[original["patient_id"].isin(["p1", "p3"])].reset_index(drop=True)
        pd.testing.assert_frame_equal(subset, expected)
    assert selected.as_of == frames.as_of
    assert list(selected.adverse_events["event_id"]) == ["ae1"]


def test_filter_on_a_synthetic_cohort() -> None:
    frames = synthetic_frames()
    site = sorted(frames.patients["site_id"])[0]
    selected = CohortFilter(sites=(site,)).apply(frames)
    ids = set(frames.patients.loc[frames.patients["site_id"] == site, "patient_id"])
    assert set(selected.patients["patient_id"]) == ids
    for name in FRAME_NAMES:
        original, subset = getattr(frames, name), getattr(selected, name)
        assert len(subset) == int(original["patient_id"].isin(ids).sum())
        assert list(subset.dtypes) == list(original.dtypes)


def test_describe_in_plain_words() -> None:
    criteria = CohortFilter(
        sites=("SITE-A", "SITE-B"),
        phenotypes=("sps_plus",),
        gad65_status=("high_titre",),
        comorbidities=("type_1_diabetes",),
        therapies=("ivig",),
        start_from=date(2024, 1, 1),
        start_to=date(2024, 12, 31),
    )
    assert criteria.describe() == (
        "Patients: site one of SITE-A, SITE-B; phenotype sps plus; GAD65 antibody high titre; "
        "with type 1 diabetes recorded; started Intravenous immunoglobulin (IVIG) from "
        "2024-01-01 to 2024-12-31"
    )
    assert CohortFilter(start_to=date(2024, 1, 1)).describe() == (
        "Patients: started a therapy on or before 2024-01-01"
    )


def test_invalid_filters_are_refused() -> None:
    with pytest.raises(ValidationError):
        CohortFilter(phenotypes=("stiff_toe",))
    with pytest.raises(ValidationError):
        CohortFilter(gad65_status=("very_high",))
    with pytest.raises(ValidationError):
        CohortFilter(start_from=date(2024, 2, 1), start_to=date(2024, 1, 1))
    with pytest.raises(ValidationError):
        CohortFilter(site=("SITE-A",))  # type: ignore[call-arg]
    criteria = CohortFilter(sites=("SITE-A",))
    with pytest.raises(ValidationError):
        criteria.sites = ("SITE-B",)  # type: ignore[misc]


def test_the_test_builders_match_the_frames_module_types() -> None:
    built, empty = hand_cohort(), empty_frames(date(2024, 1, 1))
    for name in FRAME_NAMES:
        assert list(getattr(built, name).columns) == list(getattr(empty, name).columns)
        assert list(getattr(built, name).dtypes) == list(getattr(empty, name).dtypes), name


def test_json_value_makes_values_json_ready() -> None:
    assert json_value(pd.Timestamp("2024-03-05")) == "2024-03-05"
    assert json_value(date(2024, 3, 5)) == "2024-03-05"
    assert json_value(np.datetime64("2024-03-05")) == "2024-03-05"
    for missing in (
        None,
        pd.NaT,
        pd.NA,
        math.nan,
        np.float64("nan"),
        math.inf,
        np.datetime64("NaT"),
    ):
        assert json_value(missing) is None
    assert json_value(np.int64(3)) == 3 and type(json_value(np.int64(3))) is int
    assert json_value(np.bool_(True)) is True
    assert json_value(("c1", "c2")) == ["c1", "c2"]
    assert json_value({"a": np.float64(1.5)}) == {"a": 1.5}


def test_frame_document_of_frames_is_stable_json() -> None:
    frames = hand_cohort()
    document = frame_document(frames.adverse_events)
    assert document == [
        {
            "patient_id": "p3",
            "event_id": "ae1",
            "term": "Headache",
            "grade": 1.0,
            "onset_date": "2023-05-17",
            "resolved_date": None,
            "serious": False,
            "suspected_course_ids": ["c3"],
        }
    ]
    patients = frame_document(frames.patients)
    assert patients[3]["phenotype"] is None and patients[0]["date_of_death"] is None
    assert json.loads(json.dumps(patients)) == patients
