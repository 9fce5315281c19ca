"""Therapy ids of courses and procedures."""

from __future__ import annotations

import pytest

from spsreg.analysis.therapies import (
    THERAPIES,
    therapy_label,
    therapy_of_course,
    therapy_of_procedure,
)
from spsreg.domain.therapies import ProcedureKind
from spsreg.knowledge.pack import load_knowledge_pack

CONTRACT_THERAPIES = {
    "diazepam",
    "clonazepam",
    "baclofen_oral",
    "baclofen_intrathecal",
    "gabapentin",
    "tizanidine",
    "levetiracetam",
    "ivig",
    "rituximab",
    "corticosteroid",
    "plasmapheresis",
    "immunoadsorption",
    "hsct",
    "car_t",
    "botulinum_toxin",
}


def test_the_contract_therapies_are_named() -> None:
    assert set(THERAPIES) >= CONTRACT_THERAPIES
    assert [t for t, spec in THERAPIES.items() if spec.periodic] == ["ivig"]
    assert THERAPIES["plasmapheresis"].category == "procedure"
    assert THERAPIES["rituximab"].category == "immunotherapy"


def test_every_drug_of_a_therapy_is_a_knowledge_pack_drug() -> None:
    pack = load_knowledge_pack()
    known = {drug.id for drug in pack.drugs}
    for spec in THERAPIES.values():
        assert set(spec.drug_ids) <= known, spec.id


@pytest.mark.parametrize(
    ("drug", "route", "therapy"),
    [
        ("baclofen", "oral", "baclofen_oral"),
        ("baclofen", "intrathecal", "baclofen_intrathecal"),
        ("baclofen", "iv", "baclofen"),  # no named therapy for this route
        ("prednisone", "oral", "corticosteroid"),
        ("methylprednisolone", "iv", "corticosteroid"),
        ("ivig", "iv", "ivig"),
        ("ivig", "sc", "ivig"),  # any route
        ("botulinum_toxin", "im", "botulinum_toxin"),
        ("tramadol", "oral", "tramadol"),  # unlisted drugs keep their id
    ],
)
def test_therapy_of_course(drug: str, route: str, therapy: str) -> None:
    assert therapy_of_course(drug, route) == therapy


def test_therapy_of_procedure_covers_every_kind() -> None:
    assert therapy_of_procedure("plasmapheresis") == "plasmapheresis"
    assert therapy_of_procedure("botulinum_toxin_injection") == "botulinum_toxin"
    assert therapy_of_procedure("other") == "other"
    for kind in ProcedureKind:
        assert therapy_of_procedure(kind) in {*THERAPIES, "other"}


def test_labels() -> None:
    assert therapy_label("ivig") == "Intravenous immunoglobulin (IVIG)"
    assert therapy_label("tramadol") == "tramadol"
