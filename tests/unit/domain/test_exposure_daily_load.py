"""Daily doses, daily diazepam-equivalent load and dose eras, against hand-computed values."""

from __future__ import annotations

import shutil
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml

from spsreg.domain.exposure import (
    DoseEra,
    daily_amount,
    daily_diazepam_equivalent_mg,
    daily_dose_mg,
    dose_eras,
)
from spsreg.domain.medications import MedicationCourse, Route
from spsreg.domain.units import DoseUnit
from spsreg.knowledge import KnowledgePack, load_knowledge_pack, load_knowledge_pack_from
from spsreg.knowledge.pack import PACK_FILES

D = date


def course(course_id: str, drug_id: str = "diazepam", **fields: Any) -> MedicationCourse:
    """A regular oral course (5 mg three times a day from 2020-01-01) unless overridden."""
    data: dict[str, Any] = {
        "id": course_id,
        "drug_id": drug_id,
        "route": "oral",
        "intent": "symptomatic",
        "schedule": "regular",
        "dose": {"value": 5, "unit": "mg"},
        "times_per_period": 3,
        "period_days": 1,
        "start_date": D(2020, 1, 1),
    }
    data.update(fields)
    if data.get("stop_date") is not None and "stop_reason" not in fields:
        data["stop_reason"] = "dose_changed"
    return MedicationCourse.model_validate(data)


@pytest.fixture(scope="module")
def pack() -> KnowledgePack:
    return load_knowledge_pack()


# -- daily dose ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "expected_mg"),
    [
        ({}, 15.0),  # 5 mg x 3 / 1 day
        ({"dose": {"value": 10, "unit": "mg"}, "times_per_period": 1, "period_days": 2}, 5.0),
        ({"dose": {"value": 0.5, "unit": "g"}, "times_per_period": 2, "period_days": 1}, 1000.0),
        (
            {
                "drug_id": "baclofen",
                "route": "intrathecal",
                "schedule": "continuous",
                "dose": {"value": 200, "unit": "mcg"},
                "times_per_period": None,
                "period_days": None,
            },
            0.2,
        ),
        (  # IVIG 2 g/kg for 70 kg every 28 days: 140 000 mg / 28 days
            {
                "drug_id": "ivig",
                "route": "iv",
                "schedule": "cyclic_course",
                "dose": {"value": 2, "unit": "g/kg"},
                "weight_kg": 70,
                "times_per_period": None,
                "period_days": 28,
                "course_days": 2,
            },
            5000.0,
        ),
        ({"schedule": "as_needed", "times_per_period": 2}, None),  # how much was taken is unknown
        (
            {
                "drug_id": "botulinum_toxin",
                "route": "im",
                "schedule": "cyclic_course",
                "dose": {"value": 300, "unit": "U"},
                "times_per_period": None,
                "period_days": 90,
                "course_days": 1,
            },
            None,
        ),
        (
            {
                "drug_id": "rituximab",
                "route": "iv",
                "schedule": "cyclic_course",
                "dose": {"value": 375, "unit": "mg/m2"},
                "times_per_period": None,
                "period_days": 7,
                "course_days": 1,
            },
            None,
        ),
    ],
)
def test_daily_dose_mg(fields: dict[str, Any], expected_mg: float | None) -> None:
    assert daily_dose_mg(course("c", **fields)) == expected_mg


def test_non_mass_doses_keep_their_own_unit_as_daily_amount() -> None:
    botox = course(
        "b",
        "botulinum_toxin",
        route="im",
        schedule="cyclic_course",
        dose={"value": 360, "unit": "U"},
        times_per_period=None,
        period_days=90,
        course_days=1,
    )
    assert daily_amount(botox) == (4.0, DoseUnit.UNITS)


# -- daily diazepam-equivalent load --------------------------------------------------------------
def test_load_adds_benzodiazepines_in_diazepam_mg_and_ignores_other_drugs(
    pack: KnowledgePack,
) -> None:
    courses = [
        course("dz"),  # diazepam 15 mg/day -> 15
        course(
            "cz", "clonazepam", dose={"value": 0.5, "unit": "mg"}, times_per_period=2
        ),  # 1 mg/day -> 20
        course("bac", "baclofen", dose={"value": 10, "unit": "mg"}),  # not a benzodiazepine
    ]
    assert daily_diazepam_equivalent_mg(courses, D(2020, 2, 1), pack) == 35.0


def test_load_is_zero_without_an_active_benzodiazepine(pack: KnowledgePack) -> None:
    courses = [
        course("dz", stop_date=D(2020, 2, 1), stop_reason="ineffective"),
        course("bac", "baclofen"),
    ]
    assert (
        daily_diazepam_equivalent_mg(courses, D(2020, 2, 1), pack) == 0.0
    )  # stop day is not a dose day
    assert daily_diazepam_equivalent_mg(courses, D(2019, 12, 31), pack) == 0.0


@pytest.mark.parametrize(
    "unknowable",
    [
        course(
            "iv",
            route="iv",
            schedule="regular",
            dose={"value": 10, "unit": "mg"},
            times_per_period=1,
        ),
        course(
            "prn",
            "lorazepam",
            schedule="as_needed",
            dose={"value": 1, "unit": "mg"},
            times_per_period=2,
        ),
        course("mystery", "zopiclone"),
    ],
    ids=["no cited equivalence for IV diazepam", "as-needed lorazepam", "drug unknown to the pack"],
)
def test_load_is_not_available_rather_than_understated(
    pack: KnowledgePack, unknowable: MedicationCourse
) -> None:
    courses = [course("dz"), unknowable]
    assert daily_diazepam_equivalent_mg(courses, D(2020, 2, 1), pack) is None


def test_load_follows_the_selected_table(tmp_path: Path) -> None:
    data = resources.files("spsreg.knowledge") / "data"
    for name in PACK_FILES:
        shutil.copyfile(str(data / name), tmp_path / name)
    path = tmp_path / "benzodiazepine_equivalence.yaml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    document["selected_table"] = "va_dod_2021"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    va_dod = load_knowledge_pack_from(tmp_path)
    lorazepam = [
        course("lz", "lorazepam", dose={"value": 1, "unit": "mg"}, times_per_period=3)
    ]  # 3 mg/day
    assert daily_diazepam_equivalent_mg(lorazepam, D(2020, 1, 5), va_dod) == 15.0  # 2 mg ~ 10 mg
    assert (
        daily_diazepam_equivalent_mg(lorazepam, D(2020, 1, 5), load_knowledge_pack()) == 30.0
    )  # 1 mg ~ 10 mg
    document["selected_table"] = None
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    assert (
        daily_diazepam_equivalent_mg(lorazepam, D(2020, 1, 5), load_knowledge_pack_from(tmp_path))
        is None
    )


# -- dose eras ---------------------------------------------------------------------------------
def era(
    start: date, stop: date | None, dose: float | None, ids: tuple[str, ...], **kw: Any
) -> DoseEra:
    unit = kw.pop("unit", DoseUnit.MG if dose is not None else None)
    return DoseEra(
        kw.pop("drug_id", "diazepam"), kw.pop("route", Route.ORAL), start, stop, dose, unit, ids
    )


def test_a_dose_change_chain_at_the_same_daily_dose_is_one_era() -> None:
    courses = [
        course("c1", stop_date=D(2020, 3, 1)),  # 5 mg x3 = 15 mg/day
        course(
            "c2",
            start_date=D(2020, 3, 1),
            stop_date=D(2020, 5, 1),
            dose={"value": 7.5, "unit": "mg"},
            times_per_period=2,
            previous_course_id="c1",
        ),  # 15 mg/day again
        course(
            "c3",
            start_date=D(2020, 5, 1),
            dose={"value": 10, "unit": "mg"},
            previous_course_id="c2",
        ),  # 30
    ]
    assert dose_eras(courses, "diazepam") == [
        era(D(2020, 1, 1), D(2020, 5, 1), 15.0, ("c1", "c2")),
        era(D(2020, 5, 1), None, 30.0, ("c3",)),
    ]


def test_a_gap_ends_an_era_even_at_the_same_dose() -> None:
    courses = [
        course("c1", stop_date=D(2020, 2, 1), stop_reason="patient_choice"),
        course("c2", start_date=D(2020, 3, 1), stop_date=D(2020, 4, 1), stop_reason="ineffective"),
    ]
    eras = dose_eras(courses, "diazepam")
    assert eras == [
        era(D(2020, 1, 1), D(2020, 2, 1), 15.0, ("c1",)),
        era(D(2020, 3, 1), D(2020, 4, 1), 15.0, ("c2",)),
    ]
    assert [e.days for e in eras] == [31, 31]


def test_overlapping_courses_of_one_route_add_up() -> None:
    courses = [
        course("base", stop_date=D(2020, 3, 1), stop_reason="ineffective"),  # 15 mg/day
        course(
            "extra",
            start_date=D(2020, 2, 1),
            stop_date=D(2020, 2, 15),
            dose={"value": 5, "unit": "mg"},
            times_per_period=1,
        ),  # +5 mg/day
    ]
    assert dose_eras(courses, "diazepam") == [
        era(D(2020, 1, 1), D(2020, 2, 1), 15.0, ("base",)),
        era(D(2020, 2, 1), D(2020, 2, 15), 20.0, ("base", "extra")),
        era(D(2020, 2, 15), D(2020, 3, 1), 15.0, ("base",)),
    ]


def test_routes_are_never_added_together() -> None:
    courses = [
        course(
            "oral",
            "baclofen",
            dose={"value": 20, "unit": "mg"},
            stop_date=D(2021, 1, 1),
            stop_reason="ineffective",
        ),
        course(
            "itb",
            "baclofen",
            route="intrathecal",
            schedule="continuous",
            dose={"value": 150, "unit": "mcg"},
            times_per_period=None,
            period_days=None,
            start_date=D(2020, 6, 1),
        ),
    ]
    assert dose_eras(courses, "baclofen") == [
        era(D(2020, 1, 1), D(2021, 1, 1), 60.0, ("oral",), drug_id="baclofen"),
        era(D(2020, 6, 1), None, 0.15, ("itb",), drug_id="baclofen", route=Route.INTRATHECAL),
    ]
    assert [e.route for e in dose_eras(courses, "baclofen", Route.INTRATHECAL)] == [
        Route.INTRATHECAL
    ]
    assert dose_eras(courses, "diazepam") == []


def test_an_as_needed_course_is_an_era_of_unknown_dose() -> None:
    courses = [
        course("reg", stop_date=D(2020, 2, 1)),
        course(
            "prn",
            start_date=D(2020, 2, 1),
            schedule="as_needed",
            stop_date=D(2020, 3, 1),
            stop_reason="remission",
        ),
    ]
    eras = dose_eras(courses, "diazepam")
    assert eras == [
        era(D(2020, 1, 1), D(2020, 2, 1), 15.0, ("reg",)),
        era(D(2020, 2, 1), D(2020, 3, 1), None, ("prn",)),
    ]
    assert eras[1].is_active_on(D(2020, 2, 29)) and not eras[1].is_active_on(D(2020, 3, 1))


def test_a_zero_length_course_gives_no_exposure() -> None:
    assert (
        dose_eras(
            [course("same_day", stop_date=D(2020, 1, 1), stop_reason="adverse_event")], "diazepam"
        )
        == []
    )
