"""Fast reading of the two most common resources spsreg writes: diary entries and assessments.

A symptom diary entry or a scale assessment is nine in ten resources of a registry export, and
reading each element through :class:`Element` (which marks every value read, to report what was
not) costs most of an import. Here such a resource is first checked to have exactly the shape
spsreg's exporter writes: only elements the general reader reads, each of the expected JSON type
and value (the keys of every object compared as sets). A resource of that shape cannot hold an
unmapped element nor fail the general reader, so its :class:`Part` is built directly, with the
same fields and FHIR paths the general reader gives. Any other resource (a value of another type,
an extra element, anything unusual) returns None and goes through the general reader, which
reports it exactly as before.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from spsreg.domain.diary import SpasmTrigger
from spsreg.export.fhir_common import LOCAL_DRUG_SYSTEM, RECORD_ID_SYSTEM, Ext, Local
from spsreg.export.fhir_observations import DIARY_SCORES
from spsreg.ingest.fhir_profile_element import DATE_PATTERN, Element, Tracker
from spsreg.ingest.fhir_profile_parts import Part, Ref

__all__ = ["FastReader", "read_assessment_fast", "read_diary_entry_fast"]

FastReader = Callable[[int, Mapping[str, Any], str], Part | None]

_DIARY_FIELDS = dict(DIARY_SCORES)
_TRIGGERS = {member.value: member for member in SpasmTrigger}
_CODING_KEYS = frozenset({"system", "code", "display", "version"})
_CODING_ONLY = frozenset({"coding"})
_CODING_OR_TEXT = frozenset({"coding", "text"})
_META_KEYS = frozenset({"profile", "versionId", "lastUpdated"})
_REFERENCE_KEYS = frozenset({"reference", "display"})
_IDENTIFIER_KEYS = frozenset({"system", "use", "value"})
_QUANTITY_KEYS = frozenset({"value", "unit", "system", "code"})
_ORDER_KEYS = frozenset({"url", "valueInteger"})
_DIARY_KEYS = frozenset(
    {"resourceType", "id", "meta", "extension", "identifier", "status", "category", "code"}
    | {"subject", "effectiveDateTime", "component"}
)
_ASSESSMENT_KEYS = _DIARY_KEYS | {"encounter", "valueQuantity"}


def _only(value: Any, allowed: frozenset[str]) -> TypeGuard[dict[str, Any]]:
    """``value`` is a plain JSON object with no key outside ``allowed``."""
    return type(value) is dict and value.keys() <= allowed


def _single(value: Any) -> Any:
    """The one item of a one-item array, else None."""
    return value[0] if type(value) is list and len(value) == 1 else None


def _code(coding: Any, system: str) -> str | None:
    """The code of a plain coding in ``system``, else None."""
    if not _only(coding, _CODING_KEYS) or coding.get("system") != system:
        return None
    code = coding.get("code")
    return code if type(code) is str else None


def _reference_id(value: Any, resource_type: str) -> str | None:
    """The id a plain ``{reference: "<Type>/<id>"}`` names, else None."""
    if not _only(value, _REFERENCE_KEYS):
        return None
    reference = value.get("reference")
    if type(reference) is not str:
        return None
    kind, _, fid = reference.partition("/")
    return fid if kind == resource_type and fid else None


def _start(
    section: str, index: int, resource: Mapping[str, Any], patient_fid: str, allowed: frozenset[str]
) -> Part | None:
    """The part with its record id and order, when the common elements have the usual shape."""
    if type(resource) is not dict or not resource.keys() <= allowed:
        return None
    meta = resource.get("meta")
    if not _only(meta, _META_KEYS):
        return None
    if _reference_id(resource.get("subject"), "Patient") != patient_fid:
        return None
    order = _single(resource.get("extension"))
    if (
        not _only(order, _ORDER_KEYS)
        or order.get("url") != Ext.RECORD_ORDER
        or type(order.get("valueInteger")) is not int
    ):
        return None
    identifier = _single(resource.get("identifier"))
    if not _only(identifier, _IDENTIFIER_KEYS) or identifier.get("system") != RECORD_ID_SYSTEM:
        return None
    record_id = identifier.get("value")
    if type(record_id) is not str:
        return None
    root = str(resource.get("resourceType", "Resource"))
    element = Element(resource, root, Tracker(index, resource, root))
    part = Part(section, element, str(resource.get("id", "")), order=order["valueInteger"])
    part.set("id", record_id, "identifier")
    return part


def _entry_date(value: Any) -> dt.date | None:
    if type(value) is not str or not DATE_PATTERN.match(value):
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def _diary_component(
    part: Part, path: str, component: Any, triggers: list[SpasmTrigger], doses: list[dict[str, Any]]
) -> bool:
    """Read one diary component into the part; False when it is not of the usual shape."""
    if type(component) is not dict or len(component) != 2:
        return False
    concept = component.get("code")
    if not _only(concept, _CODING_ONLY) or type(concept.get("coding")) is not list:
        return False
    codings = concept["coding"]
    name = _code(codings[0], Local.DIARY_FIELD) if codings else None
    value = component.get("valueInteger")
    if name == "trigger":
        answer = component.get("valueCodeableConcept")
        if len(codings) != 1 or not _only(answer, _CODING_OR_TEXT):
            return False
        code = _code(_single(answer.get("coding")), Local.SPASM_TRIGGER)
        trigger = None if code is None else _TRIGGERS.get(code)
        if trigger is None:
            return False
        triggers.append(trigger)
    elif type(value) is not int:
        return False
    elif name in _DIARY_FIELDS and len(codings) == 1:
        part.set(_DIARY_FIELDS[name], value, path)
    elif name == "doses-taken" and len(codings) == 2:
        drug = _code(codings[1], LOCAL_DRUG_SYSTEM)
        if drug is None:
            return False
        doses.append({"drug_id": drug, "doses": value})
    else:
        return False
    return True


def read_diary_entry_fast(index: int, resource: Mapping[str, Any], patient_fid: str) -> Part | None:
    """The part of a diary entry of the usual shape (as the general reader gives it), else None."""
    part = _start("diary_entries", index, resource, patient_fid, _DIARY_KEYS)
    if part is None:
        return None
    entry_date = _entry_date(resource.get("effectiveDateTime"))
    if entry_date is None:
        return None
    part.set("entry_date", entry_date, "effectiveDateTime")
    components = resource.get("component", [])
    if type(components) is not list:
        return None
    triggers: list[SpasmTrigger] = []
    doses: list[dict[str, Any]] = []
    root = part.element.path
    for n, component in enumerate(components):
        if not _diary_component(part, f"{root}.component[{n}]", component, triggers, doses):
            return None
    part.set("triggers", tuple(triggers), "component")
    part.set("doses_taken", tuple(doses), "component")
    return part


def _response(component: dict[str, Any]) -> tuple[bool, Any]:
    """(True, the answer) of an assessment component of the usual shape, else (False, None)."""
    if len(component) != 2:
        return False, None
    if "valueInteger" in component:
        value = component["valueInteger"]
        return (value is None or type(value) is int), value
    if "valueQuantity" in component:
        quantity = component["valueQuantity"]
        if not _only(quantity, _QUANTITY_KEYS):
            return False, None
        value = quantity.get("value")
        return type(value) is int or type(value) is float, value
    if "valueString" in component:
        value = component["valueString"]
        return (value is None or type(value) is str), value
    return "dataAbsentReason" in component, None


def read_assessment_fast(index: int, resource: Mapping[str, Any], patient_fid: str) -> Part | None:
    """The part of a scale assessment of the usual shape (as the general reader gives it), else None."""
    part = _start("assessments", index, resource, patient_fid, _ASSESSMENT_KEYS)
    if part is None:
        return None
    visit = _reference_id(resource.get("encounter"), "Encounter")
    concept = resource.get("code")
    if visit is None or not _only(concept, _CODING_ONLY):
        return None
    scale = _single(concept.get("coding"))
    if _code(scale, Local.SCALE) is None or type(scale.get("version")) is not str:
        return None
    root = part.element.path
    part.parent = Ref("Encounter", visit, index, f"{root}.encounter")
    part.set("scale_id", scale["code"], f"{root}.code.coding[0].code")
    part.set("scale_version", scale["version"], f"{root}.code.coding[0].version")
    components = resource.get("component", [])
    if type(components) is not list:
        return None
    responses: dict[str, Any] = {}
    for component in components:
        if type(component) is not dict or not _only(component.get("code"), _CODING_OR_TEXT):
            return None
        item = _code(_single(component["code"].get("coding")), Local.SCALE_ITEM)
        if item is None or item in responses:
            return None
        usual, responses[item] = _response(component)
        if not usual:
            return None
    part.set("responses", responses, "component")
    return part
