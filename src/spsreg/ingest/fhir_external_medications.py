"""Mapping MedicationRequest and MedicationStatement of other systems to medication courses.

A course is mapped only when every part is known with confidence: the drug is a knowledge-pack
drug (by RxNorm ingredient code, or by the pack drug's name appearing as a whole word in an RxNorm
clinical-drug name such as "Diazepam 5 MG Oral Tablet"), the dose is in a pack unit (a
``doseQuantity`` in mg, or a count of tablets times the strength written in the drug name), the
frequency is stated, and the route is one the pack allows for that drug. Otherwise the resource
is listed unmapped with the reason, so nothing is guessed.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from spsreg.domain.medications import DosingSchedule, StopReason
from spsreg.domain.units import DoseUnit
from spsreg.ingest.fhir_external_codes import RXNORM, codings, concept_text, fhir_date
from spsreg.knowledge import Drug, KnowledgePack
from spsreg.knowledge.vocabulary import Route

__all__ = ["find_pack_drug", "map_medication"]

_MASS_UNITS = {"mg": DoseUnit.MG, "mcg": DoseUnit.MCG, "ug": DoseUnit.MCG, "g": DoseUnit.G}
_UNIT_DOSE_FORMS = ("tablet", "capsule")
_COUNT_UNITS = {"", "1", "{tbl}", "{tablet}", "{capsule}", "{cap}", "tab", "tablet", "tablets",
                "capsule", "capsules", "cap"}  # fmt: skip
_STRENGTH = re.compile(r"(\d+(?:\.\d+)?)\s*(MG|MCG|G)\b(?!\s*/)", re.IGNORECASE)
_FORM_ROUTES = (
    ("oral", Route.ORAL),
    ("transdermal", Route.TRANSDERMAL),
    ("rectal", Route.RECTAL),
    ("nasal", Route.INTRANASAL),
    ("intrathecal", Route.INTRATHECAL),
    ("intravenous", Route.IV),
    ("subcutaneous", Route.SC),
    ("intramuscular", Route.IM),
)
_TIMING_CODES = {"QD": (1, 1), "BID": (2, 1), "TID": (3, 1), "QID": (4, 1)}
_PERIOD_DAYS = {"d": 1, "wk": 7}


class NotMapped(ValueError):
    """Why a medication resource is listed unmapped."""


def _part(element: dict[str, Any], name: str) -> dict[str, Any]:
    """A child element that should be an object, or an empty one when it is absent or malformed."""
    value = element.get(name)
    return value if isinstance(value, dict) else {}


def _whole_word(name: str, text: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", text, re.IGNORECASE) is not None


def find_pack_drug(concept: Any, pack: KnowledgePack) -> tuple[Drug | None, str]:
    """The pack drug a medication concept names, and the concept's text (for reasons)."""
    text = concept_text(concept)
    for coding in codings(concept):
        if coding.system == RXNORM:
            for drug in pack.drugs:
                if drug.rxnorm is not None and drug.rxnorm.rxcui == coding.code:
                    return drug, text
    names = " ".join([text, *(c.display for c in codings(concept))])
    matched = {d.id: d for d in pack.drugs for n in d.searchable_names if _whole_word(n, names)}
    if len(matched) > 1:
        raise NotMapped(f"names more than one pack drug ({', '.join(sorted(matched))})")
    return (next(iter(matched.values())) if matched else None), text


def _strength(text: str, drug: Drug) -> tuple[float, DoseUnit] | None:
    """The strength of ``drug`` written in a clinical-drug name (its component of a combination)."""
    for component in text.split(" / "):
        if any(_whole_word(name, component) for name in drug.searchable_names):
            found = _STRENGTH.findall(component)
            if len(found) == 1:
                return float(found[0][0]), _MASS_UNITS[found[0][1].lower()]
    return None


def _route(dosage: dict[str, Any], text: str, drug: Drug) -> Route:
    words = " ".join([concept_text(dosage.get("route")) if dosage.get("route") else "", text])
    routes = {route for word, route in _FORM_ROUTES if word in words.lower()}
    if len(routes) != 1:
        raise NotMapped("the route is not stated (no dosage route and no dose form in the name)")
    route = routes.pop()
    if route not in drug.allowed_routes:
        raise NotMapped(f"route {route.value} is not a route of {drug.id} in the knowledge pack")
    return route


def _dose(dosage: dict[str, Any], text: str, drug: Drug) -> tuple[float, DoseUnit]:
    quantity = None
    for dose_and_rate in dosage.get("doseAndRate") or []:
        if isinstance(dose_and_rate, dict) and isinstance(dose_and_rate.get("doseQuantity"), dict):
            quantity = dose_and_rate["doseQuantity"]
            break
    if quantity is None or not isinstance(quantity.get("value"), int | float):
        raise NotMapped("no dose quantity: the dose is not derivable")
    value = float(quantity["value"])
    unit_text = str(quantity.get("code") or quantity.get("unit") or "").strip().lower()
    if value <= 0 or value != value or value > 1e6:
        raise NotMapped(f"dose quantity {value} is not a dose")
    if unit_text in _MASS_UNITS:
        return value, _MASS_UNITS[unit_text]
    if unit_text in _COUNT_UNITS and any(form in text.lower() for form in _UNIT_DOSE_FORMS):
        strength = _strength(text, drug)
        if strength is not None:
            return value * strength[0], strength[1]
        raise NotMapped(f"a dose of {value:g} unit(s) but no single {drug.id} strength in the name")
    raise NotMapped(f"dose unit {unit_text or 'none'!r} is not a mass or a count of tablets")


def _frequency(dosage: dict[str, Any]) -> tuple[int | None, int | None]:
    timing = _part(dosage, "timing")
    code = {c.code.upper() for c in codings(timing.get("code"))}
    for name, value in _TIMING_CODES.items():
        if name in code:
            return value
    repeat = _part(timing, "repeat")
    frequency = repeat.get("frequency", 1)
    period = repeat.get("period")
    unit = repeat.get("periodUnit")
    if not isinstance(frequency, int) or not isinstance(period, int | float) or period <= 0:
        return None, None
    if unit == "h" and float(24 / period).is_integer():
        times = frequency * int(24 / period)
        return (times, 1) if 1 <= times <= 24 else (None, None)
    if unit in _PERIOD_DAYS and float(period).is_integer():
        days = int(period) * _PERIOD_DAYS[unit]
        return (frequency, days) if 1 <= frequency <= 24 and 1 <= days <= 730 else (None, None)
    return None, None


def _dates(resource: dict[str, Any], dosage: dict[str, Any]) -> tuple[date, date | None]:
    effective = _part(resource, "effectivePeriod")
    start = (
        fhir_date(resource.get("authoredOn"))
        or fhir_date(resource.get("effectiveDateTime"))
        or fhir_date(effective.get("start"))
    )
    if start is None:
        raise NotMapped("no start date (authoredOn or effective)")
    timing = _part(dosage, "timing")
    repeat = _part(timing, "repeat")
    bounds = _part(repeat, "boundsPeriod")
    dispense = _part(resource, "dispenseRequest")
    validity = _part(dispense, "validityPeriod")
    stop = (
        fhir_date(effective.get("end"))
        or fhir_date(bounds.get("end"))
        or fhir_date(validity.get("end"))
    )
    return start, stop


def map_medication(
    resource: dict[str, Any], medication: dict[str, Any] | None, pack: KnowledgePack
) -> tuple[dict[str, Any] | None, str]:
    """A medication-course dict (without id), or None and why it is not mapped.

    ``medication`` is the Medication resource a ``medicationReference`` resolved to, if any.
    """
    concept = resource.get("medicationCodeableConcept")
    if concept is None and medication is not None:
        concept = medication.get("code")
    drug: Drug | None = None
    try:
        drug, text = find_pack_drug(concept, pack)
        if drug is None:
            return None, "not a knowledge-pack drug"
        status = resource.get("status")
        if status in ("entered-in-error", "cancelled", "draft", "not-taken", "unknown"):
            return None, f"{drug.id}: status {status!r} is not a course that was taken"
        dosages = [
            d
            for d in resource.get("dosageInstruction") or resource.get("dosage") or []
            if isinstance(d, dict)
        ]
        if len(dosages) != 1:
            raise NotMapped(
                "no dosage instruction" if not dosages else "several dosage instructions"
            )
        dosage = dosages[0]
        value, unit = _dose(dosage, text, drug)
        route = _route(dosage, text, drug)
        if unit not in drug.dose_units(route):
            raise NotMapped(f"dose unit {unit.value} is not a {route.value} unit of {drug.id}")
        as_needed = dosage.get("asNeededBoolean") is True or "asNeededCodeableConcept" in dosage
        times, days = _frequency(dosage)
        if not as_needed and times is None:
            raise NotMapped("the frequency is not stated in whole doses per day or week")
        start, stop = _dates(resource, dosage)
        if status in ("stopped", "completed") and stop is None:
            raise NotMapped(f"status {status!r} but no stop date: the course length is unknown")
    except NotMapped as why:
        return None, f"{drug.id}: {why}" if drug is not None else str(why)
    course: dict[str, Any] = {
        "drug_id": drug.id,
        "route": route,
        "intent": drug.intent,
        "schedule": DosingSchedule.AS_NEEDED if as_needed else DosingSchedule.REGULAR,
        "dose": {"value": value, "unit": unit},
        "times_per_period": times,
        "period_days": days,
        "start_date": start,
    }
    if stop is not None:
        course["stop_date"] = stop
        course["stop_reason"] = (
            StopReason.COURSE_COMPLETED if status == "completed" else StopReason.UNKNOWN
        )
    return course, f"{drug.id} {value:g} {unit.value}"
