"""Random criteria trees over a small synthetic cohort: the SQL engine (SQLite) and the in-memory
reference engine agree on every patient's verdict for every criterion, missing data included."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spsreg.domain import PatientRecord
from spsreg.query import MemoryEngine, SqlEngine, Verdict, parse_criteria
from spsreg.store import Actor, Registry, Role, create_engine_for, migrate
from spsreg.synth import CohortConfig, generate_sites, iter_synthetic_patients

ADMIN = Actor("query-property", Role.ADMIN)
CONFIG = CohortConfig(patients=24, seed=11)


@pytest.fixture(scope="module")
def cohort_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[SqlEngine, list[PatientRecord]]]:
    engine = create_engine_for(f"sqlite:///{tmp_path_factory.mktemp('query') / 'registry.sqlite3'}")
    migrate(engine)
    registry = Registry(engine)
    for site in generate_sites(CONFIG):
        registry.add_site(ADMIN, site)
    records = [patient.record for patient in iter_synthetic_patients(CONFIG)]
    for record in records:
        registry.save_patient_record(ADMIN, record, reason="query property test")
    yield SqlEngine(engine), records
    engine.dispose()


windows = st.one_of(
    st.none(),
    st.builds(lambda days: {"days": days}, st.integers(0, 800)),
    st.builds(lambda months: {"months": months}, st.integers(0, 60)),
    st.builds(
        lambda start, length: {
            "start": start.isoformat(),
            "end": date.fromordinal(start.toordinal() + length).isoformat(),
        },
        st.dates(date(2015, 1, 1), date(2026, 12, 31)),
        st.integers(0, 1500),
    ),
)


def _without_none(node: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in node.items() if value is not None}


comparators = st.sampled_from(["<", "<=", ">", ">=", "=="])
leaves = st.one_of(
    st.builds(
        lambda low, span: _without_none({"kind": "age", "min_years": low, "max_years": span}),
        st.one_of(st.none(), st.integers(15, 80)),
        st.integers(0, 40).map(lambda n: n + 80),
    ),
    st.builds(lambda low: {"kind": "age", "min_years": low}, st.integers(20, 90)),
    st.builds(
        lambda sexes: {"kind": "sex", "any_of": sexes},
        st.lists(st.sampled_from(["female", "male", "unknown"]), min_size=1, max_size=2),
    ),
    st.builds(
        lambda values: {"kind": "phenotype", "any_of": values},
        st.lists(
            st.sampled_from(["classic", "partial", "sps_plus", "perm"]), min_size=1, max_size=3
        ),
    ),
    st.builds(
        lambda analyte, result, window: _without_none(
            {"kind": "antibody", "analyte": analyte, "result": result, "window": window}
        ),
        st.sampled_from(["gad65_antibody", "glyr_antibody", "amphiphysin_antibody"]),
        st.sampled_from(["positive", "negative"]),
        windows,
    ),
    st.builds(
        lambda window: _without_none(
            {
                "kind": "antibody",
                "analyte": "gad65_antibody",
                "result": "high_titre",
                "window": window,
            }
        ),
        windows,
    ),
    st.builds(
        lambda method_unit, comparator, threshold, window: _without_none(
            {
                "kind": "antibody",
                "analyte": "gad65_antibody",
                "window": window,
                "value": {
                    "method": method_unit[0],
                    "unit": method_unit[1],
                    "comparator": comparator,
                    "threshold": threshold,
                },
            }
        ),
        st.sampled_from([("ria", "nmol/L"), ("elisa", "IU/mL")]),
        comparators,
        st.sampled_from([0.02, 5.0, 20.0, 100.0, 1000.0]),
        windows,
    ),
    st.builds(
        lambda denominator, comparator: {
            "kind": "antibody",
            "analyte": "glyr_antibody",
            "titre": {
                "method": "cell_based_assay",
                "comparator": comparator,
                "denominator": denominator,
            },
        },
        st.sampled_from([10, 80, 320, 1280]),
        comparators,
    ),
    st.builds(
        lambda kind, current: {"kind": "comorbidity", "comorbidity": kind, "current": current},
        st.sampled_from(["type_1_diabetes", "anxiety", "depression", "cancer", "epilepsy"]),
        st.booleans(),
    ),
    st.builds(
        lambda drug: {"kind": "therapy", "drug": drug, "current": True},
        st.sampled_from(["diazepam", "baclofen", "ivig", "rituximab", "prednisone"]),
    ),
    st.builds(
        lambda which, window, reasons: _without_none(
            {"kind": "therapy", **which, "window": window, "stopped_for": reasons or None}
        ),
        st.sampled_from(
            [
                {"drug": "diazepam"},
                {"drug": "baclofen"},
                {"drug_class": "benzodiazepine"},
                {"drug_class": "immune_globulin"},
                {"drug_class": "corticosteroid"},
            ]
        ),
        windows,
        st.lists(
            st.sampled_from(
                ["dose_changed", "ineffective", "adverse_event", "course_completed", "unknown"]
            ),
            max_size=2,
        ),
    ),
    st.builds(
        lambda scale, comparator, value, window: _without_none(
            {
                "kind": "score",
                "scale": scale,
                "comparator": comparator,
                "value": value,
                "window": window,
            }
        ),
        st.sampled_from(["stiffness_index", "mrs", "phq9", "gad7", "t25fw"]),
        comparators,
        st.integers(0, 12),
        windows,
    ),
    st.builds(
        lambda subscore, value: {
            "kind": "score",
            "scale": "promis_global10",
            "subscore": subscore,
            "comparator": ">=",
            "value": value,
        },
        st.sampled_from(["global_physical_health_t", "global_mental_health_raw"]),
        st.integers(5, 60),
    ),
    st.builds(
        lambda kind: {"kind": "consent", "consent": kind},
        st.sampled_from(["registry", "contact_for_research", "data_reuse", "biological_sample"]),
    ),
)
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.builds(
            lambda items: {"kind": "all", "criteria": items},
            st.lists(children, min_size=1, max_size=3),
        ),
        st.builds(
            lambda items: {"kind": "any", "criteria": items},
            st.lists(children, min_size=1, max_size=3),
        ),
        st.builds(lambda item: {"kind": "not", "criterion": item}, children),
    ),
    max_leaves=6,
)


@settings(max_examples=100)
@given(criteria=trees, as_of=st.dates(date(2016, 1, 1), date(2027, 6, 30)))
def test_sql_and_memory_engines_agree(
    cohort_store: tuple[SqlEngine, list[PatientRecord]], criteria: dict[str, Any], as_of: date
) -> None:
    sql_engine, records = cohort_store
    cohort = parse_criteria({"criteria": criteria})
    reference = MemoryEngine().evaluate(cohort, records, as_of=as_of)
    in_database = sql_engine.evaluate(cohort, ADMIN, as_of=as_of)
    assert in_database.patients == reference.patients
    assert len(reference.patients) == CONFIG.patients
    for patient in reference.patients:
        assert (patient.verdict is Verdict.UNDETERMINED) == bool(patient.missing)
