"""Reading back the Observations and Encounters spsreg wrote: lab results, genetic markers,
visits with body weight and scale assessments, and symptom diary entries."""

from __future__ import annotations

from typing import Any

from spsreg.domain.assessments import ItemResponse, VisitKind
from spsreg.domain.diary import SpasmTrigger
from spsreg.domain.labs import AssayMethod, Specimen
from spsreg.export.fhir_common import LOCAL_DRUG_SYSTEM, Ext, Local
from spsreg.export.fhir_observations import DIARY_SCORES, QUALITATIVE_CODES
from spsreg.export.fhir_terms import LOINC_SYSTEM
from spsreg.ingest.fhir_profile_element import Element
from spsreg.ingest.fhir_profile_parts import (
    Part,
    check_subject,
    ext_path,
    read_order,
    read_record_id,
)

__all__ = [
    "read_assessment",
    "read_diary_entry",
    "read_genetic_marker",
    "read_lab_result",
    "read_visit",
    "read_weight",
]

_INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
_QUALITATIVE = {code: result for result, code in QUALITATIVE_CODES.items()}
_DIARY_FIELDS = dict(DIARY_SCORES)


def _start(section: str, element: Element, patient_fid: str, *, ordered: bool = True) -> Part:
    part = Part(section, element, str(element.data.get("id", "")))
    check_subject(element, "subject", patient_fid)
    if ordered:
        part.order = read_order(element)
        part.set("id", read_record_id(element), "identifier")
    element.skip("status", "category")
    return part


def read_lab_result(element: Element, patient_fid: str) -> Part:
    part = _start("lab_results", element, patient_fid)
    part.set(
        "analyte",
        element.required_child("code").local_value(Local.LAB_ANALYTE, LOINC_SYSTEM),
        "code",
    )
    specimen = element.extension(Ext.SPECIMEN, "valueCode")
    if specimen is None:
        raise element.error("extension", f"needs the extension {Ext.SPECIMEN}")
    part.set(
        "specimen", element.enum(Specimen, ext_path(Ext.SPECIMEN), specimen), ext_path(Ext.SPECIMEN)
    )
    part.set("method", element.coded(AssayMethod, "method", Local.ASSAY_METHOD), "method")
    part.set("collected_on", element.date("effectiveDateTime", required=True), "effectiveDateTime")
    performers = element.children("performer")
    if len(performers) > 1:
        raise element.error("performer", "expected one performer (the laboratory)")
    for performer in performers:
        part.set("laboratory", performer.required_string("display"), "performer[0].display")
    quantity = element.child("valueQuantity")
    if quantity is not None:
        quantity.skip("system", "code")
        part.set("value", quantity.number("value"), "valueQuantity.value")
        part.set("unit", quantity.required_string("unit"), "valueQuantity.unit")
    interpretations = element.children("interpretation")
    if len(interpretations) > 1:
        raise element.error("interpretation", "expected one interpretation")
    for interpretation in interpretations:
        code = interpretation.coding_code(_INTERPRETATION)
        if code not in _QUALITATIVE:
            raise interpretation.error("coding", f"expected one of {', '.join(_QUALITATIVE)}")
        part.set("qualitative", _QUALITATIVE[code], "interpretation[0]")
    for component in element.children("component"):
        if component.required_child("code").coding_code(Local.LAB_COMPONENT) != "titre":
            raise component.error("code", f"expected the titre code of {Local.LAB_COMPONENT}")
        ratio = component.required_child("valueRatio")
        ratio.skip("numerator")
        denominator = ratio.required_child("denominator")
        part.set(
            "titre_denominator",
            denominator.integer("value", required=True),
            denominator.where("value"),
        )
    return part


def read_genetic_marker(element: Element, patient_fid: str) -> Part:
    part = _start("genetic_markers", element, patient_fid)
    element.skip("code")
    for component in element.children("component"):
        name = component.required_child("code").coding_code(Local.GENETIC_MARKER_FIELD)
        if name not in ("system", "locus", "allele"):
            raise component.error(
                "code", f"expected system, locus or allele of {Local.GENETIC_MARKER_FIELD}"
            )
        part.set(name, component.required_string("valueString"), component.where("valueString"))
    part.set("tested_on", element.date("effectiveDateTime"), "effectiveDateTime")
    method = element.child("method")
    if method is not None:
        part.set("method", method.required_string("text"), "method.text")
    return part


def read_visit(element: Element, patient_fid: str) -> Part:
    part = _start("visits", element, patient_fid)
    element.skip("class")
    part.set("kind", element.single("type").code_enum(VisitKind, Local.VISIT_KIND), "type[0]")
    period = element.required_child("period")
    period.skip("end")
    part.set("visit_date", period.date("start", required=True), "period.start")
    return part


def read_weight(element: Element, patient_fid: str) -> Part:
    part = _start("weights", element, patient_fid, ordered=False)
    element.skip("code", "effectiveDateTime")
    part.parent = part.ref("Encounter", element.reference("encounter", "Encounter"), "encounter")
    quantity = element.required_child("valueQuantity")
    quantity.skip("unit", "system", "code")
    part.set("weight_kg", quantity.number("value"), "valueQuantity.value")
    return part


def _response(component: Element) -> ItemResponse:
    if component.has("valueInteger"):
        return component.integer("valueInteger")
    if component.has("valueQuantity"):
        quantity = component.required_child("valueQuantity")
        quantity.skip("unit", "system", "code")
        return quantity.number("value")
    if component.has("valueString"):
        return component.string("valueString")
    if component.extension(Ext.EMPTY_TEXT, "valueBoolean") is True:
        return ""
    if component.has("dataAbsentReason"):
        component.skip("dataAbsentReason")
        return None
    raise component.error(None, "needs a value, an empty-text flag or a dataAbsentReason")


def read_assessment(element: Element, patient_fid: str) -> Part:
    part = _start("assessments", element, patient_fid)
    element.skip("effectiveDateTime", "valueQuantity")
    part.parent = part.ref("Encounter", element.reference("encounter", "Encounter"), "encounter")
    code = element.required_child("code")
    for coding in code.children("coding"):
        if coding.data.get("system") == Local.SCALE:
            coding.skip("system", "display")
            part.set("scale_id", coding.required_string("code"), coding.where("code"))
            part.set("scale_version", coding.required_string("version"), coding.where("version"))
    if "scale_id" not in part.fields:
        part.set("scale_id", code.required_string("text"), "code.text")
        part.set("scale_version", code.extension_string(Ext.SCALE_VERSION), "code.extension")
    responses: dict[str, Any] = {}
    for component in element.children("component"):
        item = component.required_child("code").local_value(Local.SCALE_ITEM)
        if item in responses:
            raise component.error("code", f"item {item!r} is answered twice")
        responses[item] = _response(component)
    part.set("responses", responses, "component")
    return part


def read_diary_entry(element: Element, patient_fid: str) -> Part:
    part = _start("diary_entries", element, patient_fid)
    element.skip("code")
    part.set("entry_date", element.date("effectiveDateTime", required=True), "effectiveDateTime")
    triggers: list[SpasmTrigger] = []
    doses: list[dict[str, Any]] = []
    for component in element.children("component"):
        code = component.required_child("code")
        name = code.coding_code(Local.DIARY_FIELD)
        if name in _DIARY_FIELDS:
            part.set(
                _DIARY_FIELDS[name],
                component.integer("valueInteger", required=True),
                component.path,
            )
        elif name == "trigger":
            concept = component.required_child("valueCodeableConcept")
            triggers.append(concept.code_enum(SpasmTrigger, Local.SPASM_TRIGGER))
        elif name == "doses-taken":
            drug = code.coding_code(LOCAL_DRUG_SYSTEM)
            if drug is None:
                drug = code.string("text", required=True)
            doses.append(
                {"drug_id": drug, "doses": component.integer("valueInteger", required=True)}
            )
        else:
            raise code.error("coding", f"needs a known coding of {Local.DIARY_FIELD}")
    part.set("triggers", tuple(triggers), "component")
    part.set("doses_taken", tuple(doses), "component")
    return part
