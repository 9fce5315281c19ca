"""What one resource of spsreg's profile contributes to a record, before the record is assembled.

A reader turns a resource into a :class:`Part`: the domain fields it holds (with the FHIR path of
each, so a domain validation error names where the value came from), its place in its record
section, and references to other resources (:class:`Ref`) that are resolved to registry ids once
every resource of the patient has been read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from spsreg.export.fhir_common import RECORD_ID_SYSTEM, Ext
from spsreg.ingest.fhir_profile_element import Element, FhirProfileError

__all__ = ["Part", "Ref", "build", "check_subject", "ext_path", "read_order", "read_record_id"]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Ref:
    """A reference to another resource of the same patient (resolved to its registry id)."""

    resource_type: str
    fid: str
    index: int
    path: str


@dataclass
class Part:
    """The registry fields one resource holds."""

    section: str
    element: Element
    fid: str
    order: int = 0
    parent: Ref | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    paths: dict[str, str] = field(default_factory=dict)

    def set(self, name: str, value: Any, key: str) -> None:
        """Set a domain field, remembering the FHIR element (relative key) it was read from."""
        self.fields[name] = value
        self.paths[name] = self.element.where(key)

    def ref(self, resource_type: str, fid: str, key: str) -> Ref:
        return Ref(resource_type, fid, self.element.index, self.element.where(key))


def ext_path(url: str) -> str:
    """The FHIRPath of an extension's value, e.g. ``extension('urn:spsreg:...:sessions')``."""
    return f"extension('{url}')"


def read_record_id(element: Element) -> str:
    """The registry record id from ``identifier`` (a list, or one object for AdverseEvent)."""
    raw = element.data.get("identifier")
    candidates = (
        [element.required_child("identifier")]
        if isinstance(raw, dict)
        else element.children("identifier")
    )
    for identifier in candidates:
        if identifier.data.get("system") == RECORD_ID_SYSTEM:
            identifier.skip("system", "use")
            return identifier.required_string("value")
    raise element.error("identifier", f"needs the registry record id ({RECORD_ID_SYSTEM})")


def read_order(element: Element) -> int:
    """The item's position in its record section (extension record-order)."""
    position = element.extension_integer(Ext.RECORD_ORDER)
    if position is None:
        raise element.error("extension", f"needs the extension {Ext.RECORD_ORDER}")
    return position


def check_subject(element: Element, key: str, patient_fid: str) -> None:
    """The resource must refer to the patient being read."""
    fid = element.reference(key, "Patient")
    if fid != patient_fid:
        raise element.error(
            f"{key}.reference", f"refers to Patient/{fid}, not Patient/{patient_fid}"
        )


def build(model: type[M], part: Part, extra: dict[str, Any] | None = None) -> M:
    """The domain object of a part; a validation error names the FHIR path of the field at fault."""
    fields = part.fields if extra is None else part.fields | extra
    try:
        return model(**fields)
    except ValidationError as problem:
        first = problem.errors()[0]
        location = first.get("loc", ())
        name = str(location[0]) if location else ""
        path = part.paths.get(name, part.element.path)
        detail = ".".join(str(step) for step in location)
        reason = first.get("msg", "invalid value")
        if detail:
            reason = f"{detail}: {reason}"
        raise FhirProfileError(part.element.index, path, reason) from None
