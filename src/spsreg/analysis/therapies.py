"""Therapies as analyses see them: a drug by a route, or a procedure, under one clinical name.

A medication course names a knowledge-pack drug and a route; a procedure names its kind. Analyses
ask about *therapies* (for example "IVIG", "intrathecal baclofen", "plasmapheresis"), so each course
and procedure is mapped to one therapy id here. Oral and intrathecal baclofen are different
therapies; prednisone and methylprednisolone are both "corticosteroid". A drug or procedure with no
entry keeps its own id as its therapy, so nothing is ever dropped for being unlisted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = [
    "THERAPIES",
    "TherapyCategory",
    "TherapySpec",
    "therapy_label",
    "therapy_of_course",
    "therapy_of_procedure",
]

TherapyCategory = Literal["symptomatic", "immunotherapy", "procedure", "adjunct"]


@dataclass(frozen=True)
class TherapySpec:
    """One therapy: which drug courses (drug id and route) or which procedure kind it covers.

    ``routes`` empty means any route of the listed drugs. ``periodic`` marks therapies given in
    repeated cycles whose effect may wear off before the next cycle (IVIG), for which the response
    analysis compares the end of each cycle with its first weeks.
    """

    id: str
    label: str
    category: TherapyCategory
    periodic: bool = False
    drug_ids: tuple[str, ...] = ()
    routes: tuple[str, ...] = ()
    procedure_kind: str | None = None


def _spec(
    id: str,
    label: str,
    category: TherapyCategory,
    *,
    drugs: tuple[str, ...] = (),
    routes: tuple[str, ...] = (),
    procedure: str | None = None,
    periodic: bool = False,
) -> TherapySpec:
    return TherapySpec(id, label, category, periodic, drugs, routes, procedure)


_SPECS: tuple[TherapySpec, ...] = (
    _spec("diazepam", "Diazepam", "symptomatic", drugs=("diazepam",)),
    _spec("clonazepam", "Clonazepam", "symptomatic", drugs=("clonazepam",)),
    _spec("lorazepam", "Lorazepam", "symptomatic", drugs=("lorazepam",)),
    _spec("baclofen_oral", "Oral baclofen", "symptomatic", drugs=("baclofen",), routes=("oral",)),
    _spec(
        "baclofen_intrathecal",
        "Intrathecal baclofen",
        "symptomatic",
        drugs=("baclofen",),
        routes=("intrathecal",),
    ),
    _spec("gabapentin", "Gabapentin", "symptomatic", drugs=("gabapentin",)),
    _spec("pregabalin", "Pregabalin", "symptomatic", drugs=("pregabalin",)),
    _spec("tizanidine", "Tizanidine", "symptomatic", drugs=("tizanidine",)),
    _spec("levetiracetam", "Levetiracetam", "symptomatic", drugs=("levetiracetam",)),
    _spec(
        "botulinum_toxin",
        "Botulinum toxin",
        "symptomatic",
        drugs=("botulinum_toxin",),
        procedure="botulinum_toxin_injection",
    ),
    _spec(
        "ivig", "Intravenous immunoglobulin (IVIG)", "immunotherapy", drugs=("ivig",), periodic=True
    ),
    _spec("rituximab", "Rituximab", "immunotherapy", drugs=("rituximab",)),
    _spec(
        "corticosteroid",
        "Corticosteroid",
        "immunotherapy",
        drugs=("prednisone", "methylprednisolone"),
    ),
    _spec(
        "mycophenolate_mofetil",
        "Mycophenolate mofetil",
        "immunotherapy",
        drugs=("mycophenolate_mofetil",),
    ),
    _spec("azathioprine", "Azathioprine", "immunotherapy", drugs=("azathioprine",)),
    _spec(
        "plasmapheresis",
        "Plasmapheresis (therapeutic plasma exchange)",
        "procedure",
        procedure="plasmapheresis",
    ),
    _spec("immunoadsorption", "Immunoadsorption", "procedure", procedure="immunoadsorption"),
    _spec("hsct", "Autologous haematopoietic stem-cell transplant", "procedure", procedure="hsct"),
    _spec("car_t", "CAR-T cell therapy", "procedure", procedure="car_t"),
    _spec(
        "itb_pump_implant",
        "Intrathecal baclofen pump implantation",
        "procedure",
        procedure="itb_pump_implant",
    ),
)

THERAPIES: Mapping[str, TherapySpec] = MappingProxyType({spec.id: spec for spec in _SPECS})
"""Every named therapy by id."""

_BY_DRUG_ROUTE: dict[tuple[str, str], str] = {
    (drug, route): spec.id for spec in _SPECS for drug in spec.drug_ids for route in spec.routes
}
_ROUTED_DRUGS: frozenset[str] = frozenset(drug for drug, _ in _BY_DRUG_ROUTE)
_BY_DRUG: dict[str, str] = {
    drug: spec.id for spec in _SPECS if not spec.routes for drug in spec.drug_ids
}
_BY_PROCEDURE: dict[str, str] = {
    spec.procedure_kind: spec.id for spec in _SPECS if spec.procedure_kind is not None
}


def therapy_of_course(drug_id: str, route: str) -> str:
    """The therapy id of a medication course of ``drug_id`` by ``route`` (else the drug id).

    Baclofen by a route other than oral or intrathecal has no named therapy and stays "baclofen".
    """
    found = _BY_DRUG_ROUTE.get((drug_id, str(route)))
    if found is not None:
        return found
    if drug_id in _ROUTED_DRUGS:
        return drug_id  # a route-specific drug by an unlisted route
    return _BY_DRUG.get(drug_id, drug_id)


def therapy_of_procedure(kind: str) -> str:
    """The therapy id of a procedure kind (else the kind itself)."""
    return _BY_PROCEDURE.get(str(kind), str(kind))


def therapy_label(therapy: str) -> str:
    """A readable name for a therapy id (the id itself when it has no entry)."""
    spec = THERAPIES.get(therapy)
    return spec.label if spec is not None else therapy
