"""Reading one FHIR resource of spsreg's profile while remembering what was read.

An :class:`Element` wraps a JSON object of a resource. Every value the reader takes (or declares
derived, :meth:`Element.skip`) is marked; what is left unread afterwards (an element or extension
another system added) is reported by :meth:`Tracker.unmapped` instead of being dropped. Malformed
content raises :class:`FhirProfileError` with the resource's index and the FHIR path of the value.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

__all__ = ["DATE_PATTERN", "Element", "FhirProfileError", "ProfileUnmapped", "Tracker"]

E = TypeVar("E", bound=StrEnum)

DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class FhirProfileError(ValueError):
    """Malformed content in a resource of spsreg's profile: which resource, where, and why."""

    def __init__(self, index: int, path: str, reason: str) -> None:
        self.index = index
        self.path = path
        self.reason = reason
        super().__init__(f"resource {index}: {path}: {reason}")


@dataclass(frozen=True)
class ProfileUnmapped:
    """A resource or element the spsreg profile does not define (kept visible, never dropped)."""

    index: int
    category: str
    item: str
    reason: str


@dataclass
class Tracker:
    """The paths of one resource that were read whole (consumed) or looked into (entered)."""

    index: int
    resource: Mapping[str, Any]
    root: str
    consumed: set[str] = field(default_factory=set)
    entered: set[str] = field(default_factory=set)

    def unmapped(self) -> list[ProfileUnmapped]:
        """Every top-most element of the resource that nothing read."""
        found: list[ProfileUnmapped] = []
        self._walk(self.resource, self.root, found)
        return found

    def _walk(self, value: Any, path: str, found: list[ProfileUnmapped]) -> None:
        if path in self.consumed:
            return
        if path not in self.entered:
            found.append(self._unread(value, path))
            return
        self._walk_inside(value, path, found)

    def _walk_inside(self, value: Any, path: str, found: list[ProfileUnmapped]) -> None:
        """The unread elements inside an entered ``value`` (a child read whole costs one lookup)."""
        if type(value) is dict or isinstance(value, Mapping):
            named = ((f"{path}.{key}", item) for key, item in value.items())
        elif isinstance(value, list):
            named = ((f"{path}[{n}]", item) for n, item in enumerate(value))
        else:
            return
        consumed, entered = self.consumed, self.entered
        for inner, item in named:
            if inner in consumed:
                continue
            if inner in entered:
                self._walk_inside(item, inner, found)
            else:
                found.append(self._unread(item, inner))

    def _unread(self, value: Any, path: str) -> ProfileUnmapped:
        reason = "not part of the spsreg profile"
        if isinstance(value, Mapping) and isinstance(value.get("url"), str):
            reason = f"extension {value['url']} is not part of the spsreg profile"
        return ProfileUnmapped(self.index, self.root, path, reason)


class Element:
    """One JSON object inside a resource, read through typed accessors that mark what they read."""

    __slots__ = ("_entered", "data", "path", "tracker")

    def __init__(self, data: Mapping[str, Any], path: str, tracker: Tracker) -> None:
        self.data = data
        self.path = path
        self.tracker = tracker
        self._entered = False

    def _enter(self) -> None:
        """Mark this object as looked into (a list item is entered only once something reads it)."""
        if not self._entered:
            self._entered = True
            self.tracker.entered.add(self.path)

    @classmethod
    def resource(cls, index: int, resource: Mapping[str, Any]) -> Element:
        root = str(resource.get("resourceType", "Resource"))
        tracker = Tracker(index, resource, root)
        element = cls(resource, root, tracker)
        element.skip("resourceType", "id")
        meta = element.child("meta")
        if meta is not None:
            # Server bookkeeping (version, last update) carries no clinical fact; tags and
            # security labels are reported like any other element the profile does not define.
            meta.skip("profile", "versionId", "lastUpdated")
        return element

    @property
    def index(self) -> int:
        return self.tracker.index

    def error(self, key: str | None, reason: str) -> FhirProfileError:
        return FhirProfileError(self.index, self.where(key), reason)

    def where(self, key: str | None) -> str:
        return self.path if key is None else f"{self.path}.{key}"

    def has(self, key: str) -> bool:
        return key in self.data

    def skip(self, *keys: str) -> None:
        """Mark elements as read without using them (values derived from other elements)."""
        self._enter()
        path = self.path
        self.tracker.consumed.update([f"{path}.{key}" for key in keys])

    def take(self, key: str) -> Any:
        self._enter()
        self.tracker.consumed.add(f"{self.path}.{key}")
        return self.data.get(key)

    def string(self, key: str, *, required: bool = False) -> str | None:
        value = self.take(key)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return None
        if not isinstance(value, str):
            raise self.error(key, f"expected a string, found {value!r}")
        return value

    def required_string(self, key: str) -> str:
        value = self.string(key, required=True)
        assert value is not None
        return value

    def integer(self, key: str, *, required: bool = False) -> int | None:
        value = self.take(key)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.error(key, f"expected a whole number, found {value!r}")
        return value

    def number(self, key: str) -> int | float:
        value = self.take(key)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.error(key, f"expected a number, found {value!r}")
        return value

    def date(self, key: str, *, required: bool = False) -> dt.date | None:
        value = self.string(key, required=required)
        return None if value is None else self.as_date(key, value)

    def as_date(self, key: str, value: Any) -> dt.date:
        """``value`` (read at ``key``) as a FHIR date of day precision."""
        if not isinstance(value, str) or not DATE_PATTERN.match(value):
            raise self.error(key, f"expected a date written YYYY-MM-DD, found {value!r}")
        try:
            return dt.date.fromisoformat(value)
        except ValueError as problem:
            raise self.error(key, str(problem)) from None

    def required_date(self, key: str) -> dt.date:
        value = self.date(key, required=True)
        assert value is not None
        return value

    def enum(self, kind: type[E], key: str, value: Any) -> E:
        """``value`` (read at ``key``) as a member of ``kind``, or an error listing the members."""
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(member.value for member in kind)
            raise self.error(key, f"{value!r} is not one of {allowed}") from None

    def child(self, key: str, *, required: bool = False) -> Element | None:
        value = self.data.get(key)
        if value is None:
            if required:
                raise self.error(key, "is required")
            return None
        if type(value) is not dict and not isinstance(value, Mapping):
            raise self.error(key, "expected a JSON object")
        self._enter()
        found = Element(value, f"{self.path}.{key}", self.tracker)
        found._enter()
        return found

    def required_child(self, key: str) -> Element:
        value = self.child(key, required=True)
        assert value is not None
        return value

    def children(self, key: str) -> list[Element]:
        items = self._objects(key)
        where = f"{self.path}.{key}"
        tracker = self.tracker
        return [Element(item, f"{where}[{n}]", tracker) for n, item in enumerate(items)]

    def _objects(self, key: str) -> list[Mapping[str, Any]]:
        """The objects of the array at ``key`` (the array marked entered, its items not yet)."""
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error(key, "expected a JSON array")
        self._enter()
        self.tracker.entered.add(f"{self.path}.{key}")
        for n, item in enumerate(value):
            if type(item) is not dict and not isinstance(item, Mapping):
                raise self.error(f"{key}[{n}]", "expected a JSON object")
        return value

    def _item(self, key: str, n: int) -> Element:
        """Item ``n`` of the array at ``key`` (already checked by :meth:`_objects`)."""
        return Element(self.data[key][n], f"{self.path}.{key}[{n}]", self.tracker)

    def single(self, key: str) -> Element:
        """The one object of a list that spsreg writes with exactly one item (e.g. dosage)."""
        items = self.children(key)
        if len(items) != 1:
            raise self.error(key, f"expected exactly one item, found {len(items)}")
        return items[0]

    def extensions(self, url: str) -> Iterator[Element]:
        for n, data in enumerate(self._objects("extension")):
            if data.get("url") == url:
                item = self._item("extension", n)
                item.skip("url")
                yield item

    def extension(self, url: str, kind: str) -> Any:
        """The value (``valueX`` named by ``kind``) of the one extension with ``url``, or None."""
        found = list(self.extensions(url))
        if not found:
            return None
        if len(found) > 1:
            raise self.error("extension", f"extension {url} is given {len(found)} times")
        item = found[0]
        if kind not in item.data:
            raise item.error(None, f"extension {url} needs {kind}")
        return item.take(kind)

    def extension_date(self, url: str, kind: str = "valueDate") -> dt.date | None:
        value = self.extension(url, kind)
        return None if value is None else self.as_date(f"extension('{url}')", value)

    def extension_string(self, url: str, kind: str = "valueString") -> str | None:
        value = self.extension(url, kind)
        if value is not None and not isinstance(value, str):
            raise self.error(f"extension('{url}')", f"expected a string, found {value!r}")
        return value

    def extension_integer(self, url: str) -> int | None:
        value = self.extension(url, "valueInteger")
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
            raise self.error(f"extension('{url}')", f"expected a whole number, found {value!r}")
        return value

    def extension_quantity(self, url: str) -> int | float | None:
        """The value of an extension's ``valueQuantity`` (its unit is fixed by the profile)."""
        for item in self.extensions(url):
            quantity = item.required_child("valueQuantity")
            quantity.skip("unit", "system", "code")
            return quantity.number("value")
        return None

    def coding_code(self, system: str) -> str | None:
        """The code of this concept's coding in ``system`` (that coding is marked read)."""
        for n, data in enumerate(self._objects("coding")):
            if data.get("system") == system:
                coding = self._item("coding", n)
                coding.skip("system", "display", "version")
                return coding.required_string("code")
        return None

    def skip_codings(self, *systems: str) -> None:
        """Mark codings of derived standard systems (RxNorm, LOINC) read."""
        for n, data in enumerate(self._objects("coding")):
            if data.get("system") in systems:
                self._item("coding", n).skip("system", "code", "display", "version")

    def local_value(self, system: str, *also: str) -> str:
        """A registry value written with ``local_concept``: the local code, else the text."""
        self.skip_codings(*also)
        code = self.coding_code(system)
        if code is not None:
            self.skip("text")
            return code
        text = self.string("text")
        if text is None:
            raise self.error("coding", f"needs a coding in {system} or a text")
        return text

    def code_enum(self, kind: type[E], system: str) -> E:
        """This concept's coding in ``system`` as a member of ``kind``."""
        code = self.coding_code(system)
        if code is None:
            raise self.error("coding", f"needs a coding in {system}")
        self.skip("text")
        return self.enum(kind, "coding", code)

    def coded(self, kind: type[E], key: str, system: str) -> E:
        """An enumeration value coded as ``{key: {coding: [{system, code}]}}``."""
        concept = self.required_child(key)
        code = concept.coding_code(system)
        if code is None:
            raise concept.error("coding", f"needs a coding in {system}")
        concept.skip("text")
        return concept.enum(kind, "coding", code)

    def reference(self, key: str, resource_type: str) -> str:
        """The FHIR id a ``{key: {reference: "<Type>/<id>"}}`` points to."""
        target = self.required_child(key)
        target.skip("display")
        value = target.required_string("reference")
        kind, _, fid = value.partition("/")
        if kind != resource_type or not fid:
            raise target.error(
                "reference", f"expected a reference {resource_type}/<id>, found {value!r}"
            )
        return fid
